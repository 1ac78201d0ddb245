"""Alert settings: an Admin's levels per kind (lead times, thresholds, runs) and each person's mutes.

A kind without a stored setting uses its defaults (app.services.alerts.kinds), so a new
kind needs no data migration and "reset to defaults" is deleting the row.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from app.errors import ValidationFailed
from app.models.alerts import AlertKind, AlertMute, AlertSetting
from app.services.alerts.kinds import KINDS, LEVEL_LIMITS, MAX_LEVELS
from app.services.audit.recording import record_event
from app.services.transaction import session_or_default, unit_of_work

#: The audit action of a change to the alert settings.
SETTINGS_CHANGED = "alert_settings_changed"


@dataclass(frozen=True)
class KindSetting:
    kind: AlertKind
    levels: tuple[int, ...]
    enabled: bool
    is_default: bool


def kind_settings(session: Session | None = None) -> dict[AlertKind, KindSetting]:
    """Every kind's levels (sorted, largest first) and whether it is on."""
    session = session_or_default(session)
    stored = {row.kind: row for row in session.scalars(select(AlertSetting))}
    settings = {}
    for kind, info in KINDS.items():
        row = stored.get(kind)
        levels = info.default_levels if row is None or not info.configurable else tuple(row.levels)
        settings[kind] = KindSetting(
            kind, tuple(sorted(set(levels), reverse=True)), row.enabled if row else True, row is None
        )
    return settings


def parse_levels(kind: AlertKind, value: str | Iterable[int]) -> tuple[int, ...]:
    """"90, 60, 30" -> (90, 60, 30); refuses what the kind cannot use (ValidationFailed)."""
    info = KINDS[kind]
    if isinstance(value, str):
        parts = [part for part in re.split(r"[\s,;]+", value.strip()) if part]
        if not all(part.isdigit() for part in parts):
            raise ValidationFailed(
                "Levels are whole numbers separated by commas, e.g. 90, 60, 30, 7.", "levels"
            )
        numbers = [int(part) for part in parts]
    else:
        numbers = [int(number) for number in value]
    levels = tuple(sorted(set(numbers), reverse=True))
    low, high = LEVEL_LIMITS[info.meaning]
    if not levels:
        raise ValidationFailed(f"{info.label} needs at least one level.", "levels")
    if len(levels) > MAX_LEVELS:
        raise ValidationFailed(f"At most {MAX_LEVELS} levels per kind.", "levels")
    if not all(low <= level <= high for level in levels):
        raise ValidationFailed(
            f"{info.label}: each level is between {low} and {high} ({info.meaning.value}).", "levels"
        )
    return levels


def save_kind_setting(
    kind: AlertKind, levels: str | Iterable[int] | None, enabled: bool, session: Session | None = None
) -> KindSetting:
    """Store an Admin's levels and on/off for `kind` (levels None: keep them); audited; commits."""
    session = session_or_default(session)
    info = KINDS[kind]
    before = kind_settings(session)[kind]
    new_levels = before.levels if levels is None or not info.configurable else parse_levels(kind, levels)
    with unit_of_work(session):
        row = session.get(AlertSetting, kind)
        if row is None:
            row = AlertSetting(kind=kind)
            session.add(row)
        row.levels = list(new_levels)
        row.enabled = enabled
        session.flush()
        record_event(
            SETTINGS_CHANGED, entity_type="alert_setting", entity_id=kind.value,
            changes={
                "levels": {"old": list(before.levels), "new": list(new_levels)},
                "enabled": {"old": before.enabled, "new": enabled},
            },
        )
    return kind_settings(session)[kind]


def reset_kind_setting(kind: AlertKind, session: Session | None = None) -> KindSetting:
    """Back to the kind's defaults (and on); audited; commits."""
    session = session_or_default(session)
    before = kind_settings(session)[kind]
    with unit_of_work(session):
        session.execute(delete(AlertSetting).where(AlertSetting.kind == kind))
        record_event(
            SETTINGS_CHANGED, entity_type="alert_setting", entity_id=kind.value,
            changes={
                "reset": True,
                "levels": {"old": list(before.levels), "new": list(KINDS[kind].default_levels)},
            },
        )
    return kind_settings(session)[kind]


# --- mutes ---------------------------------------------------------------------------------------


def muted_kinds(user_id: int, session: Session | None = None) -> frozenset[AlertKind]:
    """The kinds this person muted."""
    session = session_or_default(session)
    return frozenset(session.scalars(select(AlertMute.kind).where(AlertMute.user_id == user_id)))


def set_muted_kinds(
    user_id: int, kinds: Iterable[AlertKind], session: Session | None = None
) -> frozenset[AlertKind]:
    """Make `kinds` exactly what this person mutes; commits."""
    session = session_or_default(session)
    wanted = frozenset(kinds)
    with unit_of_work(session):
        session.execute(
            delete(AlertMute).where(AlertMute.user_id == user_id, AlertMute.kind.not_in(list(wanted)))
        )
        if wanted:
            session.execute(
                insert(AlertMute)
                .values([{"user_id": user_id, "kind": kind} for kind in wanted])
                .on_conflict_do_nothing()
            )
    return muted_kinds(user_id, session)

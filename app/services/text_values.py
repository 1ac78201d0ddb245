"""Text as people enter it: trimmed, never blank where required, e-mail addresses valid.

A flush hook, so screens, the REST API, imports and scripts all agree:

- every text column of the entities people type into is stripped of surrounding spaces;
- a required text column (NOT NULL, no default) that is blank after trimming is refused,
  naming the field; an optional one that is blank is stored as NULL (no value);
- e-mail columns (named `email`/`*_email`, or `info={"email": True}`) hold a syntactically valid address
  (`email-validator`, no DNS lookup; the address is kept as typed, not rewritten).

A column opts out of trimming with `info={"trim": False}` (a password hash, a token).
"""

from __future__ import annotations

from functools import cache
from typing import Any

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import String, inspect

from app.errors import ValidationFailed
from app.services.orm_state import PendingChanges, changed


@cache
def text_entry_models() -> tuple[type, ...]:
    """The entities whose text people type (forms, REST, imports), not logs or metrics."""
    from app.models.catalog import Service
    from app.models.clients import Client
    from app.models.contracts import Contract, Proposal, ServiceScope
    from app.models.custom_fields import CustomFieldDefinition
    from app.models.finance import FinancialTransaction
    from app.models.hardware import ClientHardwareAssignment, HardwareAsset
    from app.models.integrations import DataSourceQuery, ExternalDataSource
    from app.models.licensing import ClientLicense, LicensePool
    from app.models.team import ClientTeamAssignment
    from app.models.users import MsspUser

    return (
        Client, Service, Contract, ServiceScope, Proposal, LicensePool, ClientLicense,
        HardwareAsset, ClientHardwareAssignment, FinancialTransaction, ClientTeamAssignment,
        ExternalDataSource, DataSourceQuery, CustomFieldDefinition, MsspUser,
    )


@cache
def _text_columns(model: type) -> tuple[tuple[str, Any], ...]:
    """(attribute, column) of the model's trimmed text columns (String and Text)."""
    mapper = inspect(model)
    found = []
    for attr in mapper.column_attrs:
        column = attr.columns[0]
        if isinstance(column.type, String) and column.info.get("trim", True) and attr.key != "password":
            found.append((attr.key, column))
    return tuple(found)


def _label(name: str) -> str:
    return name.replace("_", " ").capitalize()


def _required(column: Any) -> bool:
    return not column.nullable and column.default is None and column.server_default is None


def check_email(value: str, field: str) -> None:
    """Refuse an address that is not a valid e-mail address (syntax only, no DNS)."""
    try:
        validate_email(value, check_deliverability=False, globally_deliverable=False)
    except EmailNotValidError as problem:
        message = f"{_label(field)}: not a valid e-mail address ({problem})."
        raise ValidationFailed(message, field=field) from None


def clean_text(obj: Any) -> None:
    """Trim the changed text columns of `obj`; refuse blank required ones and bad e-mails."""
    for name, column in _text_columns(type(obj)):
        if not changed(obj, name):
            continue
        value = getattr(obj, name)
        if not isinstance(value, str):
            continue
        trimmed = value.strip()
        if not trimmed:
            if _required(column):
                raise ValidationFailed(f"{_label(name)} cannot be blank.", field=name)
            trimmed = None if column.nullable else trimmed
        if trimmed != value:
            setattr(obj, name, trimmed)
        if trimmed and (column.info.get("email") or name.endswith("email")):
            check_email(trimmed, name)


def check_text_changes(changes: PendingChanges) -> None:
    """Flush hook: the text of every saved entity people type into."""
    models = text_entry_models()
    for obj in (*changes.new, *changes.dirty):
        if isinstance(obj, models):
            clean_text(obj)

"""Custom fields: the definitions admins write and the values everyone stores (NetBox's model).

- `check_custom_field_changes` (a flush hook, see `rules_registry`) keeps both sides
  consistent whatever writes them (screen, API, job, script):
  * a definition's own settings are validated (`definition_errors`);
  * renaming a field rewrites the key in every stored record of its entity, one UPDATE
    per table, in the flush's transaction; deleting a field removes its key everywhere;
  * making a field required is refused while records lack a value, unless it has a
    default, which is then back-filled; removing a select option records use, or
    changing the type or the entity of a field that holds values, is refused with the
    count;
  * a record's `custom_field_data` is validated and normalised against the active
    definitions of its entity: values coerced to their stored form, defaults filled in,
    blank values and keys without a definition dropped. Values of inactive fields are
    kept as they are (re-activating the field shows them again).
- `definitions_for` lists an entity's definitions for forms, show pages, lists and filters.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from functools import cache
from typing import Any

from sqlalchemy import String, cast, func, literal, not_, select, text, update
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Session

from app.errors import ValidationFailed
from app.models.custom_fields import CustomFieldDefinition, CustomFieldEntity, CustomFieldType
from app.services.audit.capture import AUDIT_COLUMNS_OPTION
from app.services.audit.context import audit_action
from app.services.custom_fields.values import coerce_value, definition_errors, is_missing
from app.services.orm_state import PendingChanges, changed, committed_value, is_new

VALUES_COLUMN = "custom_field_data"
#: The audit trail's action on each record a definition change rewrites.
RENAME_ACTION = "custom_field_rename"
REMOVE_ACTION = "custom_field_remove"
BACKFILL_ACTION = "custom_field_backfill"


class CustomFieldValuesInvalid(ValidationFailed):
    """Custom field values break their definitions; `errors` maps a field name to its message."""

    def __init__(self, errors: dict[str, str]) -> None:
        first = next(iter(errors))
        field = VALUES_COLUMN if first == VALUES_COLUMN else f"{VALUES_COLUMN}.{first}"
        super().__init__(" ".join(errors.values()), field=field)
        self.errors = errors


@cache
def entity_models() -> dict[CustomFieldEntity, type]:
    """Every entity type -> its mapped class (imported late: models import nothing from here)."""
    from app.models.catalog import Service
    from app.models.clients import Client
    from app.models.contracts import Contract, Proposal, ServiceScope
    from app.models.finance import FinancialTransaction
    from app.models.hardware import ClientHardwareAssignment, HardwareAsset
    from app.models.licensing import ClientLicense, LicensePool
    from app.models.users import MsspUser

    E = CustomFieldEntity
    return {
        E.CLIENT: Client,
        E.CONTRACT: Contract,
        E.PROPOSAL: Proposal,
        E.SERVICE: Service,
        E.SERVICE_SCOPE: ServiceScope,
        E.LICENSE_POOL: LicensePool,
        E.CLIENT_LICENSE: ClientLicense,
        E.HARDWARE_ASSET: HardwareAsset,
        E.CLIENT_HARDWARE_ASSIGNMENT: ClientHardwareAssignment,
        E.FINANCIAL_TRANSACTION: FinancialTransaction,
        E.USER: MsspUser,
    }


def entity_for_model(model: type) -> CustomFieldEntity | None:
    """The entity type whose records are rows of `model` (or of a parent class)."""
    for entity, mapped in entity_models().items():
        if issubclass(model, mapped):
            return entity
    return None


def _ordered(definitions: Iterable[CustomFieldDefinition]) -> list[CustomFieldDefinition]:
    return sorted(definitions, key=lambda d: (d.group_name or "", d.display_order, d.label, d.name))


def definitions_for(
    session: Session, entity: CustomFieldEntity | None, *, active_only: bool = True
) -> list[CustomFieldDefinition]:
    """An entity's definitions, by group, then order, then label."""
    if entity is None:
        return []
    query = select(CustomFieldDefinition).where(CustomFieldDefinition.entity_type == entity)
    if active_only:
        query = query.where(CustomFieldDefinition.is_active.is_(True))
    return _ordered(session.scalars(query))


def active_definitions_by_entity(session: Session) -> dict[CustomFieldEntity, list[CustomFieldDefinition]]:
    """Every entity's active definitions, ordered as `definitions_for` orders them (one query)."""
    grouped: dict[CustomFieldEntity, list[CustomFieldDefinition]] = {}
    query = select(CustomFieldDefinition).where(CustomFieldDefinition.is_active.is_(True))
    for definition in _ordered(session.scalars(query)):
        grouped.setdefault(definition.entity_type, []).append(definition)
    return grouped


# --- values ----------------------------------------------------------------------------------


def clean_values(
    definitions: Iterable[CustomFieldDefinition], data: Any
) -> tuple[dict[str, Any], dict[str, str]]:
    """(values to store, one message per field name) for `data` against `definitions`."""
    if data is None:
        data = {}
    if not isinstance(data, dict):
        return {}, {VALUES_COLUMN: "Custom field values must be a JSON object."}
    cleaned: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for definition in definitions:
        name = definition.name
        raw = data.get(name)
        if not definition.is_active:
            if not is_missing(raw):
                cleaned[name] = raw
            continue
        if is_missing(raw):
            if not is_missing(definition.default_value):
                cleaned[name] = coerce_value(definition, definition.default_value)
            elif definition.required:
                errors[name] = f"{definition.label} is required."
            continue
        try:
            cleaned[name] = coerce_value(definition, raw)
        except ValueError as problem:
            errors[name] = str(problem)
    return cleaned, errors


def checked_values(session: Session, entity: CustomFieldEntity, data: Any) -> dict[str, Any]:
    """`data` as it will be stored for a record of `entity`; CustomFieldValuesInvalid if it does
    not fit (for a path that must answer before it writes anything, such as creating a user)."""
    cleaned, errors = clean_values(definitions_for(session, entity, active_only=False), data)
    if errors:
        raise CustomFieldValuesInvalid(errors)
    return cleaned


def validate_values(definitions: Iterable[CustomFieldDefinition], data: Any) -> dict[str, str]:
    """One message per field whose value in `data` is invalid; `{}` when all are valid."""
    return clean_values(definitions, data)[1]


# --- counting and rewriting stored values ------------------------------------------------------


def _table(entity: CustomFieldEntity) -> str:
    return entity_models()[entity].__table__.name


def count_with_value(session: Session, entity: CustomFieldEntity, name: str) -> int:
    """How many records of `entity` hold a value for field `name`."""
    sql = f"SELECT count(*) FROM {_table(entity)} WHERE jsonb_exists({VALUES_COLUMN}, :name)"
    return session.connection().execute(text(sql), {"name": name}).scalar_one()


def count_without_value(session: Session, entity: CustomFieldEntity, name: str) -> int:
    sql = f"SELECT count(*) FROM {_table(entity)} WHERE NOT jsonb_exists({VALUES_COLUMN}, :name)"
    return session.connection().execute(text(sql), {"name": name}).scalar_one()


def count_using_option(session: Session, definition: CustomFieldDefinition, name: str, option: str) -> int:
    probe = [option] if definition.field_type is CustomFieldType.MULTI_SELECT else option
    table = _table(definition.entity_type)
    sql = f"SELECT count(*) FROM {table} WHERE {VALUES_COLUMN} @> CAST(:probe AS jsonb)"
    return session.connection().execute(text(sql), {"probe": json.dumps({name: probe})}).scalar_one()


def _rewrite(session: Session, entity: CustomFieldEntity, action: str, new_value: Any, where: Any) -> None:
    """One ORM-level UPDATE of `custom_field_data` on the records `where` selects.

    Sent through `session.execute(update(...))`, so the audit trail's statement listener
    records each rewritten record's change (under `action`) in the same transaction.
    """
    model = entity_models()[entity]
    changes: dict[str, Any] = {VALUES_COLUMN: new_value}
    version = model.__mapper__.version_id_col
    if version is not None:
        # A form opened before the rewrite (it shows the old field) must not save over it.
        changes[version.key] = version + 1
    statement = (
        update(model)
        .where(where)
        .values(changes)
        .execution_options(synchronize_session=False, **{AUDIT_COLUMNS_OPTION: tuple(changes)})
    )
    with audit_action(action):
        session.execute(statement)
    # Records loaded in this session still hold the old JSON and version: read them again
    # when used (not those this flush writes: their pending values are validated afterwards).
    for obj in list(session.identity_map.values()):
        if isinstance(obj, model) and obj not in session.dirty and obj not in session.new:
            session.expire(obj, list(changes))


def _values(entity: CustomFieldEntity) -> Any:
    return getattr(entity_models()[entity], VALUES_COLUMN)


def _key(name: str) -> Any:
    return literal(name, String)


def rename_key(session: Session, entity: CustomFieldEntity, old: str, new: str) -> None:
    """Move every stored value of `old` to `new` (one UPDATE)."""
    values = _values(entity)
    renamed = values.op("-")(_key(old)).op("||")(
        func.jsonb_build_object(_key(new), values.op("->")(_key(old)))
    )
    _rewrite(session, entity, RENAME_ACTION, renamed, func.jsonb_exists(values, _key(old)))


def remove_key(session: Session, entity: CustomFieldEntity, name: str) -> None:
    """Remove field `name` from every stored record (one UPDATE)."""
    values = _values(entity)
    _rewrite(
        session, entity, REMOVE_ACTION, values.op("-")(_key(name)), func.jsonb_exists(values, _key(name))
    )


def backfill(session: Session, entity: CustomFieldEntity, name: str, value: Any) -> None:
    """Give every record that lacks field `name` the value `value` (one UPDATE)."""
    values = _values(entity)
    filled = values.op("||")(cast(literal({name: value}, JSONB), JSONB))
    _rewrite(session, entity, BACKFILL_ACTION, filled, not_(func.jsonb_exists(values, _key(name))))


def deletion_impact(session: Session, definition: CustomFieldDefinition) -> int:
    """How many records lose a value when `definition` is deleted (for the confirmation)."""
    return count_with_value(session, definition.entity_type, definition.name)


# --- definitions ---------------------------------------------------------------------------------


def _records(count: int) -> str:
    return f"{count:,} record{'' if count == 1 else 's'}"


def _check_definition(session: Session, definition: CustomFieldDefinition) -> None:
    errors = definition_errors(definition)
    if errors:
        field, message = next(iter(errors.items()))
        raise ValidationFailed(message, field=field)
    new = is_new(definition)
    entity, name = definition.entity_type, definition.name
    old_entity = committed_value(definition, "entity_type") if not new else entity
    old_name = committed_value(definition, "name") if not new else name
    if not new and old_entity != entity:
        held = count_with_value(session, old_entity, old_name)
        if held:
            raise ValidationFailed(
                f"{_records(held)} hold a value for this field: its entity type cannot change "
                "(create a new field instead).",
                field="entity_type",
            )
    if not new and old_name != name and old_entity == entity:
        rename_key(session, entity, old_name, name)
    if not new and changed(definition, "field_type"):
        held = count_with_value(session, entity, name)
        if held:
            raise ValidationFailed(
                f"{_records(held)} hold a value for this field: its type cannot change.", field="field_type"
            )
    if (
        not new
        and definition.field_type in (CustomFieldType.SELECT, CustomFieldType.MULTI_SELECT)
        and changed(definition, "select_options")
    ):
        before = committed_value(definition, "select_options") or []
        removed = [o for o in before if o not in (definition.select_options or [])]
        for option in removed:
            used = count_using_option(session, definition, name, option)
            if used:
                raise ValidationFailed(
                    f"The option {option!r} cannot be removed: {_records(used)} use it.",
                    field="select_options",
                )
    if (
        definition.required
        and definition.is_active
        and (new or changed(definition, "required", "is_active", "name", "entity_type"))
    ):
        missing = count_without_value(session, entity, name)
        if missing:
            if is_missing(definition.default_value):
                raise ValidationFailed(
                    f"{_records(missing)} have no value for this field: give it a default "
                    "(filled into them) before making it required.",
                    field="required",
                )
            backfill(session, entity, name, coerce_value(definition, definition.default_value))


def check_custom_field_changes(changes: PendingChanges) -> None:
    """Definitions first (their renames and deletions rewrite stored values), then values."""
    session = changes.session
    for definition in changes.deleted_of(CustomFieldDefinition):
        entity = committed_value(definition, "entity_type") or definition.entity_type
        remove_key(session, entity, committed_value(definition, "name") or definition.name)
    for definition in changes.saved_of(CustomFieldDefinition):
        _check_definition(session, definition)
    models = entity_models()
    pending = [d for d in changes.new_of(CustomFieldDefinition)]
    deleted = set(map(id, changes.deleted_of(CustomFieldDefinition)))
    for entity, model in models.items():
        records = [obj for obj in changes.saved_of(model) if changed(obj, VALUES_COLUMN)]
        if not records:
            continue
        stored = definitions_for(session, entity, active_only=False)
        definitions = _ordered(
            d
            for d in {id(d): d for d in [*stored, *pending]}.values()
            if d.entity_type == entity and id(d) not in deleted
        )
        for record in records:
            cleaned, errors = clean_values(definitions, getattr(record, VALUES_COLUMN))
            if errors:
                raise CustomFieldValuesInvalid(errors)
            if cleaned != getattr(record, VALUES_COLUMN):
                setattr(record, VALUES_COLUMN, cleaned)

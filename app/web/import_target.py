"""The import's target built from a screen (app.services.imports.engine.ImportTarget).

Each row goes through the screen's own add or edit form (custom fields included), so an
import is refused exactly where the form would refuse, with the form's words; then through
the same `pre_add`/`pre_update` hooks, the flush hooks (business rules, audit) and the
database constraints, whose refusals are explained like a form's (app.web.db_errors).

Cells are read as a person or the CSV export writes them: enums by label, name or value;
booleans as yes/no, true/false, 1/0; numbers with thousands separators; relations by
their natural key (client by company name, service by name, pool by "vendor product",
asset by asset tag, user by e-mail) or by id.
"""

from __future__ import annotations

import re
from typing import Any

from flask import has_request_context
from flask_appbuilder.validators import Unique
from sqlalchemy import false, func, inspect, or_, select
from sqlalchemy.exc import DataError
from werkzeug.datastructures import MultiDict
from wtforms import BooleanField, DateTimeField, DecimalField, FloatField, IntegerField, SelectMultipleField
from wtforms.fields.core import UnboundField

from app.services.custom_fields.definitions import VALUES_COLUMN
from app.web.bulk_edit import client_key_condition, edits_restricted_to_assigned_clients
from app.web.custom_field_support import FIELD_PREFIX
from app.web.db_errors import REFUSALS, refusal_for
from app.web.display import enum_label
from app.web.fields import EnumSelectField, JSONField, RelationPickerField, VersionField
from app.web.row_filters import assigned_client_ids, current_user

TRUE_WORDS = frozenset({"yes", "y", "true", "1", "on", "x", "ja", "oui"})
FALSE_WORDS = frozenset({"no", "n", "false", "0", "off", ""})
THOUSANDS = re.compile(r"^-?\d{1,3}(,\d{3})+(\.\d+)?$")
#: Relations resolved by a scan of every row's label when the model has no natural key.
LABEL_SCAN_LIMIT = 20_000
AMBIGUOUS = object()


def natural_key_expressions(model: type) -> list[Any]:
    """SQL expressions a cell naming a `model` row is compared with (lower-cased)."""
    name = model.__name__
    if name == "Client":
        return [func.btrim(model.company_name)]
    if name == "Service":
        return [model.name]
    if name == "LicensePool":
        return [model.vendor + " " + model.product_name, model.product_name + " " + model.vendor]
    if name == "HardwareAsset":
        return [model.asset_tag, model.asset_tag + " " + model.device_name]
    if name == "MsspUser":
        return [model.email, model.username]
    if name == "Contract":
        return [model.contract_name]
    return []


def _without_unique(form_class: type) -> type:
    """The form without FAB's per-row "unique" query: the flush hook and the unique index
    refuse a duplicate with the same meaning (one query per chunk, not per row)."""
    replaced: dict[str, Any] = {}
    for name in dir(form_class):
        unbound = getattr(form_class, name, None)
        if not isinstance(unbound, UnboundField):
            continue
        checks = unbound.kwargs.get("validators")
        if checks and any(isinstance(c, Unique) for c in checks):
            kwargs = {**unbound.kwargs, "validators": [c for c in checks if not isinstance(c, Unique)]}
            replaced[name] = UnboundField(unbound.field_class, *unbound.args, name=unbound.name, **kwargs)
    return type(form_class.__name__, (form_class,), replaced) if replaced else form_class


class FormImportTarget:
    """Rows of one screen's entity, checked by its forms (see the module docstring)."""

    def __init__(self, view: Any) -> None:
        self.view = view
        self.datamodel = view.datamodel
        self.model = view.datamodel.obj
        self.session = view.datamodel.session
        self.resource = view.class_permission_name
        self.entity_label = view.entity_label
        in_request = has_request_context()
        # The security manager answers for a signed-in session and a JWT or API token alike.
        sm = view.appbuilder.sm
        self.may_create = not in_request or sm.has_access("can_create", self.resource)
        self.may_update = not in_request or sm.has_access("can_edit", self.resource)
        self.row_filtered = in_request
        self.not_editable_message = (
            f"Not one of your clients: an account manager changes only the {self.entity_label} records "
            "of the clients they are assigned to."
        )
        self.add_form = _without_unique(view.form_with_custom_fields(view.add_form))
        self.edit_form = _without_unique(view.form_with_custom_fields(view.edit_form))
        probe = self._form(None)
        order = {name: index for index, name in enumerate(view.add_columns)}
        shown = sorted(
            (f for f in probe if f.name not in ("csrf_token", "version")),
            key=lambda f: order.get(f.name, len(order)),
        )
        self.fields = {f.name: f for f in shown}
        self._kinds = {name: type(field) for name, field in self.fields.items()}
        self._enums = {
            name: field.enum_class
            for name, field in self.fields.items()
            if isinstance(field, EnumSelectField)
        }
        labels = {**view.label_columns, **view.custom_labels()}
        self.labels = {
            name: str(labels.get(name) or field.label.text).rstrip(" *")
            for name, field in self.fields.items()
        }
        self._aliases: dict[str, str] = {}
        for name, label in self.labels.items():
            self._aliases.setdefault(label.strip().lower(), name)
        for name in self.fields:
            self._aliases[name.lower()] = name
            self._aliases.setdefault(name.replace("_", " ").lower(), name)
            if name.startswith(FIELD_PREFIX):
                self._aliases.setdefault(name[len(FIELD_PREFIX) :].lower(), name)
        self.natural_key = next(
            (name for name in ("company_name", "asset_tag", "name", "contract_name") if name in self.fields),
            None,
        )
        self._relations: dict[str, dict[str, Any]] = {}
        self._forms: dict[str, Any] = {}
        #: Keys of the looked-up records this person may change.
        self._editable: set[Any] = set()
        table = self.model.__table__
        self._defaulted = {
            name
            for name in self.fields
            if (column := table.columns.get(name)) is not None
            and (column.default is not None or column.server_default is not None)
        }

    # ---- columns ------------------------------------------------------------------------

    def field_for_header(self, header: str) -> str | None:
        return self._aliases.get(header.strip().rstrip(" *").lower())

    def field_label(self, field: str) -> str:
        return self.labels.get(field, field)

    def template_columns(self) -> list[str]:
        return list(self.fields)

    # ---- looking up ---------------------------------------------------------------------

    def _filtered(self, query: Any) -> Any:
        """The records this person may see (the screen's row filter)."""
        if self.row_filtered and self.view._base_filters:
            query = self.datamodel.apply_filters(query, self.view._base_filters)
        return query

    def _editable_condition(self) -> Any | None:
        """For an account manager: only their clients' records may change (as in a bulk edit,
        app.web.bulk_edit); None when the person may change every record they see."""
        path = getattr(self.view, "bulk_client_path", None)
        if not (self.row_filtered and path and edits_restricted_to_assigned_clients(self.resource)):
            return None
        user = current_user()
        if user is None:
            return false()
        return client_key_condition(self.model, path, assigned_client_ids(user.id))

    def _note_editable(self, rows: list[Any]) -> None:
        condition = self._editable_condition()
        pk = self.model.__mapper__.primary_key[0]
        keys = [getattr(row, pk.key) for row in rows]
        if condition is None:
            self._editable.update(keys)
            return
        for start in range(0, len(keys), 1000):
            query = select(pk).where(pk.in_(keys[start : start + 1000]), condition)
            self._editable.update(self.session.scalars(query))

    def may_edit(self, record: Any) -> bool:
        return getattr(record, self.model.__mapper__.primary_key[0].key) in self._editable

    def existing_by_id(self, ids: list[str]) -> dict[str, Any]:
        keys = {raw: self.datamodel.parse_pk(raw) for raw in set(ids)}
        wanted = [k for k in keys.values() if k is not None]
        found: dict[Any, Any] = {}
        pk = self.model.__mapper__.primary_key[0]
        for start in range(0, len(wanted), 1000):
            query = self._filtered(
                self.session.query(self.model).filter(pk.in_(wanted[start : start + 1000]))
            )
            found.update({getattr(row, pk.key): row for row in query})
        self._note_editable(list(found.values()))
        return {raw: found[key] for raw, key in keys.items() if key in found}

    def existing_by_key(self, keys: list[str]) -> dict[str, Any]:
        column = getattr(self.model, self.natural_key)
        lowered = sorted({k.strip().lower() for k in keys})
        found: dict[str, Any] = {}
        for start in range(0, len(lowered), 1000):
            part = lowered[start : start + 1000]
            query = self._filtered(
                self.session.query(self.model).filter(func.lower(func.btrim(column)).in_(part))
            )
            for row in query:
                found[str(getattr(row, self.natural_key)).strip().lower()] = row
        self._note_editable(list(found.values()))
        return found

    def prepare(self, fields: list[str], rows: list[dict[str, str]]) -> None:
        """Look up every relation cell of the file at once (a few queries per column)."""
        for name in fields:
            field = self.fields.get(name)
            if not isinstance(field, RelationPickerField):
                continue
            values = {row[name] for row in rows if row.get(name)}
            self._relations[name] = self._resolve(self.datamodel.get_related_model(name), values)

    def _resolve(self, model: type, values: set[str]) -> dict[str, Any]:
        found: dict[str, Any] = {}
        if not values:
            return found
        pk = model.__mapper__.primary_key[0]
        by_id = {v: k for v in values if (k := self.datamodel.parse_pk(v, model)) is not None}
        if by_id:
            for row in self.session.scalars(select(model).where(pk.in_(list(by_id.values())))):
                for raw, key in by_id.items():
                    if key == getattr(row, pk.key):
                        found[raw.lower()] = row
        wanted = sorted({v.strip().lower() for v in values} - set(found))
        expressions = natural_key_expressions(model)
        if wanted and expressions:
            for start in range(0, len(wanted), 1000):
                part = wanted[start : start + 1000]
                condition = or_(*[func.lower(e).in_(part) for e in expressions])
                for row in self.session.scalars(select(model).where(condition)):
                    for key in self._keys_of(row, model):
                        if key in part:
                            found[key] = AMBIGUOUS if found.get(key, row) is not row else row
        elif wanted:
            total = self.session.scalar(select(func.count()).select_from(model))
            if total <= LABEL_SCAN_LIMIT:
                for row in self.session.scalars(select(model)):
                    key = str(row).strip().lower()
                    if key in wanted:
                        found[key] = AMBIGUOUS if found.get(key, row) is not row else row
        return found

    @staticmethod
    def _keys_of(row: Any, model: type) -> set[str]:
        name = model.__name__
        if name == "Client":
            return {row.company_name.strip().lower()}
        if name == "Service":
            return {row.name.lower()}
        if name == "LicensePool":
            return {f"{row.vendor} {row.product_name}".lower(), f"{row.product_name} {row.vendor}".lower()}
        if name == "HardwareAsset":
            return {row.asset_tag.lower(), f"{row.asset_tag} {row.device_name}".lower()}
        if name == "MsspUser":
            return {str(row.email).lower(), str(row.username).lower()}
        if name == "Contract":
            return {row.contract_name.lower()}
        return {str(row).lower()}

    # ---- one row ------------------------------------------------------------------------

    def _form(self, existing: Any | None) -> Any:
        form_class = self.edit_form if existing is not None else self.add_form
        return form_class(formdata=None, obj=existing, meta={"csrf": False})

    def _row_form(self, existing: Any | None, given: set[str]) -> Any:
        """The form for one row: one instance per kind (add, edit) for the whole import, set
        back to the record's (or the defaults') values for each row; building a form costs
        more than checking one."""
        kind = "edit" if existing is not None else "add"
        form = self._forms.get(kind)
        if form is None:
            form = self._forms[kind] = self._form(existing)
            if existing is None:
                # Left out of the file and empty: the column's default applies, as in the database.
                for name in list(form._fields):
                    if name not in given and name in self._defaulted and form[name].data in (None, ""):
                        del form[name]
        else:
            form.process(None, obj=existing)
        return form

    def build(self, values: dict[str, str], existing: Any | None) -> tuple[Any | None, dict[str, list[str]]]:
        form = self._row_form(existing, set(values))
        errors: dict[str, list[str]] = {}
        for name, raw in values.items():
            field = form[name]
            if isinstance(field, RelationPickerField):
                if not raw:
                    field.data = None
                    continue
                row = self._relations.get(name, {}).get(raw.strip().lower())
                what = self.labels.get(name, name).lower()
                if row is AMBIGUOUS:
                    errors[name] = [f"More than one {what} is called {raw!r}: give its id instead."]
                elif row is None:
                    errors[name] = [f"No {what} {raw!r} exists."]
                else:
                    field.data = row
                continue
            if existing is None and not raw.strip() and name in self._defaulted:
                # A blank cell of a new record: the column's default, as the add form shows it.
                self._resubmit(field)
                continue
            if name in self._enums and raw.strip() and self._enum_value(name, raw) is None:
                choices = ", ".join(enum_label(m) for m in self._enums[name])
                errors[name] = [f"Not a valid choice: use one of {choices}."]
                continue
            field.process(MultiDict([(name, self._cell(name, raw))]))
        for name in list(form._fields):
            if name not in values and name not in ("csrf_token", "version"):
                self._resubmit(form[name])
        if isinstance(form._fields.get("version"), VersionField) and existing is not None:
            form["version"].data = existing.version
        valid = form.validate()
        for name, messages in form.errors.items():
            if name in ("csrf_token",):
                continue
            if name not in errors:  # a cell already refused above is not "required" as well
                errors[name] = [str(m) for m in messages if isinstance(m, str)]
        if errors or not valid:
            return None, errors or {None: ["The row was refused."]}
        obj = existing if existing is not None else self.model()
        self.view.process_form(form, existing is None)
        form.populate_obj(obj)
        return obj, {}

    @staticmethod
    def _resubmit(field: Any) -> None:
        """A field the file leaves out is sent as the form shows it (its current value), as a
        person saving the form unchanged would: "required" checks see an input."""
        if isinstance(field, RelationPickerField | SelectMultipleField):
            return
        # The form serves every row: what the previous row typed must not show through.
        field.raw_data = None
        if isinstance(field, JSONField):
            field._raw_text = None
        if isinstance(field, BooleanField):
            raw = "y" if field.data else "false"
        elif isinstance(field, EnumSelectField):
            raw = str(field.data.value) if field.data is not None else ""
        else:
            raw = field._value()
        field.process(MultiDict([(field.name, raw)]))

    def _cell(self, name: str, raw: str) -> str:
        """A cell as the form's input would send it."""
        kind = self._kinds.get(name)
        if name in self._enums:
            return self._enum_value(name, raw) or raw
        if kind is not None and issubclass(kind, BooleanField):
            word = raw.strip().lower()
            if word in TRUE_WORDS:
                return "y"
            return "false" if word in FALSE_WORDS else raw
        if (
            kind is not None
            and issubclass(kind, IntegerField | DecimalField | FloatField)
            and THOUSANDS.match(raw)
        ):
            return raw.replace(",", "")
        if kind is not None and name.startswith(FIELD_PREFIX) and THOUSANDS.match(raw):
            return raw.replace(",", "")
        if kind is not None and issubclass(kind, DateTimeField) and raw.endswith(" UTC"):
            return raw[:-4]
        if kind is not None and issubclass(kind, JSONField) and not raw.strip():
            return ""
        return raw

    def _enum_value(self, name: str, raw: str) -> str | None:
        word = raw.strip().lower()
        for member in self._enums[name]:
            if word in (str(member.value).lower(), member.name.lower(), enum_label(member).lower()):
                return str(member.value)
        return None

    # ---- writing ------------------------------------------------------------------------

    def before_write(self, obj: Any, is_new: bool) -> None:
        if is_new:
            self.view.pre_add(obj)
        else:
            self.view.pre_update(obj)

    def has_changes(self, obj: Any) -> bool:
        """Whether the row changes the record: an empty cell where nothing is stored is no change
        (the text rules store a blank optional text as NULL)."""
        for attribute in inspect(obj).attrs:
            history = attribute.history
            if not history.has_changes():
                continue
            old = history.deleted[0] if history.deleted else None
            new = history.added[0] if history.added else None
            if old in (None, "") and new in (None, "", {}) and old != new and not isinstance(old, dict):
                continue
            return True
        return False

    def forget(self, obj: Any) -> None:
        """Drop what the form set on a record the row does not change."""
        self.session.expire(obj)

    def explain(self, error: BaseException) -> tuple[str | None, str] | None:
        if isinstance(error, DataError):
            detail = str(getattr(error, "orig", error)).splitlines()[0]
            return None, f"A value does not fit its column: {detail}"
        if not isinstance(error, REFUSALS):
            return None
        refusal = refusal_for(error, self.session)
        return self._field_of(refusal.column), refusal.message

    def _field_of(self, column: str | None) -> str | None:
        if not column:
            return None
        if column.startswith(f"{VALUES_COLUMN}."):
            return FIELD_PREFIX + column.split(".", 1)[1]
        if column in self.fields:
            return column
        for name in self.fields:
            if (
                self.datamodel.is_relation_many_to_one(name)
                if name in self.datamodel.list_properties
                else False
            ):
                local = [c.name for c in self.datamodel.list_properties[name].local_columns]
                if column in local:
                    return name
        return None

    def record_id(self, obj: Any) -> str:
        return str(inspect(obj).identity[0]) if inspect(obj).identity else str(getattr(obj, "id", ""))

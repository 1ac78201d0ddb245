"""Model -> form conversion for our views (FAB's converter, with safe relation and enum fields)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from flask_appbuilder.fieldwidgets import Select2Widget
from flask_appbuilder.forms import GeneralModelConverter
from flask_appbuilder.validators import Unique
from sqlalchemy import ARRAY
from wtforms import BooleanField, validators

from app.web.column_limits import form_hint, form_validators
from app.web.dates import IsoDateField
from app.web.fields import EnumSelectField, JSONField, LocalDateTimeField, RelationPickerField
from app.web.lookups import picker_contexts

if TYPE_CHECKING:
    from app.web.base import MsspModelView


class MsspFormConverter(GeneralModelConverter):
    """Relations become search-as-you-type pickers, enums label selects, JSON an editor."""

    def __init__(self, view: MsspModelView, *, search: bool = False) -> None:
        super().__init__(view.datamodel)
        self.view = view
        self.search = search
        #: Picker column -> the other pickers of the form that narrow its options (add/edit forms).
        self.contexts: dict[str, dict[str, str]] = {}

    def create_form(self, label_columns=None, inc_columns=None, *args, **kwargs):
        if not self.search:
            self.contexts = picker_contexts(self.datamodel, inc_columns or [])
            for column, extra in getattr(self.view, "url_picker_contexts", {}).items():
                if column in (inc_columns or []):
                    self.contexts.setdefault(column, {}).update(extra)
        return super().create_form(label_columns, inc_columns, *args, **kwargs)

    def _convert_col(self, col_name, label, description, lst_validators, filter_rel_fields, form_props):
        datamodel = self.datamodel
        if datamodel.is_relation(col_name):
            if datamodel.is_relation_many_to_one(col_name) or datamodel.is_relation_one_to_one(col_name):
                form_props[col_name] = self._picker(col_name, label, description, lst_validators)
                return form_props
            raise TypeError(
                f"{type(self.view).__name__}: {col_name!r} is a to-many relation; forms here only "
                "offer to-one relations (edit the other side instead)."
            )
        if datamodel.is_enum(col_name):
            form_props[col_name] = self._enum(col_name, label, description, lst_validators)
            return form_props
        if datamodel.is_json(col_name) or _is_array(datamodel, col_name):
            # A PostgreSQL array (report recipients) is edited as a list, like a JSON array.
            kind = "array" if _is_array(datamodel, col_name) else self.view.json_kinds.get(col_name, "object")
            required = [] if self.search else [validators.Optional()]
            form_props[col_name] = JSONField(
                label, [*lst_validators, *required], kind=kind, description=description
            )
            return form_props
        if datamodel.is_boolean(col_name) and not self.search:
            # An unchecked box is an answer (false): FAB's "required" refused it on NOT NULL columns.
            # The column's default ticks it on an add form ("Active" starts on).
            default = datamodel.get_col_default(col_name)
            form_props[col_name] = BooleanField(
                label, lst_validators, description=description, default=default
            )
            return form_props
        if datamodel.is_date(col_name) and not self.search:
            # One format, read strictly, never rewritten by a picker (app.web.dates).
            nullable = datamodel.is_nullable(col_name)
            checks = [validators.Optional()] if nullable else [validators.InputRequired()]
            form_props[col_name] = IsoDateField(label, [*lst_validators, *checks], description=description)
            return form_props
        if datamodel.is_datetime(col_name):
            nullable = datamodel.is_nullable(col_name)
            checks = [validators.Optional()] if nullable or self.search else [validators.InputRequired()]
            form_props[col_name] = LocalDateTimeField(
                label, [*lst_validators, *checks], description=description
            )
            return form_props
        column = self._table_column(col_name)
        if column is not None and not self.search:
            # What fits the column, checked here with the API's words (app.web.column_limits).
            lst_validators = [*lst_validators, *form_validators(column)]
            hint = form_hint(column)
            if hint and hint not in str(description):
                description = f"{description} {hint}".strip()
        form_props = super()._convert_col(
            col_name, label, description, lst_validators, filter_rel_fields, form_props
        )
        self._explain_unique(col_name, label, form_props)
        return form_props

    def _table_column(self, col_name: str) -> Any:
        table = getattr(self.datamodel.obj, "__table__", None)
        return table.columns.get(col_name) if table is not None else None

    def _explain_unique(self, col_name: str, label: Any, form_props: dict) -> None:
        """FAB's unique check says "Already exists."; say what exists instead."""
        field = form_props.get(col_name)
        checks = getattr(field, "kwargs", {}).get("validators") or []
        for index, check in enumerate(checks):
            if isinstance(check, Unique):
                what = str(label or col_name.replace("_", " ")).lower()
                message = f"A {self.view.entity_label} with this {what} already exists."
                checks[index] = Unique(self.datamodel, col_name, message=message)

    def _picker(
        self, col_name: str, label: Any, description: str, lst_validators: list
    ) -> RelationPickerField:
        datamodel = self.datamodel
        nullable = self.search or datamodel.is_nullable(col_name)
        related = datamodel.get_related_model(col_name)
        checks = [validators.Optional()] if nullable else [validators.DataRequired()]
        return RelationPickerField(
            label,
            [*lst_validators, *checks],
            description=description,
            endpoint=f"{type(self.view).__name__}.related_options",
            column=col_name,
            load=lambda key, col=col_name: datamodel.get_related_obj(col, key),
            key_of=lambda obj, model=related: getattr(obj, model.__mapper__.primary_key[0].key),
            allow_blank=nullable,
            context=self.contexts.get(col_name, {}),
        )

    def _enum(self, col_name: str, label: Any, description: str, lst_validators: list) -> EnumSelectField:
        datamodel = self.datamodel
        column = datamodel.list_columns[col_name]
        nullable = self.search or datamodel.is_nullable(col_name)
        default = datamodel.get_col_default(col_name)
        checks = [validators.Optional()] if nullable else [validators.InputRequired()]
        return EnumSelectField(
            column.type.enum_class,
            label,
            [*lst_validators, *checks],
            allow_blank=nullable,
            description=description,
            default=default,
            widget=Select2Widget(),
        )


def _is_array(datamodel: Any, col_name: str) -> bool:
    column = datamodel.obj.__mapper__.columns.get(col_name)
    return column is not None and isinstance(column.type, ARRAY)

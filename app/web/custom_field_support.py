"""Custom fields on every entity screen (mixed into MsspModelView) and in the REST API filters.

- Forms: `form_with_custom_fields(form_class)` adds one real input per active field of the
  entity (`cf_<name>`: text, textarea, number, checkbox, date and date-time pickers,
  selects), grouped by the definition's group and ordered; the form's `validate` checks
  them with the custom fields service (one message per field), its `populate_obj` packs
  them into `custom_field_data` (values of other keys kept). The flush hook validates
  again, so a refusal there lands on the same input.
- Show pages: a "Custom fields" section (one per group) listing the values by label.
- Lists and CSV: "show in list" fields become columns `cf_<name>`.
- Filters: `cf_<name>[__op]=value` arguments (see `custom_field_filters`) on lists, CSV
  export and every REST resource.
- FAB's own screens (the Users screen): `FabCustomFieldsMixin` gives them the same inputs,
  show sections, list columns, filter form and a CSV export.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from flask import flash, has_request_context, jsonify, request
from flask_appbuilder.baseviews import expose
from flask_appbuilder.fieldwidgets import (
    Select2ManyWidget,
    Select2Widget,
)
from flask_appbuilder.models.filters import BaseFilter
from flask_appbuilder.security.decorators import has_access
from flask_appbuilder.urltools import get_filter_args
from markupsafe import Markup
from sqlalchemy import and_
from sqlalchemy.orm import selectinload
from wtforms import BooleanField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms import validators as wtf_validators
from wtforms.fields.choices import SelectChoice
from wtforms.fields.core import UnboundField

from app.models.custom_fields import CustomFieldDefinition, CustomFieldType
from app.services.custom_fields.definitions import (
    VALUES_COLUMN,
    active_definitions_by_entity,
    clean_values,
    definitions_for,
    entity_for_model,
)
from app.services.custom_fields.filters import filter_conditions
from app.services.custom_fields.values import RANGE_TYPES, TEXT_TYPES, coerce_value, is_missing
from app.web import csv_export
from app.web.dates import IsoDateField
from app.web.display import format_datetime, format_decimal, format_value, pretty_json
from app.web.fields import JSONField, LocalDateTimeField
from app.web.listing import BAD_FILTER_ERRORS
from app.web.lookups import safe_order_args

T = CustomFieldType
FIELD_PREFIX = "cf_"
_CACHE_KEY = "mssp.custom_field_definitions"
_FILTER_FAILED_KEY = "mssp.custom_field_filter_failed"


def is_custom_column(column: str) -> bool:
    return column.startswith(FIELD_PREFIX)


def active_definitions(model: type) -> list[CustomFieldDefinition]:
    """The active definitions of `model`'s entity; every entity's are read once per request
    (a client hub page shows seven entities)."""
    entity = entity_for_model(model)
    if entity is None:
        return []
    from app.extensions import db

    if not has_request_context():
        return definitions_for(db.session, entity)
    if _CACHE_KEY not in request.environ:
        request.environ[_CACHE_KEY] = active_definitions_by_entity(db.session)
    return request.environ[_CACHE_KEY].get(entity, [])


# --- form inputs -------------------------------------------------------------------------------


def _unbound_field(definition: CustomFieldDefinition) -> UnboundField:
    kind = definition.field_type
    label = definition.label + (" *" if definition.required and is_missing(definition.default_value) else "")
    common: dict[str, Any] = {"description": definition.help_text or ""}
    optional = [wtf_validators.Optional()]
    if kind is T.LONG_TEXT:
        return TextAreaField(label, optional, **common)
    if kind in (T.INTEGER, T.DECIMAL):
        step = "1" if kind is T.INTEGER else "any"
        render = {"type": "number", "step": step}
        if definition.min_value is not None:
            render["min"] = str(definition.min_value)
        if definition.max_value is not None:
            render["max"] = str(definition.max_value)
        return StringField(label, optional, render_kw=render, **common)
    if kind is T.BOOLEAN:
        return BooleanField(label, **common)
    if kind is T.DATE:
        return IsoDateField(label, optional, **common)
    if kind is T.DATETIME:
        return LocalDateTimeField(label, optional, **common)
    if kind is T.SELECT:
        choices = [
            SelectChoice("", "—"),
            *[SelectChoice(str(o), str(o)) for o in definition.select_options or []],
        ]
        return SelectField(label, optional, choices=choices, widget=Select2Widget(), **common)
    if kind is T.MULTI_SELECT:
        choices = [SelectChoice(str(o), str(o)) for o in definition.select_options or []]
        return SelectMultipleField(label, optional, choices=choices, widget=Select2ManyWidget(), **common)
    if kind is T.JSON:
        return JSONField(label, optional, kind="any", **common)
    render = {"type": {T.URL: "url", T.EMAIL: "email"}.get(kind, "text")}
    return StringField(label, optional, render_kw=render, **common)


def _form_value(definition: CustomFieldDefinition, stored: Any) -> Any:
    """A stored value as the input's data (dates as dates, numbers as text)."""
    if stored is None:
        return None
    kind = definition.field_type
    try:
        if kind is T.DATE:
            return dt.date.fromisoformat(stored)
        if kind is T.DATETIME:
            return dt.datetime.fromisoformat(stored)
    except (TypeError, ValueError):
        return None
    if kind in (T.INTEGER, T.DECIMAL):
        return str(stored)
    return stored


def _default(definition: CustomFieldDefinition) -> Any:
    """The default's stored form, shown in an input the record has no value for: what the
    save fills in anyway, and a checkbox left as shown keeps a default of "yes"."""
    if is_missing(definition.default_value):
        return None
    try:
        return coerce_value(definition, definition.default_value)
    except ValueError:
        return None


def build_custom_form(base: type, definitions: list[CustomFieldDefinition]) -> type:
    """`base` plus one input per definition (see the module docstring)."""
    names = {f"{FIELD_PREFIX}{d.name}": d for d in definitions}

    def process(self, formdata=None, obj=None, data=None, extra_filters=None, **kwargs):
        base.process(self, formdata, obj, data, extra_filters=extra_filters, **kwargs)
        if self.meta.wrap_formdata(self, formdata):
            return
        stored = getattr(obj, VALUES_COLUMN, None)
        stored = stored if isinstance(stored, dict) else {}
        for field_name, definition in names.items():
            self[field_name].data = _form_value(definition, stored.get(definition.name, _default(definition)))

    def validate(self, extra_validators=None):
        valid = base.validate(self, extra_validators=extra_validators)
        submitted = {d.name: self[f].data for f, d in names.items() if not self[f].errors}
        checked = [d for f, d in names.items() if not self[f].errors]
        for name, message in clean_values(checked, submitted)[1].items():
            field = self[f"{FIELD_PREFIX}{name}"]
            field.errors = [*list(field.errors or []), message]
            valid = False
        return valid

    def populate_obj(self, obj):
        for name, field in self._fields.items():
            if name not in names:
                field.populate_obj(obj, name)
        values = dict(getattr(obj, VALUES_COLUMN, None) or {})
        for field_name, definition in names.items():
            value = self[field_name].data
            if is_missing(value):
                values.pop(definition.name, None)
            else:
                values[definition.name] = value
        setattr(obj, VALUES_COLUMN, values)

    attributes: dict[str, Any] = {name: _unbound_field(d) for name, d in names.items()}
    attributes.update(
        process=process, validate=validate, populate_obj=populate_obj, custom_field_names=list(names)
    )
    return type(base.__name__, (base,), attributes)


def custom_fieldsets(definitions: list[CustomFieldDefinition]) -> list[tuple[str, dict[str, Any]]]:
    """One section per group ("Custom fields" for fields without a group), in order."""
    groups: dict[str, list[str]] = {}
    for definition in definitions:
        title = definition.group_name or "Custom fields"
        groups.setdefault(title, []).append(f"{FIELD_PREFIX}{definition.name}")
    return [(title, {"fields": fields}) for title, fields in groups.items()]


# --- display -------------------------------------------------------------------------------------


def format_custom_value(
    definition: CustomFieldDefinition, value: Any, *, in_list: bool = True
) -> str | Markup:
    if is_missing(value):
        return ""
    kind = definition.field_type
    if kind is T.BOOLEAN:
        return "Yes" if value else "No"
    if kind is T.MULTI_SELECT and isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if kind is T.DATETIME:
        try:
            return format_datetime(dt.datetime.fromisoformat(value))
        except (TypeError, ValueError):
            return str(value)
    if kind in (T.INTEGER, T.DECIMAL) and isinstance(value, int | float) and not isinstance(value, bool):
        return format_decimal(value)
    if kind is T.JSON:
        if in_list:
            return json.dumps(value, ensure_ascii=False, sort_keys=True)
        return Markup("<pre>{}</pre>").format(pretty_json(value))
    if kind is T.URL and not in_list and str(value).startswith(("http://", "https://")):
        return Markup('<a href="{}" rel="noopener noreferrer">{}</a>').format(value, value)
    return str(value)


class FilterCustomFieldConditions(BaseFilter):
    """Applies the condition built by `custom_field_filters` (the value is one AND clause)."""

    name = "Custom field"
    arg_name = "custom_field"

    def apply(self, query, value):
        return query.filter(value)


def add_custom_field_filters(filters: Any, datamodel: Any, arguments: Any) -> Any:
    """`filters` (a fresh joined Filters) narrowed by the request's `cf_...` arguments."""
    if not any(key.startswith(FIELD_PREFIX) for key in arguments):
        return filters
    conditions = filter_conditions(datamodel.obj, active_definitions(datamodel.obj), arguments)
    if conditions:
        filters.add_filter(VALUES_COLUMN, FilterCustomFieldConditions, and_(*conditions))
    return filters


class CustomFieldsMixin:
    """What MsspModelView needs for custom fields (forms, widgets, display, filters)."""

    def custom_definitions(self) -> list[CustomFieldDefinition]:
        return active_definitions(self.datamodel.obj)

    def form_with_custom_fields(self, form_class: type) -> type:
        definitions = self.custom_definitions()
        return build_custom_form(form_class, definitions) if definitions else form_class

    def _with_custom_inputs(self, form: Any, columns: list[str], fieldsets: Any) -> tuple[list, Any]:
        names = getattr(form, "custom_field_names", None)
        if not names:
            return columns, fieldsets
        definitions = [d for d in self.custom_definitions() if f"{FIELD_PREFIX}{d.name}" in names]
        title = str(self.entity_label).capitalize()
        base_sets = list(fieldsets) if fieldsets else [(title, {"fields": list(columns)})]
        return [*columns, *names], [*base_sets, *custom_fieldsets(definitions)]

    def _get_add_widget(self, form, exclude_cols=None, widgets=None):
        widgets = widgets or {}
        columns, fieldsets = self._with_custom_inputs(form, self.add_columns, self.add_fieldsets)
        widgets["add"] = self.add_widget(
            form=form, include_cols=columns, exclude_cols=exclude_cols or [], fieldsets=fieldsets
        )
        return widgets

    def _get_edit_widget(self, form, exclude_cols=None, widgets=None):
        widgets = widgets or {}
        columns, fieldsets = self._with_custom_inputs(form, self.edit_columns, self.edit_fieldsets)
        widgets["edit"] = self.edit_widget(
            form=form, include_cols=columns, exclude_cols=exclude_cols or [], fieldsets=fieldsets
        )
        return widgets

    def _form_field_for(self, form: Any, column: str | None):
        if column and column.startswith(f"{VALUES_COLUMN}."):
            column = FIELD_PREFIX + column.split(".", 1)[1]
        return super()._form_field_for(form, column)

    # ---- display ------------------------------------------------------------------------

    def custom_list_columns(self) -> list[str]:
        return [f"{FIELD_PREFIX}{d.name}" for d in self.custom_definitions() if d.show_in_list]

    def custom_labels(self) -> dict[str, str]:
        return {f"{FIELD_PREFIX}{d.name}": d.label for d in self.custom_definitions()}

    def custom_value(self, item: Any, column: str, *, in_list: bool = True) -> str | Markup:
        name = column[len(FIELD_PREFIX) :]
        definition = next((d for d in self.custom_definitions() if d.name == name), None)
        values = getattr(item, VALUES_COLUMN, None) or {}
        if definition is None:
            return ""
        return format_custom_value(definition, values.get(name), in_list=in_list)

    def custom_show_sections(self, item: Any) -> tuple[list[str], list[Any], list[tuple[str, dict]]]:
        """(columns, values, fieldsets) of the custom fields holding a value or defined."""
        definitions = self.custom_definitions()
        columns = [f"{FIELD_PREFIX}{d.name}" for d in definitions]
        values = [self.custom_value(item, c, in_list=False) for c in columns]
        return columns, values, custom_fieldsets(definitions)

    def with_custom_show_sections(
        self, item: Any, columns: list[str], values: list[Any], fieldsets: Any
    ) -> tuple[list[str], list[Any], Any]:
        """A show page's (columns, values, fieldsets) followed by the custom field sections."""
        extra_columns, extra_values, extra_sets = self.custom_show_sections(item)
        if not extra_columns:
            return columns, values, fieldsets
        title = str(self.entity_label).capitalize()
        own = list(fieldsets) if fieldsets else [(title, {"fields": list(columns)})]
        return [*columns, *extra_columns], [*values, *extra_values], [*own, *extra_sets]

    def export_value(self, item: Any, column: str) -> str:
        if is_custom_column(column) and column not in self.datamodel.list_properties:
            return str(self.custom_value(item, column))
        return super().export_value(item, column)

    def custom_filter_inputs(self) -> list[dict[str, Any]]:
        """What the list page's custom-field filter form shows, with the current values."""
        args = request.args
        inputs = []
        for definition in self.custom_definitions():
            if not definition.is_filterable:
                continue
            kind = definition.field_type
            arg = f"{FIELD_PREFIX}{definition.name}"
            inputs.append(
                {
                    "arg": arg,
                    "label": definition.label,
                    "kind": kind.value,
                    "options": [str(o) for o in definition.select_options or []],
                    "range": kind in RANGE_TYPES,
                    "text": kind in TEXT_TYPES,
                    "input_type": {T.DATE: "date", T.DATETIME: "text"}.get(kind, "number"),
                    "current": {k: v for k, v in args.items() if k == arg or k.startswith(arg + "__")},
                }
            )
        return inputs

    def render_template(self, template: str, **kwargs: Any) -> Any:
        if template == self.list_template and has_request_context():
            inputs = self.custom_filter_inputs()
            if inputs:
                kwargs.setdefault("custom_filters", inputs)
                kwargs.setdefault(
                    "custom_filters_kept",
                    [(k, v) for k, values in request.args.lists() for v in values if not is_custom_column(k)],
                )
                kwargs.setdefault("custom_filters_active", any(is_custom_column(k) for k in request.args))
        return super().render_template(template, **kwargs)

    def with_custom_field_filters(self, filters: Any) -> Any:
        """The list's filters narrowed by `cf_...` arguments (only on this view's own pages)."""
        if request.endpoint not in (
            f"{self.endpoint}.list", f"{self.endpoint}.export_csv", f"{self.endpoint}.bulk_edit"
        ):
            return filters
        if request.environ.get(_FILTER_FAILED_KEY):
            return filters  # the list is shown again without filters, with the message
        try:
            return add_custom_field_filters(filters, self.datamodel, request.args)
        except ValueError:
            request.environ[_FILTER_FAILED_KEY] = True
            raise


class FabCustomFieldsMixin(CustomFieldsMixin):
    """Custom fields on a screen built on FAB's own ModelView (the user screens), whose
    add/edit code reads `self.add_form` / `self.edit_form`: within a request these give
    the form with the custom field inputs, so FAB's unchanged add and edit use them.

    The list shows the "show in list" fields as columns and the filter form of the other
    lists (`cf_...` arguments; a value that does not fit is reported and the custom field
    filters dropped). `/export/` streams the list as CSV: `export_columns` (default: the
    list columns, so never a column the list does not show) and the custom list columns,
    with the list's filters and order; it needs the same permission as the list."""

    entity_label = "record"
    list_template = "mssp/model/list.html"
    #: Columns of the CSV export (default: the list columns).
    export_columns: list[str] | None = None
    method_permission_name = {"export_csv": "list"}

    @property
    def add_form(self) -> Any:
        return self._form_for_request(self.__dict__.get("_plain_add_form"))

    @add_form.setter
    def add_form(self, form: Any) -> None:
        self.__dict__["_plain_add_form"] = form

    @property
    def edit_form(self) -> Any:
        return self._form_for_request(self.__dict__.get("_plain_edit_form"))

    @edit_form.setter
    def edit_form(self, form: Any) -> None:
        self.__dict__["_plain_edit_form"] = form

    def _form_for_request(self, form: Any) -> Any:
        if form is None or not has_request_context():
            return form
        return self.form_with_custom_fields(form)

    def _get_show_widget(self, pk, item, widgets=None, actions=None, show_fieldsets=None):
        shown = list(self.show_columns)
        columns, values, fieldsets = self.with_custom_show_sections(
            item,
            shown,
            self.datamodel.get_values_item(item, shown),
            show_fieldsets or self.show_fieldsets,
        )
        widgets = widgets or {}
        widgets["show"] = self.show_widget(
            pk=pk,
            label_columns={**self.label_columns, **self.custom_labels()},
            include_columns=columns,
            value_columns=values,
            formatters_columns=self.formatters_columns,
            actions=self.actions if actions is None else actions,
            fieldsets=fieldsets,
            modelview_name=self.__class__.__name__,
        )
        return widgets

    # ---- list ---------------------------------------------------------------------------

    def _get_list_widget(
        self,
        filters,
        actions=None,
        order_column="",
        order_direction="",
        page=None,
        page_size=None,
        widgets=None,
        **kwargs,
    ):
        """FAB's list, narrowed by the `cf_...` filters and followed by the custom list columns."""
        widgets = widgets or {}
        page_size = page_size or self.page_size
        if not order_column and self.base_order:
            order_column, order_direction = self.base_order
        joined_filters = self.with_custom_field_filters(filters.get_joined_filters(self._base_filters))
        count, items = self.datamodel.query(
            joined_filters, order_column, order_direction, page=page, page_size=page_size
        )
        custom = self.custom_list_columns()
        rows = self.datamodel.get_values(items, self.list_columns)
        values = [
            {**row, **{c: self.custom_value(item, c) for c in custom}}
            for row, item in zip(rows, items, strict=True)
        ]
        kwargs.setdefault("export_url", csv_export.export_url(self.endpoint))
        widgets["list"] = self.list_widget(
            label_columns={**self.label_columns, **self.custom_labels()},
            include_columns=[*self.list_columns, *custom],
            value_columns=values,
            order_columns=self.order_columns,
            formatters_columns=self.formatters_columns,
            page=page,
            page_size=page_size,
            count=count,
            pks=[self._serialize_pk_if_composite(pk) for pk in self.datamodel.get_keys(items)],
            actions=self.actions if actions is None else actions,
            filters=filters,
            modelview_name=self.__class__.__name__,
            **kwargs,
        )
        return widgets

    def _list(self, **kwargs: Any):
        try:
            return super()._list(**kwargs)
        except ValueError as error:
            if not request.environ.get(_FILTER_FAILED_KEY):
                raise
            self.datamodel.session.rollback()
            flash(
                f"A filter value does not fit its column: {error} The custom field filters were cleared.",
                "warning",
            )
            # Shown again without the custom field filters (with_custom_field_filters skips them).
            return super()._list(**kwargs)

    # ---- CSV export -----------------------------------------------------------------------

    @expose("/export/")
    @has_access
    def export_csv(self):
        """The list as CSV, with the filters and order of the list URL it was asked from."""
        get_filter_args(self._filters)
        order_column, order_direction = safe_order_args().get(self.__class__.__name__, ("", ""))
        if order_column not in self.order_columns:
            order_column, order_direction = self.base_order or ("", "")
        try:
            joined_filters = self.with_custom_field_filters(
                self._filters.get_joined_filters(self._base_filters)
            )
        except ValueError as error:
            return jsonify(message=f"A filter value does not fit its column: {error}"), 400
        datamodel = self.datamodel
        columns = [*(self.export_columns or self.list_columns), *self.custom_list_columns()]
        query = datamodel.session.query(datamodel.obj)
        query = datamodel.apply_all(query, joined_filters, order_column, order_direction)
        relations = [c for c in columns if c in datamodel.list_properties and datamodel.is_relation(c)]
        query = query.options(*[selectinload(getattr(datamodel.obj, c)) for c in relations])
        # The key as a tie-breaker: batches of an ordered query must not overlap.
        try:
            rows = csv_export.batched_rows(query.order_by(*datamodel.obj.__mapper__.primary_key))
        except BAD_FILTER_ERRORS:
            datamodel.session.rollback()
            return jsonify(message="A filter value does not fit its column."), 400
        labels = {**self.label_columns, **self.custom_labels()}
        return csv_export.csv_response(
            filename=csv_export.filename_for(self.entity_label),
            header=[str(labels.get(c, c)) for c in columns],
            rows=([csv_export.cell(self.export_value(item, c)) for c in columns] for item in rows),
        )

    def export_value(self, item: Any, column: str) -> str:
        if is_custom_column(column) and column not in self.datamodel.list_properties:
            return str(self.custom_value(item, column))
        value = getattr(item, column, None)
        if isinstance(value, list | tuple | set):
            return ", ".join(str(v) for v in value)
        if self.datamodel.is_relation(column):
            return "" if value is None else str(value)
        return format_value(item, column)

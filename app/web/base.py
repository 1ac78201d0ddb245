"""The base ModelView every screen builds on.

A domain view declares its model and columns; this class supplies what FAB 5.3
lacks or gets wrong on UUID keys, PostgreSQL and big tables:

- permissions collapsed to can_read / can_create / can_edit / can_delete on one
  resource per entity (the model's class name, shared with its REST API);
- a malformed or unknown id in a URL answers 404;
- a refused write (duplicate, check, foreign key, DomainError from a service or an ORM
  flush rule) becomes an error on the form field concerned, the person's input kept;
  a delete refused by RESTRICT says what still references the record;
- optimistic locking: the record's version travels in the edit form, a stale save is
  refused with a message and the first change is kept;
- lists: related labels loaded eagerly (no query per row), money/dates/enums
  formatted, sorting on declared columns only, count capped on big tables, bad
  filter values answered with a message instead of a 500;
- CSV export of every list with its current filters (formula injection escaped);
- search-as-you-type relation pickers (at most 100 options) in forms and filters;
- the show page's related tabs limited to what the person may read, with tabs for
  relations reached through a path (a client's scopes via their contracts).

Subclass `MsspModelView`; see the attributes in its "declared by a domain view" block.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any, ClassVar

from flask import abort, has_request_context, request, url_for
from flask_appbuilder import ModelView
from flask_appbuilder.baseviews import expose
from flask_appbuilder.security.decorators import has_access
from flask_appbuilder.widgets import ListWidget, ShowWidget
from markupsafe import Markup
from werkzeug.routing import BuildError
from wtforms.fields.core import UnboundField

from app.web.bulk_edit import BulkEditMixin
from app.web.custom_field_support import CustomFieldsMixin, is_custom_column
from app.web.display import (
    LONG_VALUE_CLASS,
    MONEY_CLASS,
    document_link,
    format_value,
    has_long_token,
    money_columns,
    plain_value,
    pretty_json,
)
from app.web.fields import RelationPickerField, VersionField
from app.web.forms import MsspFormConverter
from app.web.imports import ImportViewMixin
from app.web.labels import DOCUMENT_LINK_COLUMNS, LABELS, METRIC_COLUMNS, metric_label
from app.web.listing import ListingMixin
from app.web.lookups import (
    VIEW_REGISTRY,
    FilterThroughPath,
    safe_int_args,
    safe_order_args,
)
from app.web.permissions import holds
from app.web.quick_search import QuickSearchMixin
from app.web.saved_filters import SavedFiltersMixin
from app.web.writes import WritesMixin

log = logging.getLogger(__name__)

#: FAB's route methods -> the collapsed permission they need.
CRUD_PERMISSIONS: dict[str, str] = {
    "list": "read",
    "show": "read",
    "download": "read",
    "export_csv": "read",
    "related_options": "read",
    "add": "create",
    "edit": "edit",
    "delete": "delete",
    "bulk_edit": "edit",
    "import_rows": "create",
    "import_csv_template": "create",
}


class MsspListWidget(ListWidget):
    """FAB's list with a capped record count, a CSV export button and money columns
    right-aligned (the columns whose values `format_money` made)."""

    template = "mssp/widgets/list.html"

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("money_columns", money_columns(kwargs.get("value_columns") or []))
        kwargs.setdefault("money_class", MONEY_CLASS)
        kwargs.setdefault("long_value", has_long_token)
        kwargs.setdefault("long_value_class", LONG_VALUE_CLASS)
        super().__init__(**kwargs)


class MsspShowWidget(ShowWidget):
    """FAB's record page with a toolbar on top: Edit, the record's actions, Delete."""

    template = "mssp/widgets/show.html"


def is_uuid(text: str) -> bool:
    try:
        uuid.UUID(text)
    except ValueError:
        return False
    return True


def can_read(resource: str) -> bool:
    """Whether the current person may read `resource` (from the per-request permission set)."""
    return holds("can_read", resource)


class MsspModelView(
    SavedFiltersMixin,
    BulkEditMixin,
    QuickSearchMixin,
    CustomFieldsMixin,
    ListingMixin,
    WritesMixin,
    ImportViewMixin,
    ModelView,
):
    """Base screen: subclass with `datamodel = MsspSQLAInterface(Model)` and columns."""

    # ---- declared by a domain view ----------------------------------------------------
    #: Singular, lower-case name of one record ("client"), for messages.
    entity_label: ClassVar[str] = "record"
    #: Extra to-one relation paths loaded with each list row (direct relations shown in the
    #: list are loaded automatically, with what their labels need).
    list_eager: ClassVar[tuple[str, ...]] = ()
    #: The to-one relations `str(row)` reads ("service", "contract" for a scope): loaded
    #: wherever rows of this model are labelled (lists of other models, pickers).
    label_eager: ClassVar[tuple[str, ...]] = ()
    #: Picker column -> {URL argument: path}: an add form opened with e.g. `?client=<id>` (from
    #: the client's page) lists only that client's rows in the picker, though the form itself
    #: has no client field (a scope's contract picker: {"contract": {"client": "client_id"}}).
    url_picker_contexts: ClassVar[dict[str, dict[str, str]]] = {}
    #: Columns the relation pickers search when they target this model (ILIKE %term%).
    picker_search_columns: ClassVar[tuple[str, ...]] = ()
    #: Column the pickers order by (default: the first search column).
    picker_order: ClassVar[str | None] = None
    #: For hub tabs without a direct foreign key: parent model name -> path to its key.
    related_filter_paths: ClassVar[dict[str, str]] = {}
    #: List column -> what sorting on it means ("client" -> "client.company_name").
    order_aliases: ClassVar[dict[str, str]] = {}
    #: Computed columns of money (not model columns) that the CSV export writes as numbers.
    money_export_columns: ClassVar[tuple[str, ...]] = ()
    #: Columns of the CSV export (default: the list columns).
    export_columns: ClassVar[list[str] | None] = None
    #: JSON column -> "object" (default), "array" or "any".
    json_kinds: ClassVar[dict[str, str]] = {}
    #: Extra exposed methods -> collapsed permission ("read", "create", "edit", "delete").
    extra_method_permissions: ClassVar[dict[str, str]] = {}

    label_columns = LABELS
    page_size = 25
    max_page_size = 100
    #: Rows per page in a related tab of a show page.
    related_page_size = 10
    list_widget = MsspListWidget
    show_widget = MsspShowWidget
    list_template = "mssp/model/list.html"
    show_template = "mssp/model/show.html"
    add_template = "mssp/model/add.html"
    edit_template = "mssp/model/edit.html"

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        datamodel = cls.__dict__.get("datamodel")
        if datamodel is not None:
            VIEW_REGISTRY.setdefault(datamodel.obj, cls)

    def __init__(self, **kwargs: Any) -> None:
        if not type(self).class_permission_name:
            self.class_permission_name = self.datamodel.obj.__name__
        self.method_permission_name = self._collapsed_permissions()
        super().__init__(**kwargs)
        self._picker_columns = {
            name
            for form in (self.add_form, self.edit_form, self.search_form)
            for name, field in vars(form).items()
            if isinstance(field, UnboundField) and issubclass(field.field_class, RelationPickerField)
        }
        #: Picker column -> {other form field: path}: what narrows its options (add/edit forms).
        self._picker_contexts: dict[str, dict[str, str]] = {}
        for form in (self.add_form, self.edit_form):
            for name, field in vars(form).items():
                if isinstance(field, UnboundField) and field.kwargs.get("context"):
                    self._picker_contexts.setdefault(name, {}).update(field.kwargs["context"])

    # ---- permissions --------------------------------------------------------------------

    @classmethod
    def _collapsed_permissions(cls) -> dict[str, str]:
        """Every protected route and action -> read/create/edit/delete; unknown ones refused."""
        declared = cls.method_permission_name if isinstance(cls.method_permission_name, dict) else {}
        mapping = {**CRUD_PERMISSIONS, **declared, **cls.extra_method_permissions}
        for name in dir(cls):
            attribute = getattr(cls, name, None)
            if hasattr(attribute, "_action") and name not in mapping:
                mapping[name] = "edit"
            elif hasattr(attribute, "_permission_name") and name not in mapping:
                raise TypeError(
                    f"{cls.__name__}.{name} is protected but has no collapsed permission: "
                    "add it to extra_method_permissions"
                )
        return mapping

    # ---- initialisation ------------------------------------------------------------------

    def _init_properties(self) -> None:
        # A copy: FAB adds generated labels to this dict, which subclasses share.
        self.label_columns = dict(self.label_columns or {})
        if not self.search_columns:
            self.search_columns = self._default_search_columns()
        super()._init_properties()
        self.order_columns = [
            *self.order_columns,
            *[c for c in self.order_aliases if c not in self.order_columns],
        ]

    def _default_search_columns(self) -> list[str]:
        datamodel = self.datamodel
        found = []
        for column in self.list_columns or []:
            if "." in column or column not in datamodel.list_properties:
                continue
            if datamodel.is_relation(column) and not datamodel.is_relation_many_to_one(column):
                continue
            if datamodel.is_json(column):
                continue
            found.append(column)
        return found

    def _init_forms(self) -> None:
        if not self.search_form:
            self.search_form = MsspFormConverter(self, search=True).create_form(
                self.label_columns,
                self.search_columns,
                extra_fields=self.search_form_extra_fields,
                filter_rel_fields=self.search_form_query_rel_fields,
            )
        converter = MsspFormConverter(self)
        if not self.add_form:
            self.add_form = converter.create_form(
                self.label_columns,
                self.add_columns,
                self.description_columns,
                self.validators_columns,
                self.add_form_extra_fields,
                self.add_form_query_rel_fields,
            )
        if not self.edit_form:
            extra = dict(self.edit_form_extra_fields)
            columns = list(self.edit_columns)
            if self.is_versioned():
                extra["version"] = VersionField()
                columns.append("version")
            self.edit_form = converter.create_form(
                self.label_columns,
                columns,
                self.description_columns,
                self.validators_columns,
                extra,
                self.edit_form_query_rel_fields,
            )

    def is_versioned(self) -> bool:
        mapper = self.datamodel.obj.__mapper__
        return mapper.version_id_col is not None

    # ---- display -------------------------------------------------------------------------

    def display_value(self, item: Any, column: str, *, in_list: bool = True) -> str | Markup:
        """What a cell shows: formatted scalars, linked relation labels, pretty JSON on show pages."""
        datamodel = self.datamodel
        if is_custom_column(column) and column not in datamodel.list_properties:
            return self.custom_value(item, column, in_list=in_list)
        if column in datamodel.list_properties and datamodel.is_relation(column):
            value = getattr(item, column)
            if value is None:
                return ""
            if isinstance(value, list | tuple | set):
                return ", ".join(str(v) for v in value)
            return self.relation_link(value)
        if not in_list and column in datamodel.list_columns and datamodel.is_json(column):
            value = plain_value(item, column)
            return Markup("<pre>{}</pre>").format(pretty_json(value)) if value not in (None, {}, []) else ""
        if column in METRIC_COLUMNS:
            return metric_label(plain_value(item, column))
        if column in DOCUMENT_LINK_COLUMNS:
            return document_link(plain_value(item, column))
        return format_value(item, column, limit=120 if in_list else None)

    @staticmethod
    def relation_link(obj: Any) -> str | Markup:
        """The label of a related row, linked to its page when the person may read it."""
        label = str(obj)
        view = VIEW_REGISTRY.get(type(obj))
        if view is None:
            return label
        resource = view.class_permission_name or type(obj).__name__
        if not can_read(resource):
            return label
        try:
            url = url_for(f"{view.__name__}.show", pk=str(obj.__mapper__.primary_key_from_instance(obj)[0]))
        except BuildError:
            return label
        return Markup('<a href="{}">{}</a>').format(url, label)

    def render_template(self, template: str, **kwargs: Any) -> Any:
        if template == self.add_template and self.url_picker_contexts and has_request_context():
            names = sorted({name for context in self.url_picker_contexts.values() for name in context})
            kwargs.setdefault(
                "url_contexts",
                {name: request.args[name] for name in names if is_uuid(request.args.get(name, ""))},
            )
        return super().render_template(template, **kwargs)

    # ---- show and related tabs ------------------------------------------------------------

    def visible_related_views(self) -> list[Any]:
        return [v for v in self._related_views if can_read(v.class_permission_name)]

    def _get_related_views_widgets(
        self, item, orders=None, pages=None, page_sizes=None, widgets=None, **args
    ):
        widgets = widgets or {}
        widgets["related_views"] = []
        orders = orders or {}
        pages = pages or {}
        page_sizes = page_sizes or {}
        for view in self.visible_related_views():
            name = view.__class__.__name__
            order_column, order_direction = orders.get(name, ("", ""))
            widgets["related_views"].append(
                self._get_related_view_widget(
                    item,
                    view,
                    order_column,
                    order_direction,
                    page=pages.get(name),
                    page_size=page_sizes.get(name) or getattr(view, "related_page_size", None),
                )
            )
        return widgets

    def _get_related_view_widget(
        self, item, related_view, order_column="", order_direction="", page=None, page_size=None
    ):
        path = getattr(related_view, "related_filter_paths", {}).get(self.datamodel.obj.__name__)
        if path is None:
            return super()._get_related_view_widget(
                item, related_view, order_column, order_direction, page=page, page_size=page_size
            )
        filters = related_view.datamodel.get_filters()
        filters.add_filter(path, FilterThroughPath, self.datamodel.get_pk_value(item))
        return related_view._get_view_widget(
            filters=filters,
            order_column=order_column,
            order_direction=order_direction,
            page=page,
            page_size=page_size,
        )

    def _get_show_widget(self, pk, item, widgets=None, actions=None, show_fieldsets=None):
        widgets = widgets or {}
        columns = list(self.show_columns)
        values = [self.display_value(item, c, in_list=False) for c in columns]
        columns, values, fieldsets = self.with_custom_show_sections(
            item, columns, values, show_fieldsets or self.show_fieldsets
        )
        widgets["show"] = self.show_widget(
            pk=pk,
            label_columns={**self.label_columns, **self.custom_labels()},
            include_columns=columns,
            value_columns=values,
            formatters_columns={},
            actions=self.actions if actions is None else actions,
            fieldsets=fieldsets,
            modelview_name=self.__class__.__name__,
        )
        return widgets

    @expose("/show/<pk>", methods=["GET"])
    @has_access
    def show(self, pk):
        page_args = safe_int_args("page_")
        widgets = self._show_safely(pk, page_args)
        return self.render_template(
            self.show_template,
            pk=pk,
            title=self.show_title,
            widgets=widgets,
            related_views=self.visible_related_views(),
        )

    def _show_safely(self, pk: Any, pages: dict[str, int]):
        item = self.datamodel.get(pk, self._base_filters)
        if item is None:
            abort(404)
        widgets = self._get_show_widget(self.datamodel.get_pk_value(item), item)
        self.update_redirect()
        return self._get_related_views_widgets(
            item,
            orders=safe_order_args(),
            pages=pages,
            page_sizes=safe_int_args("psize_"),
            widgets=widgets,
        )

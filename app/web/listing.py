"""List pages of the base view: eager loading, capped counts, tolerant arguments, CSV export
and the relation pickers' option endpoint (mixed into MsspModelView)."""

from __future__ import annotations

import logging
import uuid
from typing import Any

from flask import abort, flash, jsonify, request
from flask_appbuilder.baseviews import expose
from flask_appbuilder.exceptions import FABException
from flask_appbuilder.security.decorators import has_access
from flask_appbuilder.urltools import get_filter_args
from sqlalchemy import or_
from sqlalchemy.exc import StatementError
from wtforms import Form

from app.db.like import contains_pattern
from app.web import csv_export
from app.web.datamodel import case_insensitive, deep_page_message
from app.web.display import format_value, is_money_column, money_cell
from app.web.lookups import (
    PICKER_LIMIT,
    eager_options,
    label_paths,
    path_condition,
    picker_order,
    picker_search_columns,
    safe_int_args,
    safe_order_args,
    search_condition,
)

log = logging.getLogger(__name__)

#: What a bad filter value in a URL can raise while the list query runs.
BAD_FILTER_ERRORS = (StatementError, FABException, ValueError, LookupError)


class ListingMixin:
    """Lists, CSV export and picker options; needs the attributes of MsspModelView."""

    def list_load_options(self) -> list[Any]:
        """Eager loads for a list page: shown relations, their labels' needs, and `list_eager`."""
        model = self.datamodel.obj
        paths: list[str] = list(self.list_eager)
        for column in [*self.list_columns, *(self.export_columns or [])]:
            root = column.split(".")[0]
            if root in self.datamodel.list_properties and self.datamodel.is_relation_many_to_one(root):
                paths.append(root)
                related = self.datamodel.get_related_model(root)
                paths.extend(label_paths(related, root + "."))
        return eager_options(model, paths)

    def count_label(self, count: int, filtered: bool) -> str:
        if not self.datamodel.is_capped(count):
            return f"{count:,}"
        label = f"more than {self.datamodel.count_cap:,}"
        if not filtered:
            estimate = self.datamodel.estimated_rows()
            if estimate:
                label += f" (about {estimate:,})"
        return label

    # ---- lists ----------------------------------------------------------------------------

    def _resolve_order(self, order_column: str, order_direction: str) -> tuple[str, str]:
        if order_column and order_column not in self.order_columns:
            order_column = ""
        if not order_column and self.base_order:
            order_column, order_direction = self.base_order
        if order_direction not in ("asc", "desc"):
            order_direction = "asc"
        return self.order_aliases.get(order_column, order_column), order_direction

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
        widgets = widgets or {}
        actions = self.actions if actions is None else actions
        page_size = min(page_size or self.page_size, self.max_page_size)
        order_column, order_direction = self._resolve_order(order_column, order_direction)
        joined_filters = self.with_custom_field_filters(filters.get_joined_filters(self._base_filters))
        columns = [*self.list_columns, *self.custom_list_columns()]
        if self.datamodel.page_beyond_cap(page, page_size):
            flash(deep_page_message(self.datamodel.count_cap), "warning")
            page = self.datamodel.last_page_within_cap(page_size)
        count, items = self.datamodel.query_page(
            joined_filters,
            order_column,
            order_direction,
            page=page,
            page_size=page_size,
            load_options=self.list_load_options(),
        )
        pks = [self._serialize_pk_if_composite(pk) for pk in self.datamodel.get_keys(items)]
        widgets["list"] = self.list_widget(
            label_columns={**self.label_columns, **self.custom_labels()},
            include_columns=columns,
            value_columns=[{c: self.display_value(item, c) for c in columns} for item in items],
            order_columns=self.order_columns,
            formatters_columns={},
            page=page,
            page_size=page_size,
            # The paginator links no page past the cap (it would only be refused).
            count=min(count, self.datamodel.count_cap),
            # Joined filters: a row filter (transactions) must not reveal the table's size.
            count_label=self.count_label(count, bool(joined_filters.filters)),
            export_url=kwargs.pop("export_url", None),
            pks=pks,
            actions=actions,
            filters=filters,
            modelview_name=self.__class__.__name__,
            **kwargs,
        )
        return widgets

    def _list(self, **kwargs: Any):
        name = self.__class__.__name__
        order_column, order_direction = safe_order_args().get(name, ("", ""))
        page = safe_int_args("page_").get(name)
        page_size = safe_int_args("psize_").get(name) or None
        get_filter_args(self._filters)
        export_url = self._export_url()
        try:
            widgets = self._get_list_widget(
                filters=self._filters,
                order_column=order_column,
                order_direction=order_direction,
                page=page,
                page_size=page_size,
                export_url=export_url,
                **kwargs,
            )
        except BAD_FILTER_ERRORS:
            self.datamodel.session.rollback()
            log.info("bad list filter on %s: %s", name, dict(request.args), exc_info=True)
            flash(
                "A filter value does not fit its column (a date, a number or a choice): "
                "the filters were cleared.",
                "warning",
            )
            self._filters.clear_filters()
            widgets = self._get_list_widget(filters=self._filters, export_url=None, **kwargs)
        form = self.search_form.refresh()
        self._prefill_search_form(form)
        self.update_redirect()
        return self._get_search_widget(form=form, widgets=widgets)

    def _export_url(self) -> str | None:
        return csv_export.export_url(self.endpoint)

    def _prefill_search_form(self, form: Form) -> None:
        """Active relation filters show their label in the picker (not a bare id)."""
        for flt, value in self._filters.get_filters_values():
            field = getattr(form, flt.column_name, None)
            if field is not None and flt.column_name in self._picker_columns:
                raw = value[0] if isinstance(value, list | tuple) and value else value
                field.data = self.datamodel.get_related_obj(flt.column_name, raw)

    @expose("/list/")
    @has_access
    def list(self):
        self.update_redirect()
        widgets = self._list()
        return self.render_template(self.list_template, title=self.list_title, widgets=widgets)

    # ---- CSV export ----------------------------------------------------------------------

    @expose("/export/")
    @has_access
    def export_csv(self):
        """The list as CSV, with the filters and order of the list URL it was asked from."""
        get_filter_args(self._filters)
        order_column, order_direction = safe_order_args().get(self.__class__.__name__, ("", ""))
        order_column, order_direction = self._resolve_order(order_column, order_direction)
        joined_filters = self.with_custom_field_filters(self._filters.get_joined_filters(self._base_filters))
        columns = [*(self.export_columns or self.list_columns), *self.custom_list_columns()]
        query = self.datamodel.session.query(self.datamodel.obj)
        query = self.datamodel.apply_all(query, joined_filters, order_column, order_direction)
        # The key as a tie-breaker: batches of an ordered query must not overlap.
        query = query.options(*self.list_load_options()).order_by(self.datamodel.get_pk())
        try:
            rows = csv_export.batched_rows(query)
        except BAD_FILTER_ERRORS:
            self.datamodel.session.rollback()
            return jsonify(message="A filter value does not fit its column."), 400
        labels = {**self.label_columns, **self.custom_labels()}
        money = [c for c in columns if self.is_money_export_column(c)]
        # Money as numbers (a spreadsheet sums them) beside the row's currency.
        with_currency = bool(money) and "currency" not in columns and hasattr(self.datamodel.obj, "currency")
        if with_currency:
            columns.insert(columns.index(money[0]) + 1, "currency")
        header = [str(labels.get(c, c.replace("_", " ").capitalize())) for c in columns]

        def row(item: Any) -> list[str]:
            return [
                money_cell(self.export_value(item, c))
                if c in money
                else csv_export.cell(self.export_value(item, c))
                for c in columns
            ]

        return csv_export.csv_response(
            filename=csv_export.filename_for(self.entity_label), header=header, rows=(row(i) for i in rows)
        )

    def is_money_export_column(self, column: str) -> bool:
        """Whether CSV writes `column` as a number (money of the model, or declared by the view)."""
        return column in self.money_export_columns or (
            "." not in column and is_money_column(self.datamodel.obj, column)
        )

    def export_value(self, item: Any, column: str) -> str:
        datamodel = self.datamodel
        if column in datamodel.list_properties and datamodel.is_relation(column):
            value = getattr(item, column)
            return "" if value is None else str(value)
        return format_value(item, column)

    # ---- relation pickers ----------------------------------------------------------------

    @expose("/related/<column>/")
    @has_access
    def related_options(self, column: str):
        """Select2 options for a relation picker: at most PICKER_LIMIT rows matching `q`."""
        if column not in self._picker_columns:
            abort(404)
        model = self.datamodel.get_related_model(column)
        term = (request.args.get("q") or "").strip()[:100]
        query = self.datamodel.session.query(model)
        for field, path in self._picker_contexts.get(column, {}).items():
            raw = (request.args.get(field) or "").strip()
            if not raw:
                continue
            if field in self.datamodel.list_properties and self.datamodel.is_relation(field):
                key = self.datamodel.parse_pk(raw, self.datamodel.get_related_model(field))
            else:  # a URL context (url_picker_contexts): the key of a row the form does not pick
                key = _uuid_or_none(raw)
            if key is None:
                return jsonify(message=f"{field}={raw!r} is not a valid id.", field=field), 400
            query = query.filter(path_condition(model, path, key))
        search = picker_search_columns(model)
        if term and search:
            pattern = contains_pattern(term)
            query = query.filter(or_(*[search_condition(model, c, pattern) for c in search]))
        order = picker_order(model)
        query = query.order_by(
            case_insensitive(getattr(model, order)) if order else model.__mapper__.primary_key[0]
        )
        query = query.options(*eager_options(model, label_paths(model)))
        rows = query.limit(PICKER_LIMIT + 1).all()
        pk = model.__mapper__.primary_key[0].key
        results = [{"id": str(getattr(row, pk)), "text": str(row)} for row in rows[:PICKER_LIMIT]]
        return jsonify(results=results, pagination={"more": len(rows) > PICKER_LIMIT})


def _uuid_or_none(raw: str):
    try:
        return uuid.UUID(raw)
    except ValueError:
        return None

"""Bulk edit on a list screen (mixed into MsspModelView; the rules are app.services.bulk_edit).

A view opts in with `bulk_edit_columns` (the fields a bulk edit may set; the entity's custom
fields are always offered). Its list then gets row checkboxes, "Actions > Edit selected" and
a toolbar (mssp/bulk_edit/toolbar.html) with "Edit selected" and "Edit all N matching". Both
open `/<view>/bulk_edit/` with the selection in the URL: `?id=<pk>&id=<pk>` or `?all=1`
plus the list's own arguments (filters, quick search `q`, custom-field filters).

The page shows the edit form's own inputs for those fields, each with a "Change" box (an
unticked field is left alone; a ticked, empty one is cleared). "Preview" runs the edit and
rolls it back (the count that would change, and every refusal with its reason); "Apply"
runs it for real and reports the same. Permission: `can_edit` on the entity; an account
manager changes only the records of the clients they are assigned to
(`EDIT_ROW_FILTERED` in app.services.accounts.roles), the others are listed as refused.
"""

from __future__ import annotations

from typing import Any, ClassVar
from urllib.parse import urlencode

from flask import abort, flash, redirect, request, url_for
from flask_appbuilder.actions import action
from flask_appbuilder.baseviews import expose
from flask_appbuilder.security.decorators import has_access
from flask_appbuilder.urltools import get_filter_args
from sqlalchemy import select

from app.services.accounts.roles import EDIT_ROW_FILTERED
from app.services.bulk_edit import BULK_EDIT_LIMIT, BulkEditReport, BulkSelectionTooLarge, apply_bulk_edit
from app.services.custom_fields.definitions import VALUES_COLUMN, clean_values
from app.services.custom_fields.values import is_missing
from app.web.db_errors import refusal_for
from app.web.row_filters import assigned_client_ids, current_user, restricted_by

#: The list arguments a bulk edit of "all matching" keeps (filters, search, sort); not paging.
_NOT_SELECTION = ("all", "id")
NOT_YOURS = (
    "Not one of your clients: an account manager bulk-edits only the records of the clients "
    "they are assigned to."
)


def _edit_selected(self: Any, items: Any):
    """The FAB action "Edit selected": open the bulk edit page with the checked rows."""
    rows = items if isinstance(items, list) else [items]
    pks = [str(self.datamodel.get_pk_value(item)) for item in rows]
    return redirect(url_for(f"{self.__class__.__name__}.bulk_edit", id=pks))


def client_key_condition(model: type, path: str, client_ids: Any) -> Any:
    """`model`'s rows whose client (reached through `path`, e.g. "contract.client_id") is in
    the `client_ids` subquery."""
    head, _, rest = path.partition(".")
    attribute = getattr(model, head)
    if not rest:
        return attribute.in_(client_ids)
    return attribute.has(client_key_condition(attribute.property.mapper.class_, rest, client_ids))


def edits_restricted_to_assigned_clients(resource: str) -> bool:
    """Whether the current person bulk-edits only their assigned clients' rows of `resource`."""
    return restricted_by(EDIT_ROW_FILTERED, resource, "can_edit")


class BulkEditMixin:
    """`bulk_edit_columns` opts a screen in; needs the attributes of MsspModelView."""

    #: Fields a bulk edit may set (names of the edit form's inputs).
    bulk_edit_columns: ClassVar[tuple[str, ...]] = ()
    #: Path from a record to its client's key ("id" for clients, "contract.client_id" ...):
    #: what the account manager's restriction checks. None: the entity has no client.
    bulk_client_path: ClassVar[str | None] = None
    bulk_template = "mssp/bulk_edit/page.html"

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if cls.__dict__.get("bulk_edit_columns") and "edit_selected" not in cls.__dict__:
            # A function of this name: FAB finds an action's permission by its function's name.
            def edit_selected(self: Any, items: Any):
                return _edit_selected(self, items)

            cls.edit_selected = action(  # type: ignore[attr-defined]
                "edit_selected", "Edit selected", "", "fa-pen-to-square", single=False
            )(edit_selected)

    # ---- the list's toolbar -----------------------------------------------------------------

    def bulk_edit_toolbar(self, widgets: Any) -> dict[str, Any] | None:
        """What mssp/bulk_edit/toolbar.html shows above the list, or None (not offered)."""
        from app.web.permissions import holds

        if not self.bulk_edit_columns or not holds("can_edit", self.class_permission_name):  # type: ignore[attr-defined]
            return None
        widget = (widgets or {}).get("list")
        args = getattr(widget, "template_args", {}) if widget is not None else {}
        kept = [(k, v) for k, v in request.args.items(multi=True) if not k.startswith("page_")]
        name = self.__class__.__name__
        return {
            "url": url_for(f"{name}.bulk_edit"),
            "all_url": url_for(f"{name}.bulk_edit") + "?" + urlencode([("all", "1"), *kept]),
            "count": args.get("count", 0),
            "count_label": args.get("count_label") or f"{args.get('count', 0):,}",
            "entity": self.entity_label,  # type: ignore[attr-defined]
            "limit": BULK_EDIT_LIMIT,
        }

    def render_template(self, template: str, **kwargs: Any) -> Any:
        if template == getattr(self, "list_template", None) and request.endpoint == f"{self.endpoint}.list":  # type: ignore[attr-defined]
            kwargs.setdefault("bulk_edit", self.bulk_edit_toolbar(kwargs.get("widgets")))
        return super().render_template(template, **kwargs)  # type: ignore[misc]

    # ---- the page ------------------------------------------------------------------------

    def _bulk_selection(self) -> tuple[list[Any], list[str], str]:
        """(records, ids asked for but not found, where "back to the list" goes)."""
        datamodel = self.datamodel  # type: ignore[attr-defined]
        list_url = url_for(f"{self.__class__.__name__}.list")
        if request.args.get("all") == "1":
            get_filter_args(self._filters)  # type: ignore[attr-defined]
            joined = self.with_custom_field_filters(  # type: ignore[attr-defined]
                self._filters.get_joined_filters(self._base_filters)  # type: ignore[attr-defined]
            )
            query = datamodel.apply_all(datamodel.session.query(datamodel.obj), joined)
            records = query.order_by(datamodel.get_pk()).limit(BULK_EDIT_LIMIT + 1).all()
            kept = [(k, v) for k, v in request.args.items(multi=True) if k not in _NOT_SELECTION]
            return records, [], list_url + ("?" + urlencode(kept) if kept else "")
        raw = request.args.getlist("id")
        if len(raw) > BULK_EDIT_LIMIT:
            raise BulkSelectionTooLarge(len(raw))
        keys = []
        for value in raw:
            key = datamodel.parse_pk(value)
            if key is None:
                abort(400, description=f"id={value!r} is not a valid {self.entity_label} id.")  # type: ignore[attr-defined]
            keys.append(key)
        if not keys:
            return [], [], list_url
        query = datamodel.apply_all(
            datamodel.session.query(datamodel.obj).filter(datamodel.get_pk().in_(keys)),
            self._base_filters,  # type: ignore[attr-defined]
        )
        records = query.order_by(datamodel.get_pk()).all()
        found = {str(record.id) for record in records}
        missing = [str(key) for key in keys if str(key) not in found]
        return records, missing, list_url

    def bulk_extra_fields(self) -> dict[str, Any]:
        """Inputs a bulk edit offers beyond the edit form's (name -> unbound WTForms field)."""
        return {}

    def bulk_apply_extra(self, record: Any, name: str, value: Any) -> bool:
        """Apply an extra field's value to a record (without committing); whether it changed."""
        raise NotImplementedError(name)

    def _bulk_form_class(self) -> type:
        form_class = self.form_with_custom_fields(self.edit_form)  # type: ignore[attr-defined]
        extra = self.bulk_extra_fields()
        return type(form_class.__name__, (form_class,), extra) if extra else form_class

    def _bulk_fields(self, form: Any) -> list[str]:
        """The form's inputs a bulk edit offers: the declared columns, the extra fields, then
        the custom fields."""
        custom = list(getattr(form, "custom_field_names", []) or [])
        extra = list(self.bulk_extra_fields())
        return [name for name in self.bulk_edit_columns if name in form] + extra + custom

    def _bulk_validate(self, form: Any, chosen: list[str]) -> bool:
        definitions = {f"cf_{d.name}": d for d in self.custom_definitions()}  # type: ignore[attr-defined]
        valid = True
        for name in chosen:
            field = form[name]
            if not field.validate(form):
                valid = False
                continue
            definition = definitions.get(name)
            if definition is not None:
                errors = clean_values([definition], {definition.name: field.data})[1]
                if errors:
                    field.errors = [*list(field.errors or []), *errors.values()]
                    valid = False
        return valid

    def _bulk_change(self, form: Any, chosen: list[str]):
        definitions = {f"cf_{d.name}": d for d in self.custom_definitions()}  # type: ignore[attr-defined]
        extra = set(self.bulk_extra_fields())

        def change(record: Any) -> bool:
            values = None
            related_changed = False
            for name in chosen:
                if name in extra:
                    related_changed = self.bulk_apply_extra(record, name, form[name].data) or related_changed
                    continue
                definition = definitions.get(name)
                if definition is None:
                    form[name].populate_obj(record, name)
                    continue
                if values is None:
                    values = dict(getattr(record, VALUES_COLUMN, None) or {})
                data = form[name].data
                if is_missing(data):
                    values.pop(definition.name, None)
                else:
                    values[definition.name] = clean_values([definition], {definition.name: data})[0][
                        definition.name
                    ]
            if values is not None:
                setattr(record, VALUES_COLUMN, values)
            self.pre_update(record)  # type: ignore[attr-defined]
            return related_changed

        return change

    def _bulk_refuse(self, records: list[Any]):
        path = self.bulk_client_path
        if path is None or not edits_restricted_to_assigned_clients(self.class_permission_name):  # type: ignore[attr-defined]
            return lambda _record: None
        user = current_user()
        model = self.datamodel.obj  # type: ignore[attr-defined]
        keys = [record.id for record in records]
        yours = set(
            self.datamodel.session.scalars(  # type: ignore[attr-defined]
                select(model.id).where(
                    model.id.in_(keys), client_key_condition(model, path, assigned_client_ids(user.id))
                )
            )
        )
        return lambda record: None if record.id in yours else NOT_YOURS

    @expose("/bulk_edit/", methods=["GET", "POST"])
    @has_access
    def bulk_edit(self):
        """Edit the selected records (or all matching the list's filters) at once."""
        if not self.bulk_edit_columns:
            abort(404)
        session = self.datamodel.session  # type: ignore[attr-defined]
        try:
            records, missing, list_url = self._bulk_selection()
        except BulkSelectionTooLarge as problem:
            flash(problem.message, "danger")
            return redirect(url_for(f"{self.__class__.__name__}.list"))
        too_many = len(records) > BULK_EDIT_LIMIT
        form = self._bulk_form_class().refresh()  # a POST's inputs come from request.form (Flask-WTF)
        fields = self._bulk_fields(form)
        chosen = [name for name in request.form.getlist("bulk_set") if name in fields]
        report: BulkEditReport | None = None
        step = request.form.get("step")
        if request.method == "POST" and not too_many and records:
            if step not in ("preview", "apply"):
                abort(400, description="step must be 'preview' or 'apply'.")
            if not chosen:
                flash("Tick the box of at least one field to change.", "warning")
            elif self._bulk_validate(form, chosen):
                labels = {**self.label_columns, **self.custom_labels()}  # type: ignore[attr-defined]

                def describe(error: BaseException) -> tuple[str, str | None]:
                    refusal = refusal_for(error, session)
                    column = refusal.column
                    if column and column.startswith(f"{VALUES_COLUMN}."):
                        column = "cf_" + column.split(".", 1)[1]
                    return refusal.message, str(labels.get(column, column)) if column else None

                report = apply_bulk_edit(
                    session,
                    records,
                    self._bulk_change(form, chosen),
                    dry_run=step != "apply",
                    refuse=self._bulk_refuse(records),
                    describe=describe,
                )
                if not report.dry_run:
                    flash(self._bulk_summary(report), "success" if not report.refused else "warning")
        return self.render_template(
            self.bulk_template,
            title=f"Edit {self.list_title.lower()} in bulk",  # type: ignore[attr-defined]
            form=form,
            fields=fields,
            chosen=chosen,
            labels={**self.label_columns, **self.custom_labels()},  # type: ignore[attr-defined]
            records=records[:BULK_EDIT_LIMIT],
            count=len(records),
            too_many=too_many,
            limit=BULK_EDIT_LIMIT,
            missing=missing,
            report=report,
            list_url=list_url,
            entity=self.entity_label,  # type: ignore[attr-defined]
            show_endpoint=f"{self.__class__.__name__}.show",
        )

    def _bulk_summary(self, report: BulkEditReport) -> str:
        entity = self.entity_label  # type: ignore[attr-defined]
        parts = [f"{len(report.changed)} {entity}(s) changed"]
        if report.unchanged:
            parts.append(f"{len(report.unchanged)} already had these values")
        if report.refused:
            parts.append(f"{len(report.refused)} refused (see why below)")
        return ", ".join(parts) + "."

"""Import on every list with an add form (issue 18.3): the screen (upload or paste, a dry run
first, then confirm), the template CSV, and the one function the screen, the REST API and
`flask mssp import` share (`import_into`).

A file bigger than WEB_ROW_LIMIT rows is refused by the screen and the API with a pointer to
the command line, which has no such limit: a web worker is never held by a long import.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable
from typing import Any

from flask import Response, flash, request
from flask_appbuilder.baseviews import expose
from flask_appbuilder.security.decorators import has_access
from wtforms import BooleanField

from app.errors import DomainError
from app.services.imports.engine import ImportOptions, run_import
from app.services.imports.reading import ImportRefused, Table, read_csv_text, read_table
from app.services.imports.report import ImportReport
from app.web.csv_export import cell
from app.web.display import enum_label
from app.web.fields import EnumSelectField, JSONField, RelationPickerField
from app.web.import_target import FormImportTarget

#: Rows the screen and the API import at most; bigger files go through `flask mssp import`.
WEB_ROW_LIMIT = 5_000
#: Rows of the preview table shown at most (the counts cover every row).
PREVIEW_ROWS = 200


def too_big_message(resource: str, rows: int) -> str:
    return (
        f"The file has {rows:,} rows; the screen and the API import at most {WEB_ROW_LIMIT:,} at once. "
        f"Import it from the command line: flask mssp import {resource.lower()} FILE --dry-run, "
        "then without --dry-run."
    )


def import_into(
    view: Any,
    table: Table,
    options: ImportOptions,
    progress: Callable[[int], None] | None = None,
) -> ImportReport:
    """Import `table` into the entity of screen `view` (see app.services.imports.engine)."""
    target = FormImportTarget(view)
    return run_import(target, table, options, view.datamodel.session, progress)


def template_csv(view: Any) -> str:
    """The headers of the entity's import and one example row."""
    target = FormImportTarget(view)
    headers, example = [], []
    for name, field in target.fields.items():
        headers.append(target.labels[name])
        example.append(cell(_example(view, name, field)))
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(headers)
    writer.writerow(example)
    return "\ufeff" + buffer.getvalue()


def _example(view: Any, name: str, field: Any) -> str:
    if isinstance(field, RelationPickerField):
        model = view.datamodel.get_related_model(name)
        row = view.datamodel.session.query(model).first()
        return str(row) if row is not None else ""
    if isinstance(field, EnumSelectField):
        return enum_label(next(iter(field.enum_class)))
    if isinstance(field, BooleanField):
        return "yes"
    if isinstance(field, JSONField):
        return ""
    kind = type(field).__name__
    if "Date" in kind and "Time" not in kind:
        return dt.date.today().isoformat()
    if "DateTime" in kind:
        return f"{dt.date.today().isoformat()} 09:00:00"
    if kind in ("IntegerField", "DecimalField", "FloatField"):
        return "1"
    if name == "currency":
        return "USD"
    if "email" in name:
        return "someone@example.com"
    if "link" in name or "url" in name:
        return "https://example.com/document"
    return f"Example {view.label_columns.get(name, name.replace('_', ' '))}".strip()


class ImportViewMixin:
    """`/<view>/import/` and `/<view>/import/template/` (mixed into MsspModelView)."""

    import_template = "mssp/imports/import.html"

    def can_import(self) -> bool:
        return "can_create" in self.base_permissions and "add" not in self.exclude_route_methods

    @expose("/import/template/")
    @has_access
    def import_csv_template(self):
        response = Response(template_csv(self), mimetype="text/csv")
        slug = self.entity_label.replace(" ", "-")
        response.headers["Content-Disposition"] = f'attachment; filename="{slug}-import-template.csv"'
        response.headers["Cache-Control"] = "no-store"
        return response

    @expose("/import/", methods=["GET", "POST"])
    @has_access
    def import_rows(self):
        context: dict[str, Any] = {
            "report": None,
            "content": "",
            "file_name": "",
            "skip_bad_rows": False,
            "update_by_key": False,
        }
        status = 200
        if request.method == "POST":
            status = self._import_post(context)
        target_key = FormImportTarget(self).natural_key
        body = self.render_template(
            self.import_template,
            title=f"Import {self.list_title.lower()}",
            list_title=self.list_title,
            entity_label=self.entity_label,
            modelview_name=self.__class__.__name__,
            key_label=self.label_columns.get(target_key, target_key) if target_key else None,
            row_limit=WEB_ROW_LIMIT,
            preview_rows=PREVIEW_ROWS,
            **context,
        )
        return body, status

    def _import_post(self, context: dict[str, Any]) -> int:
        form = request.form
        confirm = form.get("confirm") == "1"
        context["skip_bad_rows"] = form.get("skip_bad_rows") == "y"
        context["update_by_key"] = form.get("update_by_key") == "y"
        upload = request.files.get("file")
        try:
            if upload is not None and upload.filename:
                context["file_name"] = upload.filename[:200]
                table = read_table(upload.read(), upload.filename)
            elif (form.get("content") or "").strip():
                context["file_name"] = (form.get("file_name") or "")[:200]
                table = read_csv_text(form["content"])
            else:
                flash("Choose a file or paste its rows first.", "danger")
                return 400
        except ImportRefused as error:
            flash(error.message, "danger")
            return 400
        if len(table.rows) > WEB_ROW_LIMIT:
            flash(too_big_message(self.datamodel.obj.__name__, len(table.rows)), "danger")
            return 413
        context["content"] = _as_csv(table)
        options = ImportOptions(
            dry_run=not confirm,
            skip_bad_rows=context["skip_bad_rows"],
            update_by_key=context["update_by_key"],
            file_name=context["file_name"],
        )
        try:
            report = import_into(self, table, options)
        except DomainError as error:
            self.datamodel.session.rollback()
            flash(error.message, "danger")
            return 400
        context["report"] = report
        if report.written:
            flash(f"Imported: {report.summary()}", "success")
        elif confirm:
            flash(f"Nothing was imported: {report.summary()}", "danger")
            return 422
        return 200


def _as_csv(table: Table) -> str:
    """The table as CSV again: carried by the preview page to the confirmation."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(table.headers)
    last = 1
    for line, cells in table.rows:
        # Blank lines kept, so the confirmation reports the same line numbers.
        for _ in range(line - last - 1):
            writer.writerow([])
        writer.writerow(cells)
        last = line
    return buffer.getvalue()


def import_screens() -> dict[str, Any]:
    """Resource name ("client", "license_pool") -> the screen that imports it, for every
    entity with both a REST resource and a screen with an add form."""
    from flask import current_app

    from app.web.lookups import VIEW_REGISTRY

    views = current_app.appbuilder.baseviews
    found: dict[str, Any] = {}
    for api in views:
        name = getattr(api, "resource_name", None)
        datamodel = getattr(api, "datamodel", None)
        if not name or datamodel is None:
            continue
        view_class = VIEW_REGISTRY.get(datamodel.obj)
        view = next((v for v in views if type(v) is view_class), None) if view_class else None
        if view is not None and getattr(view, "can_import", lambda: False)():
            found[name] = view
    return dict(sorted(found.items()))

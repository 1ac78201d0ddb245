"""`POST /api/v1/<resource>/import?dry_run=true|false` (issue 18.3): the same import as the
list screens (app.web.imports), a CSV (or XLSX) body in, the JSON report out."""

from __future__ import annotations

from typing import Any

from flask import current_app, request
from flask_appbuilder.api import expose, safe
from flask_appbuilder.security.decorators import permission_name, protect

from app.errors import DomainError
from app.services.imports.engine import ImportOptions
from app.services.imports.reading import ImportRefused, read_table
from app.web.imports import WEB_ROW_LIMIT, import_into, too_big_message
from app.web.lookups import VIEW_REGISTRY

TRUE_ARGUMENTS = {"true": True, "1": True, "yes": True, "false": False, "0": False, "no": False}


def screen_of(model: type) -> Any | None:
    """The registered screen of `model` (its forms check the imported rows)."""
    view_class = VIEW_REGISTRY.get(model)
    if view_class is None:
        return None
    return next((v for v in current_app.appbuilder.baseviews if type(v) is view_class), None)


def flag(name: str, default: bool) -> bool | None:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    return TRUE_ARGUMENTS.get(raw.strip().lower())


class ImportApiMixin:
    """The import route of a ModelRestApi (mixed into MsspModelRestApi)."""

    @expose("/import", methods=["POST"])
    @protect()
    @safe
    @permission_name("post")
    def import_rows(self):
        """Import rows from a CSV or XLSX file: a dry run by default
        ---
        post:
          description: >-
            The body is the file: CSV (UTF-8, the first line names the columns by label or
            field name, custom fields as cf_<name>, relations by natural key) or XLSX. A row
            with an `id` updates that record, others create. All rows are written in one
            transaction, or none. At most 5,000 rows (larger files: `flask mssp import`).
          parameters:
          - in: query
            name: dry_run
            description: Check every row and report, writing nothing (the default)
            schema:
              type: string
              enum: ["true", "false"]
          - in: query
            name: skip_bad_rows
            description: Write the good rows and report the bad ones as skipped
            schema:
              type: string
              enum: ["true", "false"]
          - in: query
            name: update_by_key
            description: A row without an id updates the record with the same natural key
            schema:
              type: string
              enum: ["true", "false"]
          - in: query
            name: file_name
            description: The file's name, recorded in the audit trail
            schema:
              type: string
              maxLength: 200
          requestBody:
            required: true
            content:
              text/csv:
                schema:
                  type: string
          responses:
            200:
              description: The report (a dry run, or every row written)
              content:
                application/json:
                  schema:
                    type: object
                    properties:
                      resource:
                        type: string
                      dry_run:
                        type: boolean
                      written:
                        type: boolean
                      rows_read:
                        type: integer
                      created:
                        type: integer
                      updated:
                        type: integer
                      skipped:
                        type: integer
                      errors:
                        type: integer
                      summary:
                        type: string
                      rows:
                        type: array
                        items:
                          type: object
            400:
              $ref: '#/components/responses/400'
            401:
              $ref: '#/components/responses/401'
            403:
              $ref: '#/components/responses/401'
            413:
              description: More rows than the API imports at once
              content:
                application/json:
                  schema:
                    type: object
                    properties:
                      message:
                        type: string
            422:
              description: Rows were refused; nothing was written (the report says why)
              content:
                application/json:
                  schema:
                    type: object
                    properties:
                      message:
                        type: string
            500:
              $ref: '#/components/responses/500'
        """
        options = {
            name: flag(name, default)
            for name, default in (("dry_run", True), ("skip_bad_rows", False), ("update_by_key", False))
        }
        bad = [name for name, value in options.items() if value is None]
        if bad:
            return self.response_400(message=f"{bad[0]}: use true or false.")
        view = screen_of(self.datamodel.obj)
        if view is None:
            return self.response_400(message="This resource has no import.")
        file_name = (request.args.get("file_name") or "")[:200]
        try:
            table = read_table(request.get_data(cache=False), file_name)
        except ImportRefused as error:
            return self.response_400(message=error.message)
        if len(table.rows) > WEB_ROW_LIMIT:
            return self.response(413, message=too_big_message(self.resource_name, len(table.rows)))
        try:
            report = import_into(view, table, ImportOptions(file_name=file_name, **options))
        except ImportRefused as error:
            return self.response_400(message=error.message)
        except DomainError as error:
            self.datamodel.session.rollback()
            return self.response(422, message=error.message)
        body = report.to_dict()
        if report.bad_rows and not report.dry_run and not report.skip_bad_rows:
            return self.response(422, message=f"Nothing was imported: {report.summary()}", **body)
        return self.response(200, **body)

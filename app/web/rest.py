"""The base REST API every resource builds on (FAB's ModelRestApi, made safe).

- `/api/v1/<resource>/<uuid>`: UUID ids on get, put and delete (FAB's "get one" route
  is integer-only); a malformed or unknown id answers 404.
- Permissions collapsed like the screens: can_read / can_create / can_edit / can_delete
  on the same resource as the entity's screen (the model's class name).
- Errors a client can cause never give a 500: marshmallow validation, integrity errors
  (duplicate, check, unknown foreign key, RESTRICT on delete) and service DomainErrors
  answer 422 `{"message": ..., "field": ...}`; a bad filter value 400; an unknown id 404;
  a page starting past the capped count (10,000 rows) 400, with a hint to filter.
- Optimistic locking: PUT carries the `version` the client read; a stale one answers 409
  and changes nothing.
- Relations are set by id only (`client_id`): the write schemas hold foreign-key columns,
  never nested objects, so a nested object can neither create nor edit a related row.
- Auth: a JWT from `/api/v1/security/login` (Bearer), or the browser session cookie, in
  which case CSRF is enforced as in the UI (X-CSRFToken header).
- Thread safety: a resource is shared by every thread of a worker, and a
  marshmallow-sqlalchemy schema keeps the instance it loads into on itself. The four model
  schemas are therefore per request (`PerRequestSchemasMixin`): the resource holds
  prototypes, each request works on its own copies.

Subclass `MsspModelRestApi` with `datamodel = MsspSQLAInterface(Model)` and
`resource_name`; column lists default to every column (foreign keys as `<name>_id`).
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from typing import Any, ClassVar

from flask import request
from flask_appbuilder.api import ModelRestApi, expose, merge_response_func, rison, safe
from flask_appbuilder.api.schemas import get_item_schema
from flask_appbuilder.const import (
    API_DESCRIPTION_COLUMNS_RIS_KEY,
    API_LABEL_COLUMNS_RIS_KEY,
    API_RESULT_RES_KEY,
    API_SHOW_COLUMNS_RIS_KEY,
    API_SHOW_TITLE_RIS_KEY,
)
from flask_appbuilder.security.decorators import permission_name, protect
from marshmallow import ValidationError, fields
from sqlalchemy import JSON, Integer, Uuid
from sqlalchemy.exc import StatementError
from sqlalchemy.orm.exc import StaleDataError

from app.services.custom_fields.definitions import VALUES_COLUMN
from app.web.column_limits import schema_validators
from app.web.csrf import CookieCsrfMixin
from app.web.custom_field_support import add_custom_field_filters
from app.web.datamodel import MsspSQLAInterface, deep_page_message
from app.web.dates import StrictIsoDate, strict_date_field
from app.web.db_errors import REFUSALS, STALE_MESSAGE, refusal_for
from app.web.input_guards import MAX_PAGE_ARGUMENT
from app.web.rest_imports import ImportApiMixin
from app.web.rest_schemas import MODEL_SCHEMA_ATTRIBUTES, PerRequestSchemasMixin

log = logging.getLogger(__name__)

#: FAB's API methods -> the collapsed permission they need (same names as the screens).
API_PERMISSIONS: dict[str, str] = {
    "get_list": "read",
    "get": "read",
    "info": "read",
    "post": "create",
    "put": "edit",
    "delete": "delete",
    "import_rows": "create",
}

#: Columns a client never writes: keys, timestamps, authorship, the lock.
SERVER_COLUMNS = frozenset({"id", "created_at", "updated_at", "created_by_id", "changed_by_id", "version"})


def first_error(messages: Any, prefix: str = "") -> tuple[str | None, str]:
    """The first (field, message) of marshmallow's nested error dict."""
    if isinstance(messages, dict):
        for key, value in messages.items():
            name = f"{prefix}{key}" if key != "_schema" else (prefix.rstrip(".") or None)
            field, text = first_error(value, f"{name}." if name else "")
            return (field or name), text
        return None, "Invalid data."
    if isinstance(messages, list | tuple) and messages:
        return first_error(messages[0], prefix)
    return (prefix.rstrip(".") or None), str(messages)


def json_object(value: Any) -> None:
    """marshmallow validator: a JSON object (FAB would accept a string)."""
    if not isinstance(value, dict):
        raise ValidationError("Must be a JSON object.")


def with_custom_field_values(shown: list[str], columns: list[str]) -> list[str]:
    """`shown` plus `custom_field_data` when the model has it: a resource's custom field
    values are part of every list and show response, whatever columns it picks."""
    if VALUES_COLUMN in columns and VALUES_COLUMN not in shown:
        return [*shown, VALUES_COLUMN]
    return list(shown)


class PageBoundsMixin:
    """A list's rison `page` and `page_size` are whole numbers from 0 to MAX_PAGE_ARGUMENT:
    anything else answers 400 (a negative or huge page reached the database: a 500)."""

    def get_list_headless(self, **kwargs: Any):
        arguments = kwargs.get("rison") or {}
        for name in ("page", "page_size"):
            value = arguments.get(name) if isinstance(arguments, dict) else None
            if value is not None and (
                not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= MAX_PAGE_ARGUMENT
            ):
                bounds = f"from 0 to {MAX_PAGE_ARGUMENT:,}"
                return self.response_400(message=f"{name}: must be a whole number {bounds}.")
        return super().get_list_headless(**kwargs)


class CustomFieldFiltersMixin:
    """A list filtered by `cf_<name>[__op]=value` arguments too; a filter value that does not
    fit answers 400 (for FAB resources: ours, and its user API)."""

    def _handle_filters_args(self, rison_args: dict[str, Any]) -> Any:
        joined = super()._handle_filters_args(rison_args)
        return add_custom_field_filters(joined, self.datamodel, request.args)

    def get_list_headless(self, **kwargs: Any):
        try:
            return super().get_list_headless(**kwargs)
        except (StatementError, LookupError, ValueError):
            self.datamodel.session.rollback()
            return self.response_400(message="A filter value does not fit its column.")


def typed_key_field(column: Any, field: Any) -> Any:
    """A typed field for a foreign key marshmallow-sqlalchemy left untyped (None if typed)."""
    if isinstance(column.type, Uuid) and not isinstance(field, fields.UUID):
        return fields.UUID()
    if column.foreign_keys and isinstance(column.type, Integer) and not isinstance(field, fields.Integer):
        return fields.Integer(strict=True)
    return None


def iso_whole_seconds(value: dt.datetime) -> str:
    """`2026-01-05T09:30:00+00:00`: UTC, ISO 8601 with its offset, no microseconds."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(dt.UTC).replace(microsecond=0).isoformat()


def whole_second_times(schema: Any) -> None:
    """Every time of `schema` written as `iso_whole_seconds` (reading is unchanged: any ISO
    8601 time with an offset). The OpenAPI document still says `date-time`."""
    if schema is None:
        return
    for field in schema.fields.values():
        if isinstance(field, fields.DateTime) and not isinstance(field, fields.Date | fields.Time):
            field.SERIALIZATION_FUNCS = {**type(field).SERIALIZATION_FUNCS, "iso": iso_whole_seconds}


def tighten_write_schema(schema: Any, table: Any) -> None:
    """Foreign keys as typed fields, null for nullable columns, defaults optional, and every
    value checked against its column (`column_limits`) before the database sees it.

    marshmallow-sqlalchemy leaves a foreign key as an "inferred" field that lets any JSON
    through (a nested object, `false` for a user id, would reach the database), and FAB's
    fields refuse `null` even for nullable columns (its PUT-as-PATCH then cannot round-trip
    an empty optional column). Whole-number fields are strict: 0.001 is refused, not
    truncated to 0; decimals are not rounded before they are checked.
    """
    for name, field in list(schema.fields.items()):
        column = table.columns.get(name)
        if column is None:
            continue
        has_default = column.default is not None or column.server_default is not None
        typed = typed_key_field(column, field)
        if typed is not None:
            field = typed
            schema._bind_field(name, field)
            for mapping in (schema.fields, schema.load_fields, schema.dump_fields):
                mapping[name] = field
            field.required = not column.nullable and not has_default
        if isinstance(field, fields.Date) and not isinstance(field, StrictIsoDate):
            # Only YYYY-MM-DD, never a reading of something else (app.web.dates).
            field = strict_date_field(field)
            schema._bind_field(name, field)
            for mapping in (schema.fields, schema.load_fields, schema.dump_fields):
                if name in mapping:
                    mapping[name] = field
        if isinstance(field, fields.Integer):
            field.strict = True
        if isinstance(field, fields.Decimal):
            # marshmallow would round to the column's places first (-0.001 -> 0.00, stored
            # silently); the column check refuses extra places instead.
            field.places = None
        field.validators = [*field.validators, *schema_validators(column)]
        field.allow_none = bool(column.nullable)
        if has_default:
            # A column with a default may be left out of a POST.
            field.required = False


class MsspModelRestApi(
    CookieCsrfMixin,
    PerRequestSchemasMixin,
    PageBoundsMixin,
    CustomFieldFiltersMixin,
    ImportApiMixin,
    ModelRestApi,
):
    """Base REST resource: UUID routes, collapsed permissions, 422/404/409, CSRF for cookies."""

    allow_browser_login = True
    # FAB's blanket CSRF exemption stays on for the blueprint; cookie sessions are checked
    # by `CookieCsrfMixin` instead, so JWT clients need no token.
    csrf_exempt = True
    method_permission_name = API_PERMISSIONS
    page_size = 25
    max_page_size = 100
    #: Whether PUT must carry the version the client read (versioned models only).
    require_version: ClassVar[bool] = True
    #: JSON columns that may hold any JSON value (others must be objects).
    json_any_columns: ClassVar[frozenset[str]] = frozenset()
    #: Columns the server keeps (counters...): shown, never written by a client.
    read_only_columns: ClassVar[frozenset[str]] = frozenset()

    def __init__(self) -> None:
        model = self.datamodel.obj
        if not type(self).class_permission_name:
            self.class_permission_name = model.__name__
        columns = [c.key for c in model.__mapper__.column_attrs]
        writable = [c for c in columns if c not in SERVER_COLUMNS | self.read_only_columns]
        self.list_columns = with_custom_field_values(self.list_columns or columns, columns)
        self.show_columns = with_custom_field_values(self.show_columns or columns, columns)
        self.add_columns = self.add_columns or writable
        self.edit_columns = self.edit_columns or writable
        validators = {
            c: json_object
            for c in {*self.add_columns, *self.edit_columns}
            if self._is_json(c) and c not in self.json_any_columns
        }
        self.validators_columns = {**validators, **(self.validators_columns or {})}
        super().__init__()

    def _is_json(self, column: str) -> bool:
        col = self.datamodel.obj.__table__.columns.get(column)
        return col is not None and isinstance(col.type, JSON)

    @property
    def is_versioned(self) -> bool:
        return self.datamodel.obj.__mapper__.version_id_col is not None

    # ---- wiring ------------------------------------------------------------------------

    def operation_helper(self, path=None, operations=None, methods=None, func=None, **kwargs) -> None:
        """FAB's, plus every `{name}` of the path declared as a required path parameter."""
        super().operation_helper(path=path, operations=operations, methods=methods, func=func, **kwargs)
        names = re.findall(r"{(\w+)}", path or "")
        for operation in (operations or {}).values():
            parameters = operation.setdefault("parameters", [])
            declared = set()
            for parameter in parameters:
                if parameter.get("in") == "path":
                    parameter["required"] = True
                    declared.add(parameter.get("name"))
            for name in names:
                if name not in declared:
                    parameters.append(
                        {"in": "path", "name": name, "required": True, "schema": {"type": "string"}}
                    )

    def _init_model_schemas(self) -> None:
        super()._init_model_schemas()
        for schema in (self.add_model_schema, self.edit_model_schema):
            self._tighten_write_schema(schema)
        for schema in (self.list_model_schema, self.show_model_schema):
            self._null_where_the_column_is(schema)
        for name in MODEL_SCHEMA_ATTRIBUTES:
            whole_second_times(getattr(self, name))

    def _null_where_the_column_is(self, schema: Any) -> None:
        """A nullable column's field in a read schema may be null (FAB's say never: the OpenAPI
        then promised, say, a company size that is not there)."""
        table = self.datamodel.obj.__table__
        for name, field in schema.fields.items():
            column = table.columns.get(name)
            if column is not None and column.nullable:
                field.allow_none = True

    def add_apispec_components(self, api_spec: Any) -> None:
        """FAB's components, plus the `version` a versioned item carries: sent back by POST and
        PUT (read-only in the POST body), and required in a PUT body (optimistic locking)."""
        super().add_apispec_components(api_spec)
        if not self.is_versioned:
            return
        version = {"type": "integer", "minimum": 1, "description": "The item's version as read"}
        schemas = api_spec.components.schemas
        post, put = schemas.get(self.add_model_schema_name), schemas.get(self.edit_model_schema_name)
        if post is not None:
            post.setdefault("properties", {})["version"] = {**version, "readOnly": True}
        if put is not None:
            put.setdefault("properties", {})["version"] = version
            if self.require_version:
                put["required"] = sorted({*put.get("required", []), "version"})

    def _tighten_write_schema(self, schema: Any) -> None:
        tighten_write_schema(schema, self.datamodel.obj.__table__)

    # ---- responses ---------------------------------------------------------------------

    def response_validation(self, error: ValidationError):
        field, text = first_error(error.messages)
        message = f"{field}: {text}" if field else text
        return self.response(422, message=message, field=field, errors=error.messages)

    def response_refusal(self, error: BaseException):
        session = self.datamodel.session
        refusal = refusal_for(error, session)
        payload: dict[str, Any] = {"message": refusal.message, "field": refusal.column}
        return self.response(refusal.status, **payload)

    def _json_body(self) -> dict[str, Any] | None:
        data = request.get_json(silent=True) if request.is_json else None
        return data if isinstance(data, dict) else None

    # ---- routes ------------------------------------------------------------------------

    @expose("/<pk>", methods=["GET"])
    @protect()
    @safe
    @permission_name("get")
    @rison(get_item_schema)
    @merge_response_func(ModelRestApi.merge_show_label_columns, API_LABEL_COLUMNS_RIS_KEY)
    @merge_response_func(ModelRestApi.merge_show_columns, API_SHOW_COLUMNS_RIS_KEY)
    @merge_response_func(ModelRestApi.merge_description_columns, API_DESCRIPTION_COLUMNS_RIS_KEY)
    @merge_response_func(ModelRestApi.merge_show_title, API_SHOW_TITLE_RIS_KEY)
    def get(self, pk: str, **kwargs: Any):
        """Get one item by its id
        ---
        get:
          description: >-
            Get an item by its id (a UUID)
          parameters:
          - in: path
            schema:
              type: string
            name: pk
          - in: query
            name: q
            content:
              application/json:
                schema:
                  $ref: '#/components/schemas/get_item_schema'
          responses:
            200:
              description: Item from Model
              content:
                application/json:
                  schema:
                    type: object
                    properties:
                      id:
                        description: The item id
                        type: string
                      result:
                        $ref: '#/components/schemas/{{self.__class__.__name__}}.get'
            400:
              $ref: '#/components/responses/400'
            401:
              $ref: '#/components/responses/401'
            404:
              $ref: '#/components/responses/404'
            422:
              $ref: '#/components/responses/422'
            500:
              $ref: '#/components/responses/500'
        """
        return self.get_headless(pk, **kwargs)

    def get_list_headless(self, **kwargs: Any):
        """No page past the capped count: 400 with a hint to filter (FAB would skip the rows)."""
        page, page_size = self._handle_page_args(kwargs.get("rison", {}))
        if self.datamodel.page_beyond_cap(page, page_size):
            return self.response_400(message=deep_page_message(self.datamodel.count_cap))
        return super().get_list_headless(**kwargs)

    def post_headless(self):
        data = self._json_body()
        if data is None:
            return self.response_400(message="The body must be a JSON object.")
        try:
            item = self.add_model_schema.load(data)
        except ValidationError as error:
            return self.response_validation(error)
        result, refused = self._save_and_dump(
            item, self.add_model_schema, self.pre_add, self.datamodel.add, self.post_add
        )
        if refused is not None:
            return refused
        return self.response(
            201, **{API_RESULT_RES_KEY: result, "id": str(self.datamodel.get_pk_value(item))}
        )

    def _save_and_dump(self, item: Any, schema: Any, pre: Any, write: Any, post: Any) -> tuple[Any, Any]:
        """Hooks around the write; a refused rule rolls back and answers. (result, None) or
        (None, the refusal response); the result carries `version` on versioned models."""
        try:
            pre(item)
            write(item)
            post(item)
        except REFUSALS as error:
            self.datamodel.session.rollback()
            return None, self.response_refusal(error)
        result = schema.dump(item, many=False)
        if self.is_versioned:
            result["version"] = item.version
        return result, None

    @expose("/<pk>", methods=["PUT"])
    @protect()
    @safe
    @permission_name("put")
    def put(self, pk: str):
        """Change an item (send the `version` you read)
        ---
        put:
          parameters:
          - in: path
            schema:
              type: string
            name: pk
          requestBody:
            description: Model schema, plus the `version` of the item as read
            required: true
            content:
              application/json:
                schema:
                  $ref: '#/components/schemas/{{self.__class__.__name__}}.put'
          responses:
            200:
              description: Item changed
              content:
                application/json:
                  schema:
                    type: object
                    properties:
                      result:
                        $ref: '#/components/schemas/{{self.__class__.__name__}}.put'
            400:
              $ref: '#/components/responses/400'
            401:
              $ref: '#/components/responses/401'
            404:
              $ref: '#/components/responses/404'
            409:
              description: The item changed since the client read it (stale version)
            422:
              $ref: '#/components/responses/422'
            500:
              $ref: '#/components/responses/500'
        """
        return self.put_headless(pk)

    def put_headless(self, pk: str):
        item = self.datamodel.get(pk, self._base_filters)
        if item is None:
            return self.response_404()
        data = self._json_body()
        if data is None:
            return self.response_400(message="The body must be a JSON object.")
        if self.is_versioned:
            version = data.pop("version", None)
            if version is None and self.require_version:
                return self.response(
                    422, message="version: send the version you read (optimistic locking).", field="version"
                )
            if version is not None and (not isinstance(version, int) or isinstance(version, bool)):
                return self.response(422, message="version: must be an integer.", field="version")
            if version is not None and version != item.version:
                return self.response(
                    409, message=STALE_MESSAGE, field="version", current_version=item.version
                )
        try:
            merged = self._merge_update_item(item, data)
            item = self.edit_model_schema.load(merged, instance=item)
        except ValidationError as error:
            self.datamodel.session.rollback()
            return self.response_validation(error)
        result, refused = self._save_and_dump(
            item, self.edit_model_schema, self.pre_update, self.datamodel.edit, self.post_update
        )
        if refused is not None:
            return refused
        return self.response(200, **{API_RESULT_RES_KEY: result})

    @expose("/<pk>", methods=["DELETE"])
    @protect()
    @safe
    @permission_name("delete")
    def delete(self, pk: str):
        """Delete an item
        ---
        delete:
          parameters:
          - in: path
            schema:
              type: string
            name: pk
          responses:
            200:
              description: Item deleted
              content:
                application/json:
                  schema:
                    type: object
                    properties:
                      message:
                        type: string
            404:
              $ref: '#/components/responses/404'
            422:
              $ref: '#/components/responses/422'
            500:
              $ref: '#/components/responses/500'
        """
        return self.delete_headless(pk)

    def delete_headless(self, pk: str):
        item = self.datamodel.get(pk, self._base_filters)
        if item is None:
            return self.response_404()
        try:
            self.pre_delete(item)
            self.datamodel.delete(item)
            self.post_delete(item)
        except REFUSALS as error:
            self.datamodel.session.rollback()
            if isinstance(error, StaleDataError) and self.datamodel.get(pk, self._base_filters) is None:
                # Another request deleted it first: gone, not "changed by someone else".
                return self.response_404()
            return self.response_refusal(error)
        return self.response(200, message="OK")


__all__ = [
    "API_PERMISSIONS",
    "CustomFieldFiltersMixin",
    "MsspModelRestApi",
    "MsspSQLAInterface",
    "PerRequestSchemasMixin",
]

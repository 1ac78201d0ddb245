"""The OpenAPI document at `/api/<version>/_openapi`, describing what the API really returns.

FAB's document (apispec + marshmallow) is close but not exact, and a client generated from
it, or a fuzzer checking responses against it, would be misled:

- money and other `Numeric` values are sent as strings ("1224.00", no float rounding):
  described as a number or a decimal string;
- a nullable enum may be null: `null` joins its `enum`;
- a to-many relation is a list of objects, a to-one relation may be null;
- timestamps: ours carry an offset, FAB's user columns do not: described by a pattern that
  accepts both instead of `format: date-time`;
- `_info`'s `add_columns` / `edit_columns` are lists; the FAB security resources' ids are
  integers; a 400/422 `message` may be an object of field errors (FAB's own resources).

`MsspOpenApi` is FAB's `OpenApi` view (same route and permission) building the document
with `MsspOpenAPIConverter`, then `fix_document` for what lives in FAB's docstrings.
"""

from __future__ import annotations

from typing import Any

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin, OpenAPIConverter
from flask import current_app, request
from flask_appbuilder.api import BaseApi, expose, protect, safe
from flask_appbuilder.api.manager import OpenApi, resolver
from marshmallow import fields

DECIMAL_PATTERN = r"^-?\d+(\.\d+)?$"
TIMESTAMP_PATTERN = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?$"
INTEGER_ID_PREFIXES = ("/api/v1/security/",)


class MsspOpenAPIConverter(OpenAPIConverter):
    """apispec's field converter, saying what our JSON really holds (see the module doc)."""

    def field2property(self, field: fields.Field) -> dict[str, Any]:
        ret = super().field2property(field)
        if isinstance(field, fields.Decimal) and not field.as_string:
            number = {key: ret.pop(key) for key in ("type", "format", "minimum", "maximum") if key in ret}
            number["type"] = "number"
            for bound in ("minimum", "maximum"):  # apispec writes a Decimal field's bounds as text
                if bound in number:
                    number[bound] = float(number[bound])
            ret["anyOf"] = [number, {"type": "string", "pattern": DECIMAL_PATTERN}]
        elif isinstance(field, fields.DateTime) and ret.get("format") == "date-time":
            del ret["format"]
            ret["pattern"] = TIMESTAMP_PATTERN
        if ret.get("nullable") and "enum" in ret and None not in ret["enum"]:
            ret["enum"] = [*ret["enum"], None]
        if isinstance(field, fields.Nested):
            ret = self._relation(field, ret)
        return ret

    @staticmethod
    def _relation(field: fields.Nested, ret: dict[str, Any]) -> dict[str, Any]:
        if getattr(field, "many", False) and ret.get("type") != "array":
            items = {key: value for key, value in ret.items() if key != "nullable"}
            return {"type": "array", "items": items}
        if "$ref" in ret:
            # A to-one relation (created_by, changed_by, ...) may be unset.
            rest = {key: value for key, value in ret.items() if key != "$ref"}
            return {**rest, "allOf": [{"$ref": ret["$ref"]}], "nullable": True}
        if ret.get("type") == "object":
            ret["nullable"] = True
        return ret


class MsspMarshmallowPlugin(MarshmallowPlugin):
    Converter = MsspOpenAPIConverter


def fix_document(document: dict[str, Any]) -> dict[str, Any]:
    """Fix what FAB's docstrings say wrongly (in place; answers the document)."""
    for path, operations in document.get("paths", {}).items():
        for operation in operations.values():
            if not isinstance(operation, dict):
                continue
            for response in operation.get("responses", {}).values():
                for schema in _response_schemas(response):
                    if path.endswith("/_info"):
                        _lists_of_columns(schema)
                    if path.startswith(INTEGER_ID_PREFIXES):
                        _integer_ids(schema)
    for name in ("400", "422"):
        response = document.get("components", {}).get("responses", {}).get(name)
        for schema in _response_schemas(response or {}):
            message = schema.get("properties", {}).get("message")
            if message is not None and "anyOf" not in message:
                schema["properties"]["message"] = {
                    "anyOf": [{"type": "string"}, {"type": "object"}],
                    "description": "What was refused: a sentence, or field -> messages",
                }
    return document


def _response_schemas(response: dict[str, Any]) -> list[dict[str, Any]]:
    content = response.get("content", {}) if isinstance(response, dict) else {}
    return [
        media["schema"] for media in content.values()
        if isinstance(media, dict) and isinstance(media.get("schema"), dict)
    ]


def _lists_of_columns(schema: dict[str, Any]) -> None:
    properties = schema.get("properties", {})
    for key in ("add_columns", "edit_columns"):
        if key in properties:
            properties[key] = {"type": "array", "items": {"type": "object"}}


def _integer_ids(schema: dict[str, Any]) -> None:
    properties = schema.get("properties", {})
    if properties.get("id", {}).get("type") == "string":
        properties["id"] = {**properties["id"], "type": "integer"}
    ids = properties.get("ids", {})
    if ids.get("items", {}).get("type") == "string":
        ids["items"] = {**ids["items"], "type": "integer"}


class MsspOpenApi(OpenApi):
    """FAB's OpenAPI view (route, permission name) with the fixes above."""

    class_permission_name = "OpenApi"

    @expose("/<version>/_openapi")
    @protect()
    @safe
    def get(self, version):
        """Endpoint that renders an OpenApi spec for all views that belong
            to a certain version
        ---
        get:
          description: >-
            Get the OpenAPI spec for a specific API version
          parameters:
          - in: path
            schema:
              type: string
            name: version
          responses:
            200:
              description: The OpenAPI spec
              content:
                application/json:
                  schema:
                    type: object
            404:
              $ref: '#/components/responses/404'
            500:
              $ref: '#/components/responses/500'
        """
        api_spec = self._create_api_spec(version)
        found = False
        for base_api in current_app.appbuilder.baseviews:
            if isinstance(base_api, BaseApi) and base_api.version == version:
                base_api.add_api_spec(api_spec)
                found = True
        if not found:
            return self.response_404()
        return self.response(200, **fix_document(api_spec.to_dict()))

    @staticmethod
    def _create_api_spec(version):
        servers = current_app.config.get("FAB_OPENAPI_SERVERS", [{"url": request.host_url}])
        return APISpec(
            title=current_app.appbuilder.app_name,
            version=version,
            openapi_version="3.0.2",
            info=dict(description=current_app.appbuilder.app_name),
            plugins=[MsspMarshmallowPlugin(schema_name_resolver=resolver)],
            servers=servers,
        )

"""/api/v1/alerts/: the caller's own alerts (every role, resource "Alert", like the screens).

`GET /` lists them (`?unread=true`, `?kind=contract_end`, `?page=2`), `GET /unread_count`
is the bell's number, `POST /<id>/read` and `POST /read_all` mark them read. Only the
caller's alerts are ever reached. A request riding on the browser's session cookie
must carry the CSRF token (as the model APIs do); a bearer token needs none.
"""

from __future__ import annotations

import uuid
from typing import Any

from flask import g, request
from flask_appbuilder.api import BaseApi, expose, safe
from flask_appbuilder.security.decorators import protect

from app.errors import NotFound
from app.models.alerts import AlertKind
from app.services.alerts.inbox import InboxItem, inbox, mark_all_read, mark_read, record_path, unread_count
from app.web.csrf import CookieCsrfMixin


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def _as_json(item: InboxItem) -> dict[str, Any]:
    alert = item.alert
    return {
        "id": str(item.copy_id),
        "kind": alert.kind.value,
        "title": alert.title,
        "detail": alert.detail,
        "record_id": str(alert.record_id),
        "record_path": record_path(alert.kind, alert.record_id),
        "due_date": _iso(alert.due_date),
        "level": alert.level,
        "fired_at": _iso(alert.fired_at),
        "read_at": _iso(item.read_at),
        "resolved_at": _iso(alert.resolved_at),
        "resolution": alert.resolution,
    }


class AlertApi(CookieCsrfMixin, BaseApi):
    resource_name = "alerts"
    class_permission_name = "Alert"
    method_permission_name = {
        "get_list": "read",
        "unread": "read",
        "read_one": "edit",
        "read_all": "edit",
    }
    openapi_spec_tag = "Alerts"
    allow_browser_login = True

    @expose("/", methods=["GET"])
    @protect()
    @safe
    def get_list(self):
        """The caller's alerts, newest first.
        ---
        get:
          summary: The caller's alerts
          parameters:
          - {in: query, name: unread, schema: {type: boolean}, description: 'Only the unread, open ones'}
          - {in: query, name: kind, schema: {type: string}}
          - {in: query, name: page, schema: {type: integer, minimum: 1}}
          responses:
            200:
              description: One page of alerts
              content:
                application/json:
                  schema:
                    type: object
                    properties:
                      count: {type: integer}
                      page: {type: integer}
                      unread: {type: integer}
                      result: {type: array, items: {type: object}}
            400: {$ref: '#/components/responses/400'}
            401: {$ref: '#/components/responses/401'}
            403: {$ref: '#/components/responses/403'}
        """
        kind_arg = request.args.get("kind")
        try:
            kind = AlertKind(kind_arg) if kind_arg else None
        except ValueError:
            return self.response_400(message=f"Unknown kind {kind_arg!r}.")
        unread_only = request.args.get("unread", "").lower() in ("1", "true", "yes")
        page = max(request.args.get("page", 1, type=int) or 1, 1)
        result = inbox(g.user.id, unread_only=unread_only, kind=kind, page=page)
        return self.response(
            200,
            count=result.total,
            page=result.page,
            unread=unread_count(g.user.id),
            result=[_as_json(item) for item in result.items],
        )

    @expose("/unread_count", methods=["GET"])
    @protect()
    @safe
    def unread(self):
        """The bell's number.
        ---
        get:
          summary: How many of the caller's alerts are unread
          responses:
            200:
              description: The count
              content:
                application/json:
                  schema: {type: object, properties: {unread: {type: integer}}}
            401: {$ref: '#/components/responses/401'}
            403: {$ref: '#/components/responses/403'}
        """
        return self.response(200, unread=unread_count(g.user.id))

    @expose("/<uuid:copy_id>/read", methods=["POST"])
    @protect()
    @safe
    def read_one(self, copy_id: uuid.UUID):
        """Mark one of the caller's alerts read.
        ---
        post:
          summary: Mark one alert read
          parameters:
          - {in: path, name: copy_id, required: true, schema: {type: string, format: uuid}}
          responses:
            200:
              description: Marked read
              content:
                application/json:
                  schema: {type: object, properties: {unread: {type: integer}}}
            401: {$ref: '#/components/responses/401'}
            403: {$ref: '#/components/responses/403'}
            404: {$ref: '#/components/responses/404'}
        """
        try:
            mark_read(g.user.id, copy_id)
        except NotFound as missing:
            return self.response(404, message=missing.message)
        return self.response(200, unread=unread_count(g.user.id))

    @expose("/read_all", methods=["POST"])
    @protect()
    @safe
    def read_all(self):
        """Mark every unread alert of the caller read.
        ---
        post:
          summary: Mark all alerts read
          responses:
            200:
              description: How many were marked
              content:
                application/json:
                  schema: {type: object, properties: {marked: {type: integer}}}
            401: {$ref: '#/components/responses/401'}
            403: {$ref: '#/components/responses/403'}
        """
        return self.response(200, marked=mark_all_read(g.user.id))


def register_alert_apis(appbuilder: Any) -> None:
    appbuilder.add_api(AlertApi)

"""Saving and deleting a list's filters (the bar above every list:
mssp/saved_filters/bar.html; the rules: app.services.saved_filters).

`POST /savedfilter/save/` keeps the list's arguments under a name (for yourself, or shared);
`POST /savedfilter/delete/<id>` deletes one of your own. Both need the list's read
permission besides their own (every role has them: SELF_SERVICE in
app.services.accounts.roles). A refused save answers 422 with the form and its message.
"""

from __future__ import annotations

from typing import Any

from flask import abort, current_app, flash, g, redirect, request, url_for
from flask_appbuilder import BaseView, expose
from flask_appbuilder.security.decorators import has_access

from app.errors import NotFound, ValidationFailed
from app.extensions import db
from app.services.saved_filters import delete_filter, save_filter
from app.web.permissions import holds


def readable_list_view(view_name: str) -> Any:
    """The list screen named `view_name` if the person may read it, else 404."""
    from app.web.base import MsspModelView

    for view in current_app.appbuilder.baseviews:
        if view.__class__.__name__ == view_name and isinstance(view, MsspModelView):
            if holds("can_read", view.class_permission_name):
                return view
            break
    abort(404)


def list_url(view_name: str, query_string: str) -> str:
    return url_for(f"{view_name}.list") + (f"?{query_string}" if query_string else "")


class SavedFilterView(BaseView):
    route_base = "/savedfilter"
    class_permission_name = "SavedFilter"
    method_permission_name = {"save": "create", "delete": "delete"}

    @expose("/save/", methods=["POST"])
    @has_access
    def save(self):
        view_name = request.form.get("view_name", "")
        view = readable_list_view(view_name)
        query_string = request.form.get("query_string", "")
        try:
            saved = save_filter(
                db.session,
                owner_id=g.user.id,
                view_name=view_name,
                name=request.form.get("name", ""),
                query_string=query_string,
                shared=request.form.get("shared") in ("y", "on", "true", "1"),
            )
        except ValidationFailed as refusal:
            body = self.render_template(
                "mssp/saved_filters/refused.html",
                title="Save this filter",
                error=refusal.message,
                field=refusal.field,
                form=request.form,
                list_title=view.list_title,
                back=list_url(view_name, query_string),
            )
            return body, 422
        who = "everyone who may read this list" if saved.shared else "you"
        flash(f"Filter “{saved.name}” saved for {who}.", "success")
        return redirect(list_url(view_name, saved.query_string))

    @expose("/delete/<filter_id>", methods=["POST"])
    @has_access
    def delete(self, filter_id: str):
        import uuid

        try:
            key = uuid.UUID(filter_id)
        except ValueError:
            abort(404)
        try:
            saved = delete_filter(db.session, filter_id=key, user_id=g.user.id)
        except NotFound:
            abort(404)
        flash(f"Saved filter “{saved.name}” deleted.", "success")
        return redirect(url_for(f"{saved.view_name}.list"))


def register_saved_filter_views(appbuilder) -> None:  # type: ignore[no-untyped-def]
    appbuilder.add_view_no_menu(SavedFilterView)

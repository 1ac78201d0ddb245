"""The saved-filter bar above every list (mixed into MsspModelView): the person's own saved
filters of this list and the shared ones, and "Save this filter" for the list as it is
(app.services.saved_filters; the routes: app.views.saved_filters)."""

from __future__ import annotations

from typing import Any

from flask import g, request, url_for

from app.extensions import db
from app.services.saved_filters import filters_for, kept_query
from app.web.permissions import holds
from app.web.row_filters import current_user


class SavedFiltersMixin:
    def saved_filters_bar(self) -> dict[str, Any] | None:
        user = current_user()
        if user is None:
            return None
        name = self.__class__.__name__
        current = kept_query(list(request.args.items(multi=True)))
        list_url = url_for(f"{name}.list")
        items = [
            {
                "name": saved.name,
                "url": list_url + (f"?{saved.query_string}" if saved.query_string else ""),
                "active": saved.query_string == current,
                "mine": saved.owner_id == user.id,
                "shared": saved.shared,
                "owner": str(saved.owner) if saved.owner_id != user.id else "",
                "delete_url": url_for("SavedFilterView.delete", filter_id=str(saved.id)),
            }
            for saved in filters_for(db.session, user.id, name)
        ]
        can_save = holds("can_create", "SavedFilter")
        if not items and not can_save:
            return None
        return {
            "entries": items,
            "can_save": can_save,
            "view_name": name,
            "query_string": current,
            "save_url": url_for("SavedFilterView.save"),
        }

    def render_template(self, template: str, **kwargs: Any) -> Any:
        if (
            template == getattr(self, "list_template", None)
            and request.endpoint == f"{self.endpoint}.list"  # type: ignore[attr-defined]
            and getattr(g, "user", None) is not None
        ):
            kwargs.setdefault("saved_filters", self.saved_filters_bar())
        return super().render_template(template, **kwargs)  # type: ignore[misc]

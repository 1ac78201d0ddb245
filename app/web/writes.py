"""Writes of the base view: add, edit (with the version check), delete and @actions, each
refusal shown as a form error or a message (mixed into MsspModelView).

Where a saved form goes: a new record opens its own page; an edit returns to the page the
form was opened from (FAB's back history in the session), else the record's page; a delete
returns to the page before the deleted record's. FAB's default pops the history blindly and
lands on the home page whenever a form was opened directly.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import abort, flash, g, redirect, request, session, url_for
from flask_appbuilder._compat import as_unicode
from flask_appbuilder.baseviews import expose
from flask_appbuilder.const import FLAMSG_ERR_SEC_ACCESS_DENIED, PERMISSION_PREFIX
from flask_appbuilder.security.decorators import has_access
from flask_appbuilder.urltools import Stack, get_filter_args
from flask_login import current_user
from wtforms import Form

from app.web.db_errors import REFUSALS, WriteRefusal, refusal_for, stale_refusal

#: `g` keys: the primary key of the record this request added; whether it deleted one.
ADDED_PK = "mssp_added_pk"
DELETED = "mssp_deleted"


def _path(url: str) -> str:
    return urlsplit(url).path


class WritesMixin:
    """Add/edit/delete/actions; needs the attributes of MsspModelView."""

    # ---- writes ---------------------------------------------------------------------------

    def create_item(self, item: Any) -> None:
        """Save a new record (override to go through a service)."""
        self.datamodel.add(item)

    def update_item(self, item: Any) -> None:
        """Save changes to a record (override to go through a service)."""
        self.datamodel.edit(item)

    def delete_item(self, item: Any) -> None:
        """Delete a record (override to go through a service)."""
        self.datamodel.delete(item)

    def report_refusal(self, form: Form | None, refusal: WriteRefusal) -> None:
        """Show a refused write: on its form field when there is one, else as a message."""
        field = self._form_field_for(form, refusal.column) if form is not None else None
        if field is not None and field.type not in ("HiddenField", "VersionField"):
            field.errors = [*list(field.errors or []), refusal.message]
            flash(f"Not saved: {refusal.message}", "danger")
        else:
            flash(refusal.message, "danger")

    def _form_field_for(self, form: Form, column: str | None):
        if not column:
            return None
        if column in form:
            return form[column]
        # A foreign-key column is edited through its relation field.
        for name in self.datamodel.list_properties:
            if self.datamodel.is_relation_many_to_one(name) and name in form:
                local = [c.name for c in self.datamodel.list_properties[name].local_columns]
                if column in local:
                    return form[name]
        return None

    def _flash_hidden_errors(self, form: Form, hidden: list[str]) -> None:
        """Errors of fields the page does not show (set from the URL) as messages."""
        for name in hidden:
            if name in form and form[name].errors:
                for error in form[name].errors:
                    flash(f"{form[name].label.text}: {error}", "danger")

    def _add(self):
        get_filter_args(self._filters, disallow_if_not_in_search=False)
        exclude_cols = self._filters.get_relation_cols()
        form = self.form_with_custom_fields(self.add_form).refresh()
        if request.method == "POST":
            self._fill_form_exclude_cols(exclude_cols, form)
            if form.validate():
                self.process_form(form, True)
                item = self.datamodel.obj()
                try:
                    form.populate_obj(item)
                    self.pre_add(item)
                    self.create_item(item)
                    self.post_add(item)
                except REFUSALS as error:
                    self.datamodel.session.rollback()
                    self.report_refusal(form, refusal_for(error, self.datamodel.session))
                else:
                    flash(as_unicode(self.add_row_message), "success")
                    setattr(g, ADDED_PK, self.datamodel.get_pk_value(item))
                    return None
            else:
                self._flash_hidden_errors(form, exclude_cols)
        else:
            self.update_redirect()
        return self._get_add_widget(form=form, exclude_cols=exclude_cols)

    def _edit(self, pk):
        get_filter_args(self._filters, disallow_if_not_in_search=False)
        exclude_cols = self._filters.get_relation_cols()
        item = self.datamodel.get(pk, self._base_filters)
        if item is None:
            abort(404)
        pk = self.datamodel.get_pk_value(item)
        if request.method == "POST":
            form = self.form_with_custom_fields(self.edit_form).refresh(request.form)
            self._fill_form_exclude_cols(exclude_cols, form)
            form._id = pk
            if form.validate():
                if self.is_versioned() and form.version.data != item.version:
                    self.report_refusal(form, stale_refusal())
                else:
                    self.process_form(form, False)
                    try:
                        form.populate_obj(item)
                        self.pre_update(item)
                        self.update_item(item)
                        self.post_update(item)
                    except REFUSALS as error:
                        self.datamodel.session.rollback()
                        self.report_refusal(form, refusal_for(error, self.datamodel.session))
                    else:
                        flash(as_unicode(self.edit_row_message), "success")
                        return None
            else:
                self._flash_hidden_errors(form, exclude_cols)
        else:
            form = self.form_with_custom_fields(self.edit_form).refresh(obj=item)
            self.prefill_form(form, pk)
            self.update_redirect()
        return self._get_edit_widget(form=form, exclude_cols=exclude_cols)

    @expose("/edit/<pk>", methods=["GET", "POST"])
    @has_access
    def edit(self, pk):
        widgets = self._edit(pk)
        if not widgets:
            return self.post_edit_redirect(pk)
        return self.render_template(self.edit_template, title=self.edit_title, widgets=widgets)

    def _delete(self, pk):
        item = self.datamodel.get(pk, self._base_filters)
        if item is None:
            abort(404)
        try:
            self.pre_delete(item)
            self.delete_item(item)
            self.post_delete(item)
        except REFUSALS as error:
            self.datamodel.session.rollback()
            self.report_refusal(None, refusal_for(error, self.datamodel.session))
        else:
            flash(as_unicode(self.delete_row_message), "success")
            setattr(g, DELETED, True)
        self.update_redirect()

    # ---- where the browser goes after a write -----------------------------------------------

    def _record_url(self, endpoint: str, pk: Any) -> str:
        return url_for(f"{self.__class__.__name__}.{endpoint}", pk=str(pk))

    def _back_past(self, *leaving: str, consume: bool = True) -> str | None:
        """The page before the pages being left (by path) in the session's back history.

        The pages left go out of the history; so does the page returned (it adds itself
        again when it is shown) unless `consume` is false.
        """
        history = Stack(session.get("page_history", []))
        previous = history.pop()
        while previous is not None and _path(previous) in leaving:
            previous = history.pop()
        if previous is not None and not consume:
            history.push(previous)
        session["page_history"] = history.to_json()
        return previous

    def post_add_redirect(self):
        """The new record's page; the add form leaves the back history."""
        pk = g.pop(ADDED_PK, None)
        self._back_past(_path(request.url), consume=False)
        if pk is None:
            return redirect(url_for(f"{self.__class__.__name__}.list"))
        return redirect(self._record_url("show", pk))

    def post_edit_redirect(self, pk: Any = None):
        """Back where the form was opened from (a list, the record, a client's page)."""
        previous = self._back_past(_path(request.url))
        if previous is None and pk is not None:
            previous = self._record_url("show", pk)
        return redirect(previous or url_for(f"{self.__class__.__name__}.list"))

    def post_delete_redirect(self):
        """Back to the page before the deleted record's own pages, else the list (a refused
        delete goes back to where it was asked, the record's page included)."""
        pk = (request.view_args or {}).get("pk")
        gone = (_path(request.url),)
        if pk is not None and g.pop(DELETED, False):
            gone += (self._record_url("show", pk), self._record_url("edit", pk))
        return redirect(self._back_past(*gone) or url_for(f"{self.__class__.__name__}.list"))

    # ---- actions --------------------------------------------------------------------------

    def _action_allowed(self, name: str) -> bool:
        if name not in self.actions:
            abort(404)
        permission = self.get_action_permission_name(name)
        return permission in self.base_permissions and self.appbuilder.sm.has_access(
            permission, self.class_permission_name
        )

    def _deny(self):
        if current_user.is_authenticated:
            abort(403)
        flash(as_unicode(FLAMSG_ERR_SEC_ACCESS_DENIED), "danger")
        return redirect(url_for(f"{self.appbuilder.sm.auth_view.__class__.__name__}.login", next=request.url))

    @expose("/action/<string:name>/<pk>", methods=["GET", "POST"])
    def action(self, name, pk):
        if not self.is_get_mutation_allowed():
            flash(as_unicode(FLAMSG_ERR_SEC_ACCESS_DENIED), "danger")
            return redirect(self.get_redirect())
        if not self._action_allowed(name):
            return self._deny()
        item = self.datamodel.get(pk, self._base_filters)
        if item is None:
            abort(404)
        return self.run_action(name, item)

    @expose("/action_post", methods=["POST"])
    def action_post(self):
        name = request.form.get("action", "")
        if not self._action_allowed(name):
            return self._deny()
        items = [self.datamodel.get(pk, self._base_filters) for pk in request.form.getlist("rowid")]
        return self.run_action(name, [item for item in items if item is not None])

    def run_action(self, name: str, items: Any):
        """Run an @action; a refusal (rule, constraint, stale row) becomes a message."""
        try:
            return self.actions[name].func(items)
        except REFUSALS as error:
            self.datamodel.session.rollback()
            self.report_refusal(None, refusal_for(error, self.datamodel.session))
            return redirect(self.get_redirect())

    def get_action_permission_name(self, name: str) -> str:
        permission = self.method_permission_name.get(self.actions[name].func.__name__)
        return PERMISSION_PREFIX + permission if permission else name

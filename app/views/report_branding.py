"""Reports > Branding (Admin): the MSSP's name, logo, colours and footer every client report
carries. The rules live in app.services.reports.branding; this screen parses and shows."""

from __future__ import annotations

from flask import flash, redirect, request, url_for
from flask_appbuilder import BaseView, expose, has_access

from app.errors import ValidationFailed
from app.extensions import db
from app.services.reports import branding as rules


class ReportBrandingView(BaseView):
    route_base = "/reports/branding"
    class_permission_name = "ReportBranding"
    method_permission_name = {"edit": "edit", "save": "edit"}
    base_permissions = ["can_edit"]
    default_view = "edit"
    template = "reports/branding.html"

    def _render(self, values: dict, errors: dict[str, str] | None = None, status: int = 200):
        current = rules.branding_preview(db.session)
        page = self.render_template(
            self.template,
            title="Report branding",
            values=values,
            errors=errors or {},
            preview=current,
            max_logo_kb=rules.MAX_LOGO_BYTES // 1024,
            max_footer=rules.MAX_FOOTER,
            max_name=rules.MAX_NAME,
        )
        return page, status

    @expose("/", methods=["GET"])
    @has_access
    def edit(self):
        current = rules.branding_preview(db.session)
        values = {
            "company_name": current.company_name,
            "primary_colour": current.primary_colour,
            "accent_colour": current.accent_colour,
            "footer": current.footer,
        }
        return self._render(values)

    @expose("/", methods=["POST"])
    @has_access
    def save(self):
        form = request.form
        names = ("company_name", "primary_colour", "accent_colour", "footer")
        values = {name: form.get(name, "") for name in names}
        upload = request.files.get("logo")
        logo = upload.read() if upload is not None and upload.filename else None
        change = rules.BrandingChange(
            company_name=values["company_name"],
            primary_colour=values["primary_colour"],
            accent_colour=values["accent_colour"],
            footer=values["footer"],
            logo=logo,
            remove_logo=form.get("remove_logo") == "y",
        )
        try:
            rules.save_branding(db.session, change)
        except ValidationFailed as error:
            db.session.rollback()
            flash(f"Not saved: {error.message}", "danger")
            return self._render(values, {error.field or "": error.message}, status=422)
        flash("Branding saved: reports generated from now on carry it (stored reports keep theirs).", "info")
        return redirect(url_for("ReportBrandingView.edit"))


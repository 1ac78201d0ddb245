"""The page after login: each role's own start page (issue 17.9).

Managers and admins land on the dashboard (`start_endpoint`, read by the login views);
everyone else lands on "/", which shows what their role works on: an account manager's
clients and the renewals coming up for them, an engineer's license pools near capacity
and hardware overdue for return. Anonymous visitors are sent to the login.
"""

from __future__ import annotations

from datetime import timedelta

from flask import redirect
from flask_appbuilder import IndexView, expose
from flask_login import current_user

from app.dashboards.queries.licenses import license_usage
from app.dashboards.queries.renewals import contracts_ending
from app.extensions import db
from app.models.clients import Client
from app.models.team import ClientTeamAssignment
from app.services.accounts.roles import ACCOUNT_MANAGER, ADMIN, ENGINEER, MANAGER
from app.services.clock import today_utc
from app.services.hardware import overdue_assignments

#: The renewals an account manager's start page lists: contracts ending within this many days.
RENEWAL_DAYS = 90


class StartIndexView(IndexView):
    """"/": the role's start page (FAB_INDEX_VIEW)."""

    index_template = "mssp/start/index.html"

    @expose("/")
    def index(self):
        if not current_user.is_authenticated:
            return redirect(self.appbuilder.get_url_for_login)
        roles = {role.name for role in current_user.roles}
        today = today_utc()
        sections = {"dashboard": bool(roles & {ADMIN, MANAGER})}
        if ACCOUNT_MANAGER in roles:
            clients = (
                db.session.query(Client)
                .join(ClientTeamAssignment, ClientTeamAssignment.client_id == Client.id)
                .filter(ClientTeamAssignment.user_id == current_user.id)
                .distinct()
                .order_by(Client.company_name)
                .all()
            )
            ending = contracts_ending(
                db.session, today, frozenset(c.id for c in clients), horizon_days=RENEWAL_DAYS
            )
            sections["clients"] = clients
            sections["renewals"] = ending.contracts
        if roles & {ENGINEER, ADMIN, MANAGER}:
            usage = license_usage(db.session)
            sections["pools"] = [p for p in usage.pools if p.nearly_full]
            sections["overdue"] = overdue_assignments(db.session, today)
        return self.render_template(
            self.index_template,
            title="Start",
            sections=sections,
            today=today,
            renewal_until=today + timedelta(days=RENEWAL_DAYS),
            appbuilder=self.appbuilder,
        )

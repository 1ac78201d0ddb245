"""Team: who at the MSSP looks after which client."""

from __future__ import annotations

from app.models.team import ClientTeamAssignment
from app.web.base import MsspModelView
from app.web.datamodel import MsspSQLAInterface


class TeamAssignmentView(MsspModelView):
    datamodel = MsspSQLAInterface(ClientTeamAssignment)
    entity_label = "team assignment"
    list_title = "Team Assignments"
    show_title = "Team assignment"
    add_title = "Assign to a client"
    edit_title = "Edit team assignment"
    label_eager = ("user", "client")
    list_columns = ["client", "user", "assignment_role", "created_at"]
    search_columns = ["client", "user", "assignment_role"]
    order_aliases = {"client": "client.company_name", "user": "user.email"}
    base_order = ("created_at", "desc")
    add_columns = ["client", "user", "assignment_role"]
    edit_columns = add_columns
    show_columns = [
        "client",
        "user",
        "assignment_role",
        "created_at",
        "created_by",
        "updated_at",
        "changed_by",
    ]

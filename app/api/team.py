"""/api/v1/team_assignment/"""

from __future__ import annotations

from app.api.base import MsspModelRestApi
from app.models.team import ClientTeamAssignment
from app.views.datamodel import MsspSQLAInterface


class TeamAssignmentApi(MsspModelRestApi):
    datamodel = MsspSQLAInterface(ClientTeamAssignment)
    resource_name = "team_assignment"
    list_columns = ["id", "client_id", "client.company_name", "user_id", "assignment_role", "created_at"]
    search_columns = ["client", "user", "assignment_role"]

"""/api/v1/team_assignment/"""

from __future__ import annotations

from app.models.team import ClientTeamAssignment
from app.web.datamodel import MsspSQLAInterface
from app.web.rest import MsspModelRestApi


class TeamAssignmentApi(MsspModelRestApi):
    datamodel = MsspSQLAInterface(ClientTeamAssignment)
    resource_name = "team_assignment"
    list_columns = ["id", "client_id", "client.company_name", "user_id", "assignment_role", "created_at"]
    search_columns = ["client", "user", "assignment_role"]

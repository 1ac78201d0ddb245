"""A fake Jira speaking Cloud's `/rest/api/3/search/jql` and Data Center's `/rest/api/2/search`.

Cloud: token pages (`nextPageToken` absent on the last page, `isLast`, no
`total`), basic `email:api_token`, 410 on the removed search endpoints, an issue
is only its id unless `fields` are named. Data Center: `startAt`/`maxResults`/
`total` with `maxResults` capped by the server, bearer personal access token.
Both: bad JQL -> 400 `errorMessages`; 401 when the credentials are wrong.
JQL understood: `project = KEY` / `project in (A, B)`; anything else is ignored,
and the word BADJQL makes it a syntax error.
`/rest/api/2/serverInfo` answers without credentials (`deploymentType` Cloud or DataCenter;
`server_info=False` turns it off, as behind a proxy that hides it).
`anonymous=True`: wrong credentials are not a 401 but an anonymous request, as Jira does: a
search naming a project gets 400 "The value 'ACME' does not exist for the field 'project'."
(with `X-Seraph-LoginReason: AUTHENTICATED_FAILED` when `seraph=True`), /myself gets 401.
"""

from __future__ import annotations

import base64
import re
from typing import Any

from tests.fakes.server import FakeServer, Recorded, Reply

EMAIL = "svc-sync@mssp.example"
API_TOKEN = "jira-cloud-token-5f2a9c"
PAT = "jira-dc-pat-77e1b0"
REMOVED = ("/rest/api/2/search", "/rest/api/3/search")
GONE_MESSAGE = (
    "The requested API has been removed. Please migrate to the /rest/api/3/search/jql API. "
    "A full migration guideline is available at https://developer.atlassian.com/changelog/#CHANGE-2046"
)


def make_issue(key: str, summary: str, status: str = "To Do", priority: str = "Medium", **extra: Any) -> dict:
    number = key.split("-")[1]
    fields = {
        "summary": summary,
        "status": {"name": status, "statusCategory": {"key": "new"}},
        "priority": {"name": priority},
        "created": extra.pop("created", "2024-01-02T10:11:12.123+0000"),
        "resolutiondate": extra.pop("resolutiondate", None),
        "project": {"key": key.split("-")[0]},
        **extra,
    }
    return {
        "id": str(10000 + int(number)),
        "key": key,
        "self": f"https://jira/rest/api/3/issue/{number}",
        "fields": fields,
    }


class FakeJira(FakeServer):
    def __init__(
        self,
        deployment: str = "cloud",
        issues: list[dict] | None = None,
        dc_cap: int = 2,
        server_info: bool = True,
        anonymous: bool = False,
        seraph: bool = False,
        **kw: Any,
    ) -> None:
        self.deployment = deployment
        self.issues = issues or []
        self.dc_cap = dc_cap
        self.server_info = server_info
        self.anonymous = anonymous
        self.seraph = seraph
        super().__init__(**kw)

    # -- auth ---------------------------------------------------------------------------
    def authorised(self, request: Recorded) -> bool:
        header = request.headers.get("Authorization", "")
        if self.deployment == "cloud":
            expected = base64.b64encode(f"{EMAIL}:{API_TOKEN}".encode()).decode()
            return header == f"Basic {expected}"
        return header == f"Bearer {PAT}"

    # -- routes -------------------------------------------------------------------------
    def route(self, request: Recorded) -> Reply:
        path = request.path
        if path == "/rest/api/2/serverInfo" and self.server_info:
            cloud = self.deployment == "cloud"
            return Reply(
                200,
                {
                    "baseUrl": self.url,
                    "version": "1001.0.0-SNAPSHOT" if cloud else "9.12.4",
                    "deploymentType": "Cloud" if cloud else "DataCenter",
                    "serverTitle": "Jira",
                },
            )
        if not self.authorised(request):
            if self.anonymous and path.endswith(("/search/jql", "/search")) and not path.endswith("myself"):
                return self.anonymous_search(request)
            return Reply(401, "Client must be authenticated to access this resource.")
        if self.deployment == "cloud":
            if path in REMOVED:
                return Reply(410, {"errorMessages": [GONE_MESSAGE], "errors": {}})
            if path == "/rest/api/3/search/jql":
                return self.cloud_search(request)
            if path == "/rest/api/3/myself":
                return Reply(200, {"accountId": "5b10a", "emailAddress": EMAIL, "displayName": "MSSP Sync"})
        else:
            if path == "/rest/api/2/search":
                return self.dc_search(request)
            if path == "/rest/api/2/myself":
                return Reply(200, {"name": "svc-sync", "displayName": "MSSP Sync (DC)"})
        return Reply(404, {"errorMessages": [f"no route {path}"]})

    def anonymous_search(self, request: Recorded) -> Reply:
        """What Jira answers when it ran a search as nobody: projects it may not show 'do not exist'."""
        params = request.body if isinstance(request.body, dict) else request.query
        jql = str(params.get("jql", ""))
        named = re.findall(r'project\s*=\s*"?([A-Z][A-Z0-9_]*)"?', jql)
        several = re.search(r"project\s+in\s*\(([^)]*)\)", jql)
        if several:
            named += [k.strip().strip('"') for k in several.group(1).split(",")]
        headers = {"X-Seraph-LoginReason": "AUTHENTICATED_FAILED"} if self.seraph else {}
        if named:
            message = f"The value '{named[0]}' does not exist for the field 'project'."
            return Reply(400, {"errorMessages": [message], "errors": {}}, headers)
        return Reply(200, {"issues": [], "isLast": True, "startAt": 0, "total": 0}, headers)

    def matching(self, jql: str) -> list[dict] | Reply:
        if "BADJQL" in jql:
            return Reply(
                400, {"errorMessages": ["Error in the JQL Query: 'BADJQL' is not valid."], "errors": {}}
            )
        keys: set[str] | None = None
        single = re.search(r'project\s*=\s*"?([A-Z][A-Z0-9_]*)"?', jql)
        several = re.search(r"project\s+in\s*\(([^)]*)\)", jql)
        if single:
            keys = {single.group(1)}
        elif several:
            keys = {k.strip().strip('"') for k in several.group(1).split(",")}
        return [i for i in self.issues if keys is None or i["fields"]["project"]["key"] in keys]

    @staticmethod
    def shaped(issue: dict, fields: list[str] | None) -> dict:
        if not fields:
            return {"id": issue["id"]}  # Cloud: no fields named, only the id
        return {
            "id": issue["id"],
            "key": issue["key"],
            "self": issue["self"],
            "fields": {k: v for k, v in issue["fields"].items() if k in fields or "*all" in fields},
        }

    def cloud_search(self, request: Recorded) -> Reply:
        params = (
            request.body if request.method == "POST" and isinstance(request.body, dict) else request.query
        )
        fields = params.get("fields")
        if isinstance(fields, str):
            fields = fields.split(",")
        found = self.matching(str(params.get("jql", "")))
        if isinstance(found, Reply):
            return found
        size = min(int(params.get("maxResults", 50)), 5000)
        token = params.get("nextPageToken")
        start = int(base64.b64decode(token).decode()) if token else 0
        page = found[start : start + size]
        body: dict[str, Any] = {
            "issues": [self.shaped(i, fields) for i in page],
            "isLast": start + size >= len(found),
        }
        if not body["isLast"]:
            body["nextPageToken"] = base64.b64encode(str(start + size).encode()).decode()
        return Reply(200, body)

    def dc_search(self, request: Recorded) -> Reply:
        params = request.query
        found = self.matching(params.get("jql", ""))
        if isinstance(found, Reply):
            return found
        start = int(params.get("startAt", 0))
        size = min(int(params.get("maxResults", 50)), self.dc_cap)  # the server caps maxResults
        fields = params.get("fields", "").split(",") if params.get("fields") else ["*all"]
        page = found[start : start + size]
        return Reply(
            200,
            {
                "startAt": start,
                "maxResults": size,
                "total": len(found),
                "issues": [self.shaped(i, fields) for i in page],
            },
        )

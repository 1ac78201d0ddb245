"""`POST /api/v1/<resource>/import` and `flask mssp import` (issue 18.3): the same import as
the screens, a CSV body in and a JSON report out; the command with a report at the end."""

from __future__ import annotations

from sqlalchemy import select

from app.models.audit import AuditEvent
from app.models.clients import Client
from tests.conftest import ROLE_USERS
from tests.factories import make_client
from tests.web.auth_helpers import api_token, bearer


def post_csv(client, role: str, resource: str, body: str | bytes, query: str = ""):
    headers = {**bearer(api_token(client, ROLE_USERS[role])), "Content-Type": "text/csv"}
    return client.post(f"/api/v1/{resource}/import{query}", data=body, headers=headers)


def company_names(app) -> set[str]:
    from app.extensions import db

    with app.app_context():
        return set(db.session.scalars(select(Client.company_name)))


def test_api_dry_run_by_default_then_written(app, client, db_connection):
    body = "Company,Status\nApi Import One,Active\nApi Import Two,Prospect\n"
    dry = post_csv(client, "Account Manager", "client", body)
    assert dry.status_code == 200, dry.get_json()
    report = dry.get_json()
    assert (report["dry_run"], report["written"], report["created"]) == (True, False, 2)
    assert "Api Import One" not in company_names(app)

    done = post_csv(client, "Account Manager", "client", body, "?dry_run=false&file_name=api.csv")
    assert done.status_code == 200, done.get_json()
    assert done.get_json()["written"] is True
    assert {"Api Import One", "Api Import Two"} <= company_names(app)
    from app.extensions import db

    with app.app_context():
        actions = set(
            db.session.scalars(
                select(AuditEvent.action).where(AuditEvent.changes["import_file"].astext == "api.csv")
            )
        )
        assert actions == {"import"}


def test_api_refused_row_writes_nothing_and_says_where(app, client, db_connection):
    from app.extensions import db

    with app.app_context():
        existing = make_client(db.session, "Api Existing Ltd")
        db.session.commit()
        existing_id = str(existing.id)
    body = f"id,Company,Lead score\n{existing_id},Api Renamed Ltd,50\n,Api New Ltd,101\n"
    response = post_csv(client, "Admin", "client", body, "?dry_run=false")
    assert response.status_code == 422
    report = response.get_json()
    assert report["written"] is False and report["errors"] == 1
    bad = [row for row in report["rows"] if row["errors"]]
    assert bad[0]["line"] == 3
    assert bad[0]["errors"][0] == {"column": "Lead score", "message": "Must be between 0 and 100."}
    assert "Api Renamed Ltd" not in company_names(app)

    fixed = body.replace("101", "99")
    response = post_csv(client, "Admin", "client", fixed, "?dry_run=false")
    assert response.status_code == 200, response.get_json()
    assert (response.get_json()["updated"], response.get_json()["created"]) == (1, 1)
    assert "Api Renamed Ltd" in company_names(app)


def test_api_roles_bad_arguments_and_bad_files(app, client, db_connection):
    assert post_csv(client, "Engineer", "client", "Company\nNope Ltd\n").status_code == 403
    assert post_csv(client, "Admin", "client", "Company\nX\n", "?dry_run=maybe").status_code == 400
    unknown = post_csv(client, "Admin", "client", "Colour,Shape\nred,round\n")
    assert unknown.status_code == 400 and "No column" in unknown.get_json()["message"]
    assert post_csv(client, "Admin", "client", b"\xff\xfe\x00bad").status_code == 400


def test_cli_import_with_update_and_report(app, db_connection, tmp_path):
    from app.extensions import db

    with app.app_context():
        make_client(db.session, "Cli Existing Ltd", contact_name="Old")
        db.session.commit()
    path = tmp_path / "clients.csv"
    path.write_text("Company,Contact\nCli Existing Ltd,New Person\nCli Fresh Ltd,Someone\n", encoding="utf-8")
    runner = app.test_cli_runner()
    dry = runner.invoke(args=["mssp", "import", "client", str(path), "--dry-run", "--update"])
    assert dry.exit_code == 0, dry.output
    assert "Dry run: 2 row(s) read: 1 would be created, 1 would be updated" in dry.output
    assert "Cli Fresh Ltd" not in company_names(app)

    done = runner.invoke(args=["mssp", "import", "client", str(path), "--update"])
    assert done.exit_code == 0, done.output
    assert "1 were created, 1 were updated" in done.output
    with app.app_context():
        row = db.session.scalars(select(Client).where(Client.company_name == "Cli Existing Ltd")).one()
        assert row.contact_name == "New Person"

    bad = tmp_path / "bad.csv"
    bad.write_text("Company,Status\nCli Bad Ltd,asleep\n", encoding="utf-8")
    refused = runner.invoke(args=["mssp", "import", "client", str(bad)])
    assert refused.exit_code == 1
    assert "line 2: Status: Not a valid choice" in refused.output

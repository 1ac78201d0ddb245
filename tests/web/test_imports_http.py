"""Import from CSV/XLSX on the lists (issue 18.3), through HTTP as each role: a dry run writes
nothing, a confirmed run writes every row in one go with its audit entry, a bad row is refused
with the form's message next to its line and field, an `id` updates, a role that may not add
gets 403."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import select

from app.models.audit import AuditEvent
from app.models.clients import Client
from tests.conftest import csrf_token
from tests.factories import make_client, make_pool

CLIENTS_CSV = (
    "Company,Status,Contact email,Estimated deal value,Currency,First interaction\n"
    'Import Alpha Ltd,Active,alpha@example.com,"1,250.50",USD,2026-01-15\n'
    "Import Beta Ltd,prospect,,300,EUR,\n"
)


def post_import(browser, url: str, **form):
    token = csrf_token(browser.get(url).get_data(as_text=True))
    return browser.post(url, data={"csrf_token": token, **form}, content_type="multipart/form-data")


def names(app) -> set[str]:
    from app.extensions import db

    with app.app_context():
        return set(db.session.scalars(select(Client.company_name)))


def test_dry_run_writes_nothing_and_confirm_writes_every_row_with_its_audit(app, login_as):
    browser = login_as("Account Manager")
    before = names(app)
    preview = post_import(browser, "/clientview/import/", content=CLIENTS_CSV)
    page = preview.get_data(as_text=True)
    assert preview.status_code == 200, page
    assert "2 row(s) read: 2 would be created" in page
    assert "Confirm import (2 new, 0 updated)" in page
    assert names(app) == before

    confirmed = post_import(
        browser, "/clientview/import/", content=CLIENTS_CSV, confirm="1", file_name="clients.csv"
    )
    assert confirmed.status_code == 200, confirmed.get_data(as_text=True)
    assert "2 were created" in confirmed.get_data(as_text=True)
    from app.extensions import db

    with app.app_context():
        alpha = db.session.scalars(select(Client).where(Client.company_name == "Import Alpha Ltd")).one()
        assert str(alpha.estimated_deal_value) == "1250.50"
        assert alpha.status.value == "active"
        assert alpha.first_interaction_date.isoformat() == "2026-01-15"
        event = db.session.scalars(
            select(AuditEvent).where(
                AuditEvent.entity_type == "client", AuditEvent.entity_id == str(alpha.id)
            )
        ).one()
        assert event.action == "import"
        assert event.actor_email == "account.manager@test.example"
        assert event.changes["import_file"] == "clients.csv"


def test_a_bad_row_is_refused_with_the_forms_message_and_nothing_is_written(app, login_as):
    browser = login_as("Admin")
    csv_text = (
        "company_name,status,contact_email,lead_score\n"
        "Good Row Ltd,active,good@example.com,10\n"
        "Bad Row Ltd,sleeping,not-an-email,500\n"
    )
    response = post_import(browser, "/clientview/import/", content=csv_text, confirm="1")
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Nothing was imported" in page
    assert "<strong>status</strong>: Not a valid choice: use one of" in page
    assert "<strong>lead_score</strong>: Must be between 0 and 100." in page
    assert "Good Row Ltd" not in names(app) and "Bad Row Ltd" not in names(app)

    skipped = post_import(browser, "/clientview/import/", content=csv_text, confirm="1", skip_bad_rows="y")
    text = skipped.get_data(as_text=True)
    assert skipped.status_code == 200, text
    assert "1 were created" in text and "1 skipped (errors)" in text
    assert "Good Row Ltd" in names(app) and "Bad Row Ltd" not in names(app)


def test_a_row_with_an_id_updates_that_record_and_a_duplicate_name_is_refused(app, login_as):
    from app.extensions import db

    with app.app_context():
        from app.models.users import MsspUser
        from tests.conftest import ROLE_USERS
        from tests.factories import owned_client

        me = db.session.scalars(select(MsspUser).where(MsspUser.email == ROLE_USERS["Account Manager"])).one()
        first = owned_client(db.session, me, company_name="Update Me Ltd")
        make_client(db.session, "Taken Name Ltd")
        db.session.commit()
        first_id = str(first.id)
    browser = login_as("Account Manager")
    csv_text = f"id,Company,Contact\n{first_id},Updated Name Ltd,New Contact\n,taken name ltd ,Someone\n"
    response = post_import(browser, "/clientview/import/", content=csv_text, confirm="1", skip_bad_rows="y")
    page = response.get_data(as_text=True)
    assert response.status_code == 200, page
    assert "1 were updated" in page
    assert "already exists" in page
    with app.app_context():
        client = db.session.get(Client, first.id)
        assert (client.company_name, client.contact_name) == ("Updated Name Ltd", "New Contact")


def test_relations_by_natural_key_and_business_rules_apply(app, login_as):
    from app.extensions import db

    with app.app_context():
        make_client(db.session, "Seat Holder Ltd")
        pool = make_pool(db.session, total=5)
        db.session.commit()
        pool_label = f"{pool.vendor} {pool.product_name}"
    browser = login_as("Engineer")
    csv_text = (
        "Client,License pool,Assigned seats,Status,Assignment date\n"
        f"Seat Holder Ltd,{pool_label},3,active,2026-02-01\n"
        f"seat holder ltd,{pool_label},3,active,2026-02-01\n"
        f"No Such Client,{pool_label},1,active,2026-02-01\n"
    )
    response = post_import(browser, "/clientlicenseview/import/", content=csv_text)
    page = response.get_data(as_text=True)
    assert response.status_code == 200, page
    assert "No client &#39;No Such Client&#39; exists." in page
    # The second row would go over the pool's 5 seats: the seat rule refuses it on its line.
    assert page.count("mssp-import-error") == 2, page
    assert "seat" in page.split('data-line="3"')[1].split("</tr>")[0].lower()


def test_roles_that_may_not_add_cannot_import_and_the_button_shows_only_to_who_may(app, login_as):
    engineer = login_as("Engineer")
    assert engineer.get("/clientview/import/").status_code in (302, 403)
    assert "/clientview/import/" not in engineer.get("/clientview/list/").get_data(as_text=True)
    manager = login_as("Manager")
    assert "/clientview/import/" not in manager.get("/clientview/list/").get_data(as_text=True)
    am = login_as("Account Manager")
    assert 'href="/clientview/import/"' in am.get("/clientview/list/").get_data(as_text=True)


def test_template_csv_and_xlsx_upload(app, login_as):
    browser = login_as("Admin")
    template = browser.get("/serviceview/import/template/")
    assert template.status_code == 200
    lines = template.get_data(as_text=True).lstrip("\ufeff").splitlines()
    assert lines[0].startswith("Name,") and len(lines) == 2

    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["Company", "Status"])
    sheet.append(["Xlsx Import Ltd", "Active"])
    data = io.BytesIO()
    book.save(data)
    token = csrf_token(browser.get("/clientview/import/").get_data(as_text=True))
    response = browser.post(
        "/clientview/import/",
        data={"csrf_token": token, "confirm": "1", "file": (io.BytesIO(data.getvalue()), "clients.xlsx")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    assert "Xlsx Import Ltd" in names(app)


@pytest.mark.parametrize("rows", [5_001])
def test_a_big_file_is_refused_and_points_to_the_cli(app, login_as, rows):
    browser = login_as("Admin")
    body = "Company\n" + "".join(f"Big {i}\n" for i in range(rows))
    response = post_import(browser, "/clientview/import/", content=body)
    assert response.status_code == 413
    assert "flask mssp import client FILE" in response.get_data(as_text=True)


def test_rows_never_borrow_values_of_the_row_before(app, login_as):
    """One form checks every row: a column the file leaves out keeps each record's own value."""
    from app.extensions import db

    with app.app_context():
        first = make_client(db.session, "Own Data One", custom_client_specific_json_data={"tier": "one"})
        second = make_client(db.session, "Own Data Two", custom_client_specific_json_data={"tier": "two"})
        db.session.commit()
        ids = (first.id, second.id)
    browser = login_as("Admin")
    csv_text = f"id,Contact\n{ids[0]},Person One\n{ids[1]},Person Two\n,\n"
    response = post_import(browser, "/clientview/import/", content=csv_text, confirm="1")
    assert "2 were updated" in response.get_data(as_text=True)
    with app.app_context():
        one, two = (db.session.get(Client, key) for key in ids)
        assert (one.contact_name, one.custom_client_specific_json_data) == ("Person One", {"tier": "one"})
        assert (two.contact_name, two.custom_client_specific_json_data) == ("Person Two", {"tier": "two"})
    unchanged = post_import(browser, "/clientview/import/", content=csv_text)
    assert "0 would be updated, 2 unchanged" in unchanged.get_data(as_text=True)


def test_the_account_managers_row_filter_holds_for_an_import(app, login_as):
    """Report schedules are row-filtered for an account manager: an import can update the
    schedule of a client of theirs, never another team's (the row is refused, named)."""
    from app.extensions import db
    from app.models.reports import ReportSchedule
    from app.models.users import MsspUser
    from tests.conftest import ROLE_USERS
    from tests.factories import owned_client

    with app.app_context():
        me = db.session.scalars(select(MsspUser).where(MsspUser.email == ROLE_USERS["Account Manager"])).one()
        mine = owned_client(db.session, me, company_name="Row Filter Mine")
        theirs = make_client(db.session, "Row Filter Theirs")
        schedules = [ReportSchedule(client_id=mine.id), ReportSchedule(client_id=theirs.id)]
        db.session.add_all(schedules)
        db.session.commit()
        mine_id, theirs_id = (str(s.id) for s in schedules)
    browser = login_as("Account Manager")
    csv_text = f"id,day_of_month\n{mine_id},5\n{theirs_id},6\n"
    response = post_import(
        browser, "/reportscheduleview/import/", content=csv_text, confirm="1", skip_bad_rows="y"
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200, page
    assert f"No report schedule with id {theirs_id} that you may edit." in page
    assert "1 were updated" in page and "1 skipped (errors)" in page
    with app.app_context():
        days = {str(s.id): s.day_of_month for s in db.session.scalars(select(ReportSchedule))}
        assert (days[mine_id], days[theirs_id]) == (5, 1)


def test_an_account_manager_cannot_update_another_teams_client_by_import(app, login_as):
    from app.extensions import db
    from app.models.users import MsspUser
    from tests.conftest import ROLE_USERS
    from tests.factories import owned_client

    with app.app_context():
        me = db.session.scalars(select(MsspUser).where(MsspUser.email == ROLE_USERS["Account Manager"])).one()
        mine = owned_client(db.session, me, company_name="Team Mine Ltd")
        theirs = make_client(db.session, "Team Theirs Ltd", contact_name="Kept")
        db.session.commit()
        mine_id, theirs_id = str(mine.id), str(theirs.id)
    browser = login_as("Account Manager")
    csv_text = f"id,Contact\n{mine_id},Mine Changed\n{theirs_id},Theirs Changed\n"
    refused = post_import(browser, "/clientview/import/", content=csv_text, confirm="1")
    page = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert "Not one of your clients" in page
    # Unchanged rows of other teams' clients are fine: nothing would be written to them.
    same = post_import(browser, "/clientview/import/", content=f"id,Contact\n{theirs_id},Kept\n")
    assert "1 unchanged" in same.get_data(as_text=True)
    admin = login_as("Admin")
    done = post_import(admin, "/clientview/import/", content=csv_text, confirm="1")
    assert "2 were updated" in done.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Client, theirs.id).contact_name == "Theirs Changed"

"""The report schedule screen: its recipients (a PostgreSQL array) are edited as a list.

Was: the add and edit pages failed to render ("Column recipients Type not supported" and a
template error), so a schedule could only be made through the API or an import.
"""

from __future__ import annotations

import json

from sqlalchemy import select

from app.models.reports import ReportSchedule
from tests.conftest import csrf_token
from tests.factories import make_client
from tests.web.html import form_values


def test_an_admin_adds_and_edits_a_schedule_with_recipients_on_the_screen(app, db_connection, login_as):
    from app.extensions import db

    with app.app_context():
        client_id = make_client(db.session).id
        db.session.commit()
        db.session.remove()
    browser = login_as("Admin")
    page = browser.get("/reportscheduleview/add")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'name="recipients"' in html and "<textarea" not in html.split('name="recipients"')[0][-200:]
    form = {
        "csrf_token": csrf_token(html),
        "client": str(client_id),
        "enabled": "y",
        "frequency": "monthly",
        "day_of_month": "3",
        "recipients": json.dumps([" CISO@Client.example ", "it@client.example"]),
        "include_account_manager": "y",
    }
    response = browser.post("/reportscheduleview/add", data=form)
    assert response.status_code == 302, response.get_data(as_text=True)[-1500:]
    with app.app_context():
        schedule = db.session.scalars(
            select(ReportSchedule).where(ReportSchedule.client_id == client_id)
        ).one()
        assert schedule.recipients == ["ciso@client.example", "it@client.example"]
        schedule_id = schedule.id
        db.session.remove()

    edit = browser.get(f"/reportscheduleview/edit/{schedule_id}")
    assert edit.status_code == 200 and "ciso@client.example" in edit.get_data(as_text=True)
    refused = browser.post(
        f"/reportscheduleview/edit/{schedule_id}",
        data={
            **form_values(edit.get_data(as_text=True)),
            "recipients": '["not an address"]',
        },
    )
    assert refused.status_code == 200 and "is not an e-mail address" in refused.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(ReportSchedule, schedule_id).recipients == [
            "ciso@client.example",
            "it@client.example",
        ]
        db.session.remove()

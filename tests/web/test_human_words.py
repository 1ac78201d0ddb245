"""Human words on the screens (issue 19.4): metric names by label, document links clickable
(http/https only), SAF spelled out, booleans as Yes/No."""

from __future__ import annotations

from tests.web.html import list_rows


def set_document_link(app, contract_id: str, link: str) -> None:
    from app.extensions import db
    from app.models.contracts import Contract

    with app.app_context():
        contract = db.session.get(Contract, contract_id)
        contract.document_link = link
        db.session.commit()


def test_a_metric_name_shows_its_label_not_the_raw_name(api, world, login_as):
    body = {
        "metric_name": "endpoints_online_pct",
        "timestamp": "2026-02-01T08:00:00+00:00",
        "client_id": world["client"],
        "service_id": world["service"],
        "value": 97.5,
    }
    created = api("post", "/api/v1/service_metric/", body)
    assert created.status_code == 201, created.get_json()
    page = login_as("Manager").get("/servicemetricview/list/")
    assert page.status_code == 200
    rows = list_rows(page.get_data(as_text=True))
    metric_at = rows[0].index("Metric")
    assert "Endpoints online (%)" in {row[metric_at] for row in rows[1:]}
    assert "endpoints_online_pct" not in " ".join(" ".join(row) for row in rows)


def test_a_contract_document_link_is_clickable_and_opens_safely(app, world, login_as):
    set_document_link(app, world["contract"], "https://docs.example.com/contract.pdf")
    html = login_as("Manager").get(f"/contractview/show/{world['contract']}").get_data(as_text=True)
    assert (
        '<a href="https://docs.example.com/contract.pdf" target="_blank" rel="noopener noreferrer">' in html
    )


def test_a_javascript_document_link_is_never_made_clickable(app, world, login_as):
    set_document_link(app, world["contract"], "javascript:alert(1)")
    html = login_as("Manager").get(f"/contractview/show/{world['contract']}").get_data(as_text=True)
    assert "javascript:alert(1)" in html
    assert 'href="javascript:' not in html


def test_saf_is_spelled_out_on_the_scope_page(world, login_as):
    html = login_as("Manager").get(f"/servicescopeview/show/{world['scope']}").get_data(as_text=True)
    assert "SAF (Service Activation Form)" in html


def test_booleans_show_yes_or_no_on_the_service_list(world, login_as):
    rows = list_rows(login_as("Manager").get("/serviceview/list/").get_data(as_text=True))
    active_at = rows[0].index("Active")
    assert {row[active_at] for row in rows[1:]} <= {"Yes", "No"}
    assert all(cell not in ("True", "False") for row in rows[1:] for cell in row)


def test_the_users_list_shows_role_names_yes_no_and_times_to_the_minute(world, login_as):
    browser = login_as("Admin")
    rows = list_rows(browser.get("/users/list/").get_data(as_text=True))
    header, cells = rows[0], rows[1:]
    by_email = {row[header.index("Email")]: row for row in cells}
    admin = by_email["admin@test.example"]
    assert admin[header.index("Role")] == "Admin"
    assert (admin[header.index("Active")], admin[header.index("Locked")]) == ("Yes", "No")
    last_login = admin[header.index("Last login")]
    assert last_login.count(":") == 1 and "." not in last_login, last_login
    for row in cells:
        assert not any(cell in ("True", "False", "None") or cell.startswith("[") for cell in row), row


def test_enum_values_read_as_words_on_the_service_screens(world, login_as):
    browser = login_as("Admin")
    listing = browser.get("/serviceview/list/").get_data(as_text=True)
    form = browser.get("/serviceview/add").get_data(as_text=True)
    for html in (listing, form):
        assert "Co-managed" in html and "Co managed" not in html
        assert "CO_MANAGED" not in html
    assert "Self-service" in form and "On-site" in form


def test_a_users_page_shows_role_names_and_yes_no(app, world, login_as):
    from tests.conftest import ROLE_USERS

    with app.app_context():
        engineer_id = app.appbuilder.sm.find_user(email=ROLE_USERS["Engineer"]).id
    html = login_as("Admin").get(f"/users/show/{engineer_id}").get_data(as_text=True)
    assert "Engineer" in html and "[Engineer]" not in html
    assert ">True<" not in html and ">False<" not in html


def test_mrr_is_spelled_out_on_the_snapshot_list(world, login_as):
    html = login_as("Manager").get("/snapshotview/list/").get_data(as_text=True)
    assert "MRR (monthly recurring revenue)" in html

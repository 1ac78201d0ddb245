"""Bulk edit through the screens, as each role: select rows (or all matching the filter), set
fields, preview, apply; what changed, what was refused and why, the audit entries, and that
a refused record keeps every one of its old values."""

from __future__ import annotations

from datetime import date
from urllib.parse import urlencode

import pytest
from sqlalchemy import select

from app.models.audit import AuditEvent
from app.models.clients import Client, ClientStatus
from app.models.contracts import Contract, ContractStatus
from app.models.custom_fields import CustomFieldDefinition, CustomFieldEntity, CustomFieldType
from app.models.users import MsspUser
from app.web.bulk_edit import NOT_YOURS
from tests.conftest import ROLE_USERS, csrf_token
from tests.factories import make_client, make_contract, owned_client
from tests.web.html import text_of


@pytest.fixture
def bulk_world(app, db_connection) -> dict[str, str]:
    """Three clients (two of them the test account manager's) with a contract each, and a
    custom field "tier" on clients."""
    from app.extensions import db

    with app.app_context():
        session = db.session
        am = session.scalars(select(MsspUser).where(MsspUser.email == ROLE_USERS["Account Manager"])).one()
        mine_a = owned_client(session, am, company_name="Bulk Alpha", status=ClientStatus.PROSPECT)
        mine_b = owned_client(session, am, company_name="Bulk Bravo", status=ClientStatus.PROSPECT)
        other = make_client(session, company_name="Bulk Charlie", status=ClientStatus.PROSPECT)
        early = make_contract(session, mine_a, contract_name="Bulk early", start_date=date(2026, 1, 1))
        late = make_contract(
            session, mine_b, contract_name="Bulk late",
            start_date=date(2026, 9, 1), end_date=date(2027, 8, 31),
        )
        session.add(CustomFieldDefinition(
            entity_type=CustomFieldEntity.CLIENT, name="tier", label="Tier",
            field_type=CustomFieldType.SELECT, select_options=["gold", "silver"],
        ))
        session.commit()
        ids = {
            "alpha": mine_a.id, "bravo": mine_b.id, "charlie": other.id,
            "early": early.id, "late": late.id,
        }
        session.remove()
    return {k: str(v) for k, v in ids.items()}


def post_bulk(browser, url: str, step: str, fields: dict[str, str]):
    page = browser.get(url)
    assert page.status_code == 200, page.status_code
    data = {"csrf_token": csrf_token(page.get_data(as_text=True)), "step": step, **fields}
    data["bulk_set"] = [name for name in fields]
    return browser.post(url, data=data)


def client_state(app, key: str) -> tuple:
    from app.extensions import db

    with app.app_context():
        row = db.session.get(Client, key)
        state = (row.status, row.industry, dict(row.custom_field_data or {}), row.version)
        db.session.remove()
    return state


def bulk_audit(app, *keys: str) -> list[tuple[str, str]]:
    from app.extensions import db

    with app.app_context():
        rows = db.session.execute(
            select(AuditEvent.entity_id, AuditEvent.action).where(
                AuditEvent.entity_id.in_(keys), AuditEvent.action == "bulk_edit"
            )
        ).all()
        db.session.remove()
    return sorted((str(entity), action) for entity, action in rows)


def ids_url(view: str, *keys: str) -> str:
    return f"/{view}/bulk_edit/?" + urlencode([("id", key) for key in keys])


def test_admin_previews_then_applies_a_status_and_a_custom_field(app, admin_client, bulk_world):
    url = ids_url("clientview", bulk_world["alpha"], bulk_world["charlie"])
    page = admin_client.get(url).get_data(as_text=True)
    assert "You are editing 2 clients" in text_of(page)
    before = client_state(app, bulk_world["alpha"])

    preview = post_bulk(admin_client, url, "preview", {"status": "active", "cf_tier": "gold"})
    shown = text_of(preview.get_data(as_text=True))
    assert "Preview, nothing saved yet: 2 client(s) would change" in shown
    assert "Apply to 2 client(s)" in shown
    assert client_state(app, bulk_world["alpha"]) == before  # a preview writes nothing
    assert bulk_audit(app, bulk_world["alpha"], bulk_world["charlie"]) == []

    applied = post_bulk(admin_client, url, "apply", {"status": "active", "cf_tier": "gold"})
    assert applied.status_code == 200
    assert "2 client(s) changed" in text_of(applied.get_data(as_text=True))
    for key in (bulk_world["alpha"], bulk_world["charlie"]):
        status, industry, values, version = client_state(app, key)
        assert status is ClientStatus.ACTIVE and values == {"tier": "gold"}
    # The untouched field and the third client stay as they were.
    assert client_state(app, bulk_world["alpha"])[1] == before[1]
    assert client_state(app, bulk_world["bravo"])[0] is ClientStatus.PROSPECT
    assert bulk_audit(app, bulk_world["alpha"], bulk_world["charlie"]) == sorted(
        [(bulk_world["alpha"], "bulk_edit"), (bulk_world["charlie"], "bulk_edit")]
    )


def test_a_record_already_holding_the_values_is_counted_not_written(app, admin_client, bulk_world):
    url = ids_url("clientview", bulk_world["alpha"], bulk_world["bravo"])
    post_bulk(admin_client, url, "apply", {"status": "active"})
    version = client_state(app, bulk_world["alpha"])[3]
    again = post_bulk(admin_client, url, "apply", {"status": "active"})
    assert "0 client(s) changed, 2 already had these values" in text_of(again.get_data(as_text=True))
    assert client_state(app, bulk_world["alpha"])[3] == version


def test_a_refused_record_is_listed_with_its_reason_and_keeps_all_its_values(app, admin_client, bulk_world):
    # 2026-06-30 is before the late contract's start: refused by the contract rules, whole.
    url = ids_url("contractview", bulk_world["early"], bulk_world["late"])
    response = post_bulk(admin_client, url, "apply", {"status": "terminated", "end_date": "2026-06-30"})
    page = response.get_data(as_text=True)
    shown = text_of(page)
    assert "1 contract(s) changed" in shown and "1 refused (unchanged)" in shown
    refused = page[page.index("mssp-bulk-refused"):]
    assert "Bulk late" in text_of(refused)
    assert "The end date must be after the start date." in text_of(refused)
    from app.extensions import db

    with app.app_context():
        early = db.session.get(Contract, bulk_world["early"])
        late = db.session.get(Contract, bulk_world["late"])
        assert (early.status, early.end_date) == (ContractStatus.TERMINATED, date(2026, 6, 30))
        # Nothing half-written: the status (fine on its own) was not saved either.
        assert (late.status, late.end_date) == (ContractStatus.ACTIVE, date(2027, 8, 31))
        db.session.remove()
    assert bulk_audit(app, bulk_world["early"], bulk_world["late"]) == [(bulk_world["early"], "bulk_edit")]


def test_a_bad_value_is_refused_at_the_form_naming_the_field(app, admin_client, bulk_world):
    url = ids_url("clientview", bulk_world["alpha"])
    before = client_state(app, bulk_world["alpha"])
    response = post_bulk(admin_client, url, "apply", {"lead_score": "lots", "cf_tier": "platinum"})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    rows = {text_of(row).split(" ")[0]: row for row in page.split('<tr class="mssp-bulk-field">')[1:]}
    assert "alert-danger" in rows["Lead"] and 'value="lots"' in rows["Lead"]
    assert "alert-danger" in rows["Tier"]
    assert "mssp-bulk-report" not in page
    assert client_state(app, bulk_world["alpha"]) == before


def test_all_matching_the_filter_and_search(app, admin_client, bulk_world):
    list_page = admin_client.get("/clientview/list/?q=bulk").get_data(as_text=True)
    assert "Edit all 3 matching" in text_of(list_page)
    url = "/clientview/bulk_edit/?all=1&q=bulk"
    assert "You are editing 3 clients" in text_of(admin_client.get(url).get_data(as_text=True))
    applied = post_bulk(admin_client, url, "apply", {"industry": "Shipping"})
    assert "3 client(s) changed" in text_of(applied.get_data(as_text=True))
    assert {client_state(app, bulk_world[k])[1] for k in ("alpha", "bravo", "charlie")} == {"Shipping"}


def test_the_account_manager_changes_only_their_clients(app, account_manager_client, bulk_world):
    url = ids_url("clientview", bulk_world["alpha"], bulk_world["bravo"], bulk_world["charlie"])
    response = post_bulk(account_manager_client, url, "apply", {"status": "active"})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "2 client(s) changed" in text_of(page) and "1 refused" in text_of(page)
    refused = text_of(page[page.index("mssp-bulk-refused"):])
    assert "Bulk Charlie" in refused and NOT_YOURS in refused
    assert client_state(app, bulk_world["charlie"])[0] is ClientStatus.PROSPECT
    assert client_state(app, bulk_world["bravo"])[0] is ClientStatus.ACTIVE


@pytest.mark.parametrize("role", ["Manager", "Engineer"])
def test_roles_that_may_not_edit_clients_get_no_bulk_edit(login_as, bulk_world, role):
    browser = login_as(role)
    assert "Edit selected" not in browser.get("/clientview/list/").get_data(as_text=True)
    url = ids_url("clientview", bulk_world["alpha"])
    assert browser.get(url).status_code in (302, 403)
    response = browser.post(url, data={"step": "apply", "bulk_set": "status", "status": "active"})
    assert response.status_code in (302, 400, 403)


def test_the_engineer_bulk_edits_hardware_but_not_contracts(app, engineer_client, bulk_world):
    from app.extensions import db
    from app.models.hardware import AssetStatus, HardwareAsset
    from tests.factories import make_asset

    with app.app_context():
        assets = [make_asset(db.session), make_asset(db.session)]
        db.session.commit()
        keys = [str(a.id) for a in assets]
        db.session.remove()
    listing = engineer_client.get("/hardwareassetview/list/").get_data(as_text=True)
    assert "Edit selected" in listing
    target = AssetStatus.MAINTENANCE
    url = ids_url("hardwareassetview", *keys)
    response = post_bulk(engineer_client, url, "apply", {"status": target.value})
    assert "2 hardware asset(s) changed" in text_of(response.get_data(as_text=True))
    with app.app_context():
        assert {db.session.get(HardwareAsset, k).status for k in keys} == {target}
        db.session.remove()
    assert engineer_client.get(ids_url("contractview", bulk_world["early"])).status_code in (302, 403)


def test_an_unknown_id_and_a_malformed_one(admin_client, bulk_world):
    assert admin_client.get("/clientview/bulk_edit/?id=not-a-uuid").status_code == 400
    page = admin_client.get(
        ids_url("clientview", bulk_world["alpha"], "00000000-0000-0000-0000-000000000000")
    ).get_data(as_text=True)
    assert "You are editing 1 client" in text_of(page)
    assert "1 selected client(s) no longer exist" in text_of(page)


def test_nothing_ticked_changes_nothing(app, admin_client, bulk_world):
    url = ids_url("clientview", bulk_world["alpha"])
    page = admin_client.get(url).get_data(as_text=True)
    before = client_state(app, bulk_world["alpha"])
    response = admin_client.post(
        url, data={"csrf_token": csrf_token(page), "step": "apply", "status": "active"}, follow_redirects=True
    )
    assert "Tick the box of at least one field to change." in response.get_data(as_text=True)
    assert client_state(app, bulk_world["alpha"]) == before


def test_the_list_action_opens_the_page_with_the_ticked_rows(admin_client, bulk_world):
    page = admin_client.get("/clientview/list/?q=bulk").get_data(as_text=True)
    assert "edit_selected" in page  # "Actions > Edit selected" beside the row checkboxes
    response = admin_client.post("/clientview/action_post", data={
        "csrf_token": csrf_token(page), "action": "edit_selected",
        "rowid": [bulk_world["alpha"], bulk_world["bravo"]],
    })
    assert response.status_code == 302
    opened = admin_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "You are editing 2 clients" in text_of(opened)


def test_proposals_change_owner_in_bulk(app, admin_client, bulk_world):
    from app.extensions import db
    from app.models.contracts import Proposal, ProposalType
    from tests.factories import make_scope

    with app.app_context():
        session = db.session
        scope = make_scope(session, session.get(Contract, bulk_world["early"]))
        proposals = [
            Proposal(service_scope=scope, proposal_type=kind, currency="EUR") for kind in ProposalType
        ]
        session.add_all(proposals)
        session.commit()
        keys = [str(p.id) for p in proposals]
        owner = session.scalars(select(MsspUser).where(MsspUser.email == ROLE_USERS["Manager"])).one()
        owner_id = owner.id
        session.remove()
    response = post_bulk(admin_client, ids_url("proposalview", *keys), "apply", {"assignee": str(owner_id)})
    assert "2 proposal(s) changed" in text_of(response.get_data(as_text=True))
    with app.app_context():
        assert {db.session.get(Proposal, k).assignee_id for k in keys} == {owner_id}
        db.session.remove()


def test_every_bulk_editable_list_has_row_checkboxes_for_its_editors(admin_client, world):
    for view in ("clientview", "contractview", "proposalview", "licensepoolview", "hardwareassetview"):
        page = admin_client.get(f"/{view}/list/").get_data(as_text=True)
        assert "edit_selected_menu_item" in page, view
        assert 'id="check_all"' in page, view


def test_admin_hands_clients_over_to_another_account_manager(app, admin_client, bulk_world):
    from app.extensions import db
    from app.models.team import AssignmentRole, ClientTeamAssignment
    from tests.factories import make_user

    with app.app_context():
        newcomer = make_user(db.session, "Account Manager")
        db.session.commit()
        newcomer_id = newcomer.id
        db.session.remove()
    url = ids_url("clientview", bulk_world["alpha"], bulk_world["charlie"])
    response = post_bulk(admin_client, url, "apply", {"account_manager": str(newcomer_id)})
    assert "2 client(s) changed" in text_of(response.get_data(as_text=True))
    with app.app_context():
        holders = db.session.execute(
            select(ClientTeamAssignment.client_id, ClientTeamAssignment.user_id).where(
                ClientTeamAssignment.assignment_role == AssignmentRole.ACCOUNT_MANAGER,
                ClientTeamAssignment.client_id.in_([bulk_world["alpha"], bulk_world["charlie"]]),
            )
        ).all()
        db.session.remove()
    # The old account manager of Alpha is gone; Charlie had none and has the newcomer now.
    assert sorted((str(c), u) for c, u in holders) == sorted(
        [(bulk_world["alpha"], newcomer_id), (bulk_world["charlie"], newcomer_id)]
    )


def test_the_account_manager_field_needs_the_right_to_edit_team_assignments(
    account_manager_client, bulk_world
):
    page = account_manager_client.get(ids_url("clientview", bulk_world["alpha"])).get_data(as_text=True)
    assert "Status" in page and "Account manager" not in page

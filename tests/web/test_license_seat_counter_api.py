"""Through the REST API a pool's `assigned_seats` follows its assignments, and no client can write it."""

from __future__ import annotations

import pytest

from app.models.clients import Client
from app.models.licensing import LicensePool, LicenseType


@pytest.fixture
def world(app, db_connection) -> dict[str, str]:
    from app.extensions import db

    with app.app_context():
        client = Client(company_name="Counter API Corp")
        pools = [
            LicensePool(
                product_name=name, vendor="Counter", license_type=LicenseType.SUBSCRIPTION, total_seats=10
            )
            for name in ("EDR", "SIEM")
        ]
        db.session.add_all([client, *pools])
        db.session.commit()
        ids = {"client": str(client.id), "edr": str(pools[0].id), "siem": str(pools[1].id)}
        db.session.remove()
    return ids


def seats(api, pool: str) -> int:
    response = api("get", f"/api/v1/license_pool/{pool}")
    assert response.status_code == 200, response.get_json()
    return response.get_json()["result"]["assigned_seats"]


def test_assign_change_transfer_revoke_and_delete(world, api):
    created = api(
        "post",
        "/api/v1/client_license/",
        {"license_pool_id": world["edr"], "client_id": world["client"], "assigned_seats": 4},
    )
    assert created.status_code == 201, created.get_json()
    license_url = f"/api/v1/client_license/{created.get_json()['id']}"
    assert (seats(api, world["edr"]), seats(api, world["siem"])) == (4, 0)

    def put(body: dict) -> None:
        version = api("get", license_url).get_json()["result"]["version"]
        response = api("put", license_url, body | {"version": version})
        assert response.status_code == 200, response.get_json()

    put({"assigned_seats": 7})
    assert seats(api, world["edr"]) == 7
    put({"license_pool_id": world["siem"]})  # transfer
    assert (seats(api, world["edr"]), seats(api, world["siem"])) == (0, 7)
    put({"status": "revoked"})
    assert seats(api, world["siem"]) == 0
    put({"status": "active", "assigned_seats": 2})
    assert seats(api, world["siem"]) == 2
    assert api("delete", license_url).status_code == 200
    assert seats(api, world["siem"]) == 0


def test_a_refused_assignment_changes_no_counter(world, api):
    refused = api(
        "post",
        "/api/v1/client_license/",
        {"license_pool_id": world["edr"], "client_id": world["client"], "assigned_seats": 11},
    )
    assert refused.status_code == 422, refused.get_json()
    assert seats(api, world["edr"]) == 0


def test_the_counter_cannot_be_written_through_the_api(world, api):
    version = api("get", f"/api/v1/license_pool/{world['edr']}").get_json()["result"]["version"]
    response = api("put", f"/api/v1/license_pool/{world['edr']}", {"assigned_seats": 9, "version": version})
    assert 400 <= response.status_code < 500, response.get_json()
    created = api(
        "post",
        "/api/v1/license_pool/",
        {
            "product_name": "NDR",
            "vendor": "Counter",
            "license_type": "term",
            "total_seats": 5,
            "assigned_seats": 5,
        },
    )
    assert 400 <= created.status_code < 500, created.get_json()
    assert seats(api, world["edr"]) == 0

"""30 parallel REST writes through gunicorn as `make run` serves it (2 workers x 4 threads).

A resource and its marshmallow schemas are shared by every thread of a worker; a schema
that kept the instance being loaded on itself made parallel PUTs write into each other's
records, insert copies and move licenses between clients. Every record must end exactly
as its own request asked, a PUT never inserts a row, the same-version race has one winner
and 409s, and the audit log records each change against the record that was named.
"""

from __future__ import annotations

import os
import threading
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import Any

import psycopg2
import pytest
import requests

from tests.live_server import ADMIN_EMAIL, ADMIN_PASSWORD, serve

PARALLEL = 30
API = "/api/v1"
DATABASE = f"mssp_parallel_{os.getpid()}"


@pytest.fixture(scope="module")
def live() -> Iterator[str]:
    with serve(DATABASE, log_name="parallel-writes-gunicorn") as base_url:
        yield base_url


@pytest.fixture(scope="module")
def headers(live: str) -> dict[str, str]:
    response = requests.post(
        f"{live}{API}/security/login",
        json={"username": ADMIN_EMAIL, "password": ADMIN_PASSWORD, "provider": "db"},
        timeout=30,
    )
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


@pytest.fixture(scope="module")
def database() -> Iterator[Any]:
    from app.db.embedded import start_embedded_server
    from config import config_for

    server = start_embedded_server(config_for("testing").MSSP_INSTANCE_DIR)
    connection = psycopg2.connect(server.get_uri(DATABASE))
    connection.autocommit = True
    yield connection
    connection.close()


def rows(database, sql: str, *params: Any) -> list[tuple]:
    with database.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def all_at_once(calls: list[Callable[[], requests.Response]]) -> list[requests.Response]:
    """Run the calls in parallel threads released together by a barrier; answers in order."""
    barrier = threading.Barrier(len(calls))

    def run(call: Callable[[], requests.Response]) -> requests.Response:
        barrier.wait(timeout=60)
        return call()

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(run, calls))


def codes(answers: list[requests.Response]) -> Counter:
    return Counter(answer.status_code for answer in answers)


def texts(answers: list[requests.Response]) -> Counter:
    """The answers other than 2xx, for an assertion's message."""
    return Counter(f"{a.status_code}: {a.text[:160]}" for a in answers if a.status_code >= 300)


def count(database, table: str, where: str = "TRUE", *params: Any) -> int:
    return rows(database, f"SELECT count(*) FROM {table} WHERE {where}", *params)[0][0]


class Rest:
    def __init__(self, base_url: str, headers: dict[str, str]) -> None:
        self.base_url, self.headers = base_url, headers

    def __call__(self, method: str, path: str, body: Any = None) -> requests.Response:
        return requests.request(
            method, f"{self.base_url}{API}/{path}", json=body, headers=self.headers, timeout=120
        )

    def created(self, path: str, body: dict[str, Any]) -> str:
        response = self("POST", path, body)
        assert response.status_code == 201, response.text
        return response.json()["id"]

    def parallel(self, method: str, requests_: list[tuple[str, Any]]) -> list[requests.Response]:
        """The (path, body) requests sent together; answers in order."""
        return all_at_once([partial(self, method, path, body) for path, body in requests_])

    def get(self, path: str) -> dict[str, Any]:
        response = self("GET", path)
        assert response.status_code == 200, response.text
        return response.json()


@pytest.fixture(scope="module")
def rest(live: str, headers: dict[str, str]) -> Rest:
    return Rest(live, headers)


def ids(records: list[dict[str, Any]]) -> list[str]:
    return [record["id"] for record in records]


def new_clients(rest: Rest, count: int, tag: str) -> list[str]:
    return [
        rest.created("client/", {"company_name": f"{tag} {n:02d}", "status": "active", "currency": "EUR"})
        for n in range(count)
    ]


@pytest.fixture(scope="module")
def licenses(rest: Rest) -> list[dict[str, Any]]:
    """30 client licenses of 2 seats, each for its own client, in one pool of 10,000 seats."""
    pool = rest.created(
        "license_pool/",
        {"product_name": "Parallel EDR", "vendor": "Acme", "license_type": "subscription",
         "total_seats": 10000, "currency": "EUR"},
    )
    clients = new_clients(rest, PARALLEL, "Licensee")
    return [
        {"id": rest.created("client_license/", {"license_pool_id": pool, "client_id": client,
                                                "assigned_seats": 2}),
         "client_id": client, "pool": pool}
        for client in clients
    ]


def test_parallel_puts_of_distinct_licenses_each_change_only_their_own_record(rest, licenses, database):
    for round_number in range(3):
        versions = {key: rest.get(f"client_license/{key}")["result"]["version"] for key in ids(licenses)}
        wanted = {lic["id"]: 3 + round_number * PARALLEL + n for n, lic in enumerate(licenses)}
        answers = rest.parallel("PUT", [
            (f"client_license/{key}", {"assigned_seats": wanted[key], "version": versions[key]})
            for key in wanted
        ])
        assert codes(answers) == {200: PARALLEL}, texts(answers)
        for lic, answer in zip(licenses, answers, strict=True):
            stored = rest.get(f"client_license/{lic['id']}")["result"]
            assert answer.json()["result"]["assigned_seats"] == wanted[lic["id"]]
            assert stored["assigned_seats"] == wanted[lic["id"]]
            assert stored["client_id"] == lic["client_id"], "a license moved to another client"
        assert count(database, "client_licenses") == PARALLEL, "a PUT inserted a row"
        pool = licenses[0]["pool"]
        pool_seats = rows(database, "SELECT assigned_seats FROM license_pools WHERE id = %s", pool)[0][0]
        assert pool_seats == sum(wanted.values())

    # The audit log names each change against its own record, once per save.
    for lic in licenses:
        changes = rows(
            database,
            "SELECT changes -> 'assigned_seats' ->> 'new' FROM audit_event"
            " WHERE entity_type = 'client_license' AND entity_id = %s AND operation = 'update'"
            " ORDER BY occurred_at",
            lic["id"],
        )
        n = licenses.index(lic)
        assert [int(c[0]) for c in changes] == [3 + r * PARALLEL + n for r in range(3)]


def test_parallel_unchanged_saves_insert_nothing(rest, licenses, database):
    current = {lic["id"]: rest.get(f"client_license/{lic['id']}") for lic in licenses}
    answers = rest.parallel("PUT", [
        (f"client_license/{key}",
         {"assigned_seats": now["result"]["assigned_seats"], "version": now["result"]["version"]})
        for key, now in current.items()
    ])
    assert codes(answers) == {200: PARALLEL}, texts(answers)
    assert count(database, "client_licenses") == PARALLEL
    for lic in licenses:
        stored = rest.get(f"client_license/{lic['id']}")["result"]
        assert stored == current[lic["id"]]["result"]


def test_same_version_race_has_one_winner_and_409s(rest, licenses, database):
    target = licenses[0]["id"]
    before = rest.get(f"client_license/{target}")
    answers = rest.parallel("PUT", [
        (f"client_license/{target}", {"assigned_seats": 500 + n, "version": before["result"]["version"]})
        for n in range(PARALLEL)
    ])
    assert codes(answers) == {200: 1, 409: PARALLEL - 1}, texts(answers)
    winner = next(n for n, a in enumerate(answers) if a.status_code == 200)
    after = rest.get(f"client_license/{target}")
    assert after["result"]["assigned_seats"] == 500 + winner
    assert after["result"]["version"] == before["result"]["version"] + 1
    assert count(database, "client_licenses") == PARALLEL


def test_parallel_client_edits_neither_copy_nor_cross(rest, database):
    clients = new_clients(rest, PARALLEL, "Renamed")
    before = count(database, "clients")
    versions = {key: rest.get(f"client/{key}")["result"]["version"] for key in clients}
    answers = rest.parallel("PUT", [
        (f"client/{key}",
         {"company_name": f"Renamed {n:02d} GmbH", "notes": f"note {n}", "version": versions[key]})
        for n, key in enumerate(clients)
    ])
    assert codes(answers) == {200: PARALLEL}, texts(answers)
    for n, key in enumerate(clients):
        stored = rest.get(f"client/{key}")["result"]
        assert (stored["company_name"], stored["notes"]) == (f"Renamed {n:02d} GmbH", f"note {n}")
    assert count(database, "clients") == before


def test_parallel_posts_create_exactly_what_was_sent(rest, database):
    tag = uuid.uuid4().hex[:8]
    answers = rest.parallel("POST", [
        ("client/",
         {"company_name": f"Posted {tag} {n:02d}", "status": "active", "currency": "USD", "lead_score": n})
        for n in range(PARALLEL)
    ])
    assert codes(answers) == {201: PARALLEL}, texts(answers)
    for n, answer in enumerate(answers):
        stored = rest.get(f"client/{answer.json()['id']}")["result"]
        assert (stored["company_name"], stored["lead_score"]) == (f"Posted {tag} {n:02d}", n)
    assert len({a.json()["id"] for a in answers}) == PARALLEL

    body = {"company_name": f"Only once {tag}", "status": "active", "currency": "EUR"}
    same_name = rest.parallel("POST", [("client/", body)] * PARALLEL)
    assert codes(same_name) == {201: 1, 422: PARALLEL - 1}, texts(same_name)
    assert count(database, "clients", "company_name = %s", body["company_name"]) == 1


def test_parallel_deletes_remove_exactly_what_was_named(rest, database):
    clients = new_clients(rest, PARALLEL + 1, "Deleted")
    keep, doomed = clients[0], clients[1:]
    before = count(database, "clients")
    answers = rest.parallel("DELETE", [(f"client/{key}", None) for key in doomed])
    assert codes(answers) == {200: PARALLEL}, texts(answers)
    assert count(database, "clients") == before - PARALLEL
    assert rest("GET", f"client/{keep}").status_code == 200

    same = rest.parallel("DELETE", [(f"client/{keep}", None)] * PARALLEL)
    assert codes(same) == {200: 1, 404: PARALLEL - 1}, texts(same)
    assert count(database, "clients") == before - PARALLEL - 1

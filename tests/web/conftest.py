"""Fixtures of the screen and API tests."""

from __future__ import annotations

import pytest

from tests.factories import build_world


@pytest.fixture
def world(app, db_connection) -> dict[str, str]:
    """One record of every entity (`tests.factories.build_world`): name -> id.

    A module that needs more overrides it with a `world(world)` fixture that adds to this one.
    """
    return build_world(app)


@pytest.fixture
def api(app, db_connection):
    """A REST caller with the Admin's JWT: api("post", "/api/v1/client/", {...})."""
    from tests.conftest import ROLE_USERS
    from tests.web.auth_helpers import api_token, bearer

    browser = app.test_client()
    headers = bearer(api_token(browser, ROLE_USERS["Admin"]))

    def call(method: str, url: str, body: dict | None = None):
        return getattr(browser, method)(url, json=body, headers=headers)

    return call

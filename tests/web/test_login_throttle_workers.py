"""The login throttle means its figure with gunicorn's 2 workers (issue 26 item 4).

With the default memory:// storage each worker counts on its own; each applies its share
of MSSP_LOGIN_RATE_LIMIT (app.security.rate_limits), so an address gets at most the
configured number of attempts whichever worker answers. gunicorn prints which applies.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterator

import pytest
import requests

from app.security.rate_limits import login_throttle_summary, process_share, workers_counting_apart
from tests.live_server import LOGS, serve

LIMIT = 10
DATABASE = f"mssp_throttle_{os.getpid()}"


@pytest.mark.parametrize(
    ("limit", "processes", "share"),
    [
        ("10 per minute", 1, "10 per minute"),
        ("10 per minute", 2, "5 per 1 minute"),
        ("10 per minute", 3, "3 per 1 minute"),
        ("10 per minute", 20, "1 per 1 minute"),
        ("10 per minute; 100 per hour", 4, "2 per 1 minute; 25 per 1 hour"),
    ],
)
def test_each_worker_takes_its_share(limit, processes, share):
    assert process_share(limit, processes) == share


def test_shared_storage_counts_once():
    config = {"MSSP_LOGIN_RATE_LIMIT": "10 per minute", "MSSP_WEB_WORKERS": 2,
              "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/0"}
    assert workers_counting_apart(config) == 1
    assert "once for all workers" in login_throttle_summary(config)
    config["RATELIMIT_STORAGE_URI"] = "memory://"
    assert workers_counting_apart(config) == 2
    assert "each of 2 workers as 5 per 1 minute" in login_throttle_summary(config)


@pytest.fixture(scope="module")
def live() -> Iterator[str]:
    with serve(DATABASE, log_name="throttle-gunicorn",
               environment={"MSSP_LOGIN_RATE_LIMIT": f"{LIMIT} per minute"}) as base_url:
        yield base_url


def test_two_workers_let_through_at_most_the_configured_number(live):
    answers = Counter()
    for attempt in range(3 * LIMIT):
        # A new connection each time, so the attempts spread over both workers.
        response = requests.post(
            f"{live}/api/v1/security/login",
            json={"username": f"nobody-{attempt}@example.com", "password": "wrong", "provider": "db"},
            headers={"Connection": "close"},
            timeout=30,
        )
        answers[response.status_code] += 1
    let_through = sum(count for status, count in answers.items() if status != 429)
    assert LIMIT // 2 <= let_through <= LIMIT, answers
    assert answers[429] >= 2 * LIMIT, answers
    log = (LOGS / "throttle-gunicorn.log").read_text()
    assert "Login throttle: 10 per minute per client address, counted by each of 2 workers" in log

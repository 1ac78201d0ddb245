"""The report as a PDF (when the engine is installed): it opens, has pages, and carries the
client's name and SLA figures in its text; without the engine the page says what to install."""

from __future__ import annotations

import io

import pytest

from tests.web.test_client_reports import ACCOUNT_MANAGER, MANAGER, fixed_today, world  # noqa: F401


@pytest.fixture
def engine():
    from app.services.reports.pdf import pdf_engine_problem

    problem = pdf_engine_problem()
    if problem:
        pytest.skip(f"PDF engine not installed: {problem}")


def test_the_pdf_opens_and_carries_the_clients_name_and_sla_figures(login_as, world, engine):  # noqa: F811
    pypdf = pytest.importorskip("pypdf")
    response = login_as(ACCOUNT_MANAGER).get(f"/clients/{world['alpha']}/report.pdf?period=2026-05")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"].endswith('.pdf"')
    reader = pypdf.PdfReader(io.BytesIO(response.data))
    assert 2 <= len(reader.pages) <= 8
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert "Alpha Test GmbH" in text and "May 2026" in text
    assert "50.00 %" in text and "P1 time to acknowledge" in text
    assert "Account manager's notes" in text


def test_another_teams_pdf_is_403(login_as, world, engine):  # noqa: F811
    assert (
        login_as(ACCOUNT_MANAGER).get(f"/clients/{world['beta']}/report.pdf?period=2026-05").status_code
        == 403
    )


def test_without_the_engine_the_page_says_what_to_install(login_as, world, monkeypatch):  # noqa: F811
    monkeypatch.setattr("app.services.reports.pdf.chromium_path", lambda: None)
    browser = login_as(MANAGER)
    html = browser.get(f"/clients/{world['alpha']}/report?period=2026-05").get_data(as_text=True)
    assert 'id="report-pdf-missing"' in html and "apt-get install chromium" in html
    response = browser.get(f"/clients/{world['alpha']}/report.pdf?period=2026-05")
    assert response.status_code == 503 and "apt-get install chromium" in response.get_data(as_text=True)
    assert browser.get(f"/clients/{world['alpha']}/report.csv?period=2026-05").status_code == 200

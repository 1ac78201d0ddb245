"""Reports > Branding (issue 21.1): an Admin sets the MSSP's name, colours, footer and logo;
the next report carries them; bad input is refused naming the field, nothing changed; only
Admins open the screen."""

from __future__ import annotations

import base64
import io

from app.models.reports import ReportBranding
from tests.conftest import csrf_token
from tests.factories import fetch

URL = "/reports/branding/"
#: A 1x1 transparent PNG.
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII="
)


def post(browser, logo: tuple[bytes, str] | None = None, **values):
    token = csrf_token(browser.get(URL).get_data(as_text=True))
    data = {
        "csrf_token": token,
        "company_name": "Orbit Secure GmbH",
        "primary_colour": "#112233",
        "accent_colour": "#aabbcc",
        "footer": "Orbit Secure GmbH · Confidential",
        **values,
    }
    if logo is not None:
        data["logo"] = (io.BytesIO(logo[0]), logo[1])
    return browser.post(URL, data=data, content_type="multipart/form-data")


def test_an_admin_sets_the_branding_and_the_report_carries_it(app, admin_client, world):
    page = admin_client.get(URL)
    assert page.status_code == 200 and "MSSP name" in page.get_data(as_text=True)
    saved = post(admin_client, logo=(PNG, "logo.png"))
    assert saved.status_code == 302, saved.get_data(as_text=True)[:500]
    columns = ("company_name", "primary_colour", "accent_colour", "logo_content_type")
    stored = fetch(app, ReportBranding, 1, *columns)
    assert stored == ("Orbit Secure GmbH", "#112233", "#AABBCC", "image/png")
    report = admin_client.get(f"/clients/{world['client']}/report?period=2026-01").get_data(as_text=True)
    assert "Orbit Secure GmbH" in report
    assert "Orbit Secure GmbH · Confidential" in report
    assert "#112233" in report
    assert "data:image/png;base64," in report
    # Saving again without a file keeps the logo; "remove" takes it away.
    assert post(admin_client).status_code == 302
    assert fetch(app, ReportBranding, 1, "logo_content_type") == ("image/png",)
    assert post(admin_client, remove_logo="y").status_code == 302
    assert fetch(app, ReportBranding, 1, "logo_content_type") == (None,)


def test_bad_branding_is_refused_naming_the_field_and_nothing_changes(app, admin_client, world):
    assert post(admin_client).status_code == 302
    cases = [
        ({"primary_colour": "blue"}, None, "A colour as #RRGGBB"),
        ({"company_name": "   "}, None, "The MSSP&#39;s name is required."),
        ({}, (b"GIF89a....", "logo.gif"), "The logo must be a PNG, JPEG or SVG image."),
        ({}, (b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', "x.svg"),
         "contains scripts"),
        ({}, (PNG + b"0" * 600_000, "big.png"), "at most 512 KB"),
    ]
    for values, logo, message in cases:
        refused = post(admin_client, logo=logo, **{"company_name": "Changed name", **values})
        body = refused.get_data(as_text=True)
        assert refused.status_code == 422 and message in body, (values, body[:300])
        if "company_name" not in values:
            assert 'value="Changed name"' in body, "the form keeps what was typed"
        unchanged = fetch(app, ReportBranding, 1, "company_name", "primary_colour")
        assert unchanged == ("Orbit Secure GmbH", "#112233")


def test_only_admins_open_the_branding_screen(login_as, world):
    for role in ("Manager", "Account Manager", "Engineer"):
        browser = login_as(role)
        assert browser.get(URL).status_code in (302, 403), role
        assert post_denied(browser), role


def post_denied(browser) -> bool:
    response = browser.post(URL, data={"company_name": "Hijack"})
    return response.status_code in (302, 400, 403)

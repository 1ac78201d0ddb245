"""Changing a definition rewrites stored values through the ORM: the History of every affected
record shows the rewrite (rename, removal, back-filled default), by whom and under which action."""

from __future__ import annotations

import re

from app.models.custom_fields import CustomFieldType
from tests.web.test_custom_fields_http import add_client, define

T = CustomFieldType


def history_rows(admin_client, client_key: str, action: str) -> list[str]:
    page = admin_client.get(f"/clientview/show/{client_key}").get_data(as_text=True)
    tab = page[page.index('id="History"') :]
    return re.findall(rf'<tr class="mssp-history-entry" data-action="{action}">(.*?)</tr>', tab, re.S)


def definition_version(api, key: str) -> int:  # noqa: F811
    return api("get", f"/api/v1/custom_field/{key}").get_json()["result"]["version"]


def test_renaming_a_field_shows_in_the_history_of_each_record(app, api, admin_client):  # noqa: F811
    (key,) = define(app, {"name": "po", "field_type": T.TEXT})
    holder, other = add_client(app, "Holder", po="PO-1"), add_client(app, "Other")
    changed = api(
        "put",
        f"/api/v1/custom_field/{key}",
        {"name": "purchase_order", "version": definition_version(api, key)},
    )
    assert changed.status_code == 200, changed.get_json()
    (row,) = history_rows(admin_client, holder, "custom_field_rename")
    assert (
        'data-field="custom_field_data.po"' in row and 'data-field="custom_field_data.purchase_order"' in row
    )
    assert "admin@test.example" in row and "PO-1" in row
    assert history_rows(admin_client, other, "custom_field_rename") == []


def test_deleting_a_field_shows_the_removed_value_in_the_history(app, api, admin_client):  # noqa: F811
    (key,) = define(app, {"name": "tier", "field_type": T.TEXT})
    holder = add_client(app, "Tiered", tier="gold")
    assert api("delete", f"/api/v1/custom_field/{key}?confirm=true").status_code == 200
    (row,) = history_rows(admin_client, holder, "custom_field_remove")
    assert 'data-field="custom_field_data.tier"' in row and "gold" in row


def test_a_back_filled_default_shows_in_the_history(app, api, admin_client):  # noqa: F811
    (key,) = define(app, {"name": "ref", "field_type": T.TEXT})
    lacking, having = add_client(app, "Lacking"), add_client(app, "Having", ref="R1")
    body = {"required": True, "default_value": "UNKNOWN", "version": definition_version(api, key)}
    assert api("put", f"/api/v1/custom_field/{key}", body).status_code == 200
    (row,) = history_rows(admin_client, lacking, "custom_field_backfill")
    assert 'data-field="custom_field_data.ref"' in row and "UNKNOWN" in row
    assert history_rows(admin_client, having, "custom_field_backfill") == []


def test_a_form_opened_before_a_rename_cannot_save_over_it(app, api, admin_client):  # noqa: F811
    from tests.web.html import form_values
    from tests.web.test_custom_fields_http import stored_values

    (key,) = define(app, {"name": "po", "field_type": T.TEXT})
    holder = add_client(app, "Stale Holder", po="PO-1")
    opened = form_values(admin_client.get(f"/clientview/edit/{holder}").get_data(as_text=True))
    body = {"name": "purchase_order", "version": definition_version(api, key)}
    assert api("put", f"/api/v1/custom_field/{key}", body).status_code == 200
    opened["industry"] = "Changed meanwhile"
    refused = admin_client.post(f"/clientview/edit/{holder}", data=opened)
    assert refused.status_code == 200 and "Someone else changed this record" in refused.get_data(as_text=True)
    assert stored_values(app, "Stale Holder") == {"purchase_order": "PO-1"}

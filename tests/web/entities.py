"""Every entity's screen and REST resource, as a table: a row here gives an entity the generic
tests of test_crud.py (list, show, add, edit, delete, CSV, REST) and test_permission_matrix.py
(every role x every operation: allowed or 403), like NetBox's view test cases.

`key` names the entity's record in the `world` fixture (tests.factories.build_world). `copy`
holds the values that make a copy of that record valid next to it (its unique columns):
the add tests post the record's own form / JSON with these changes, then delete the copy.
`copy=None`: the entity cannot be added beside its world record that way (said why).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Entity:
    screen: str  # route base of the screen: /<screen>/list/
    resource: str | None  # /api/v1/<resource>/ (None: no REST resource)
    group: str  # the permission group of issue 4's role table
    key: str  # its record in the world
    copy: dict[str, Any] | None = None
    #: What a REST delete adds to its URL (a custom field's delete asks for confirmation).
    delete_query: str = ""


ENTITIES = (
    Entity("clientview", "client", "clients", "client", {"company_name": "Copy Client Ltd"}),
    # Only a draft contract can be deleted.
    Entity("contractview", "contract", "clients", "contract", {"contract_name": "Copy", "status": "draft"}),
    # The world's contract is active, and the scopes of an active contract are kept (never deleted).
    Entity("servicescopeview", "service_scope", "clients", "scope", None),
    Entity("proposalview", "proposal", "clients", "proposal", {"document_version": 2}),
    Entity("serviceview", "service", "catalog", "service", {"name": "Copy SIEM"}),
    Entity("licensepoolview", "license_pool", "assets", "pool", {"product_name": "Copy EDR"}),
    Entity("clientlicenseview", "client_license", "assets", "license", {"assigned_seats": 1}),
    Entity("hardwareassetview", "hardware_asset", "assets", "asset",
           {"asset_tag": "COPY-1", "serial_number": "COPY-SN-1", "status": "in_stock"}),
    # An asset has one open assignment: a copy of the world's would be refused.
    Entity("hardwareassignmentview", "hardware_assignment", "assets", "assignment", None),
    Entity("transactionview", "financial_transaction", "finance", "transaction", {"description": "Copy"}),
    Entity("teamassignmentview", "team_assignment", "team", "team", {"assignment_role": "engineer"}),
    Entity("slametricview", "sla_metric", "operations", "sla", {"metric_name": "Copy availability"}),
    Entity("ticketview", "ticket_summary", "operations", "ticket", {"external_key": "COPY-1"}),
    Entity("servicemetricview", "service_metric", "operations", "metric", {"metric_name": "copy_metric"}),
    # Snapshots are written by the daily job only: no add form, no resource.
    Entity("snapshotview", None, "operations", "snapshot", None),
    Entity(
        "customfieldview", "custom_field", "admin", "custom_field", {"name": "copy_field", "label": "Copy"},
        delete_query="?confirm=true",
    ),
)

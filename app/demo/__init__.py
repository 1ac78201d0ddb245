"""The demo data set: fixed tables (`catalog`) and the builders that turn them into rows.

`seed_business_data` runs the builders in dependency order; `app.demo.seed`
adds the demo users and the idempotency check around it.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime

from sqlalchemy.orm import Session

from app.demo import finance, operations, reconciliation, sales, setup
from app.demo.context import DemoContext
from app.models.users import MsspUser

#: Every kind the builders create, so that a run that creates nothing still reports each one.
DEMO_KINDS = (
    "clients",
    "services",
    "contracts",
    "service_scopes",
    "proposals",
    "team_assignments",
    "license_pools",
    "client_licenses",
    "hardware_assets",
    "hardware_assignments",
    "financial_transactions",
    "sla_metrics",
    "ticket_summaries",
    "service_performance_metrics",
    "subscription_snapshots",
    "data_sources",
    "data_source_queries",
    "client_source_mappings",
    "custom_field_definitions",
)

BUILDERS = (
    sales.add_services,
    sales.add_clients,
    sales.add_team_assignments,
    sales.add_contracts,
    sales.add_proposals,
    operations.add_license_pools,
    operations.add_client_licenses,
    operations.add_hardware_assets,
    operations.add_hardware_assignments,
    operations.add_sla_metrics,
    operations.add_tickets,
    finance.add_transactions,
    finance.add_snapshots,
    setup.add_custom_fields,
    setup.add_data_sources,
    operations.add_performance_metrics,
    # Last: it draws nothing from the seeded generator, so the rest of the demo stays the same.
    reconciliation.add_reconciliation_cases,
)


def seed_business_data(session: Session, team: dict[str, MsspUser], now: datetime) -> Counter[str]:
    """Add the whole demo business to `session` (not committed); return created counts per kind."""
    ctx = DemoContext(session=session, now=now, team=team)
    for build in BUILDERS:
        build(ctx)
    session.flush()
    return ctx.counts

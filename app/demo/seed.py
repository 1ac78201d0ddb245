"""Demo data that makes every screen worth looking at. Idempotent."""

from __future__ import annotations

from datetime import UTC, datetime

from flask_appbuilder import AppBuilder
from sqlalchemy import select

from app.demo import DEMO_KINDS, seed_business_data
from app.demo.catalog import DEMO_COMPANIES
from app.demo.reconciliation import refresh_demo_reconciliation
from app.extensions import db
from app.models.clients import Client
from app.services.accounts.roles import ACCOUNT_MANAGER, ENGINEER, MANAGER
from app.services.accounts.users import create_user

DEMO_PASSWORD = "demo-password-2026"

DEMO_USERS = (
    ("manager@mssp.example", "Maria", "Manager", MANAGER),
    ("am@mssp.example", "Alex", "Account", ACCOUNT_MANAGER),
    ("am2@mssp.example", "Sam", "Seller", ACCOUNT_MANAGER),
    ("engineer@mssp.example", "Eli", "Engineer", ENGINEER),
)


def seed_demo_data(appbuilder: AppBuilder) -> dict[str, int]:
    """Create what is missing of the demo data set; return created counts per kind.

    Users are created one by one when missing. The business data (clients,
    contracts, money, metrics...) is created in one transaction, only when the
    demo's first client does not exist yet: a second run creates nothing.
    """
    created = {"users": _seed_users(appbuilder)}
    counts = dict.fromkeys(DEMO_KINDS, 0)
    if not demo_business_exists():
        team = {email: appbuilder.sm.find_user(email=email) for email, *_ in DEMO_USERS}
        now = datetime.now(UTC)
        counts.update(seed_business_data(db.session, team, now))
        db.session.commit()
        # The reconciliation pages read a derived rollup: fill it now, not at the scheduler's next run.
        refresh_demo_reconciliation(now.date())
    return created | counts


def demo_business_exists() -> bool:
    """Whether the demo's marker client (the first demo company) is in the database."""
    marker = DEMO_COMPANIES[0].name
    return db.session.scalar(select(Client.id).where(Client.company_name == marker)) is not None


def _seed_users(appbuilder: AppBuilder) -> int:
    created = 0
    for email, first, last, role in DEMO_USERS:
        if appbuilder.sm.find_user(email=email) is None:
            create_user(appbuilder, email, DEMO_PASSWORD, first, last, role)
            created += 1
    return created

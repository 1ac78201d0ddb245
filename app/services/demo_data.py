"""Demo data that makes every screen worth looking at. Idempotent."""

from __future__ import annotations

from flask_appbuilder import AppBuilder

from app.security.roles import ACCOUNT_MANAGER, ENGINEER, MANAGER
from app.services.users import create_user

DEMO_PASSWORD = "demo-password-2026"

DEMO_USERS = (
    ("manager@mssp.example", "Maria", "Manager", MANAGER),
    ("am@mssp.example", "Alex", "Account", ACCOUNT_MANAGER),
    ("am2@mssp.example", "Sam", "Seller", ACCOUNT_MANAGER),
    ("engineer@mssp.example", "Eli", "Engineer", ENGINEER),
)


def seed_demo_data(appbuilder: AppBuilder) -> dict[str, int]:
    """Create what is missing of the demo data set; return created counts per kind."""
    created = 0
    for email, first, last, role in DEMO_USERS:
        if appbuilder.sm.find_user(email=email) is None:
            create_user(appbuilder, email, DEMO_PASSWORD, first, last, role)
            created += 1
    return {"users": created}

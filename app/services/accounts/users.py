"""Creating people: the first admin and the demo team."""

from __future__ import annotations

from flask_appbuilder import AppBuilder

from app.errors import ValidationFailed
from app.services.accounts.passwords import check_password


def create_user(
    appbuilder: AppBuilder, email: str, password: str, first_name: str, last_name: str, role_name: str
):
    """Create an active user with one role; refuses a bad password or a taken email."""
    sm = appbuilder.sm
    email = email.strip().lower()
    if "@" not in email:
        raise ValidationFailed(f"{email!r} is not an email address.", field="email")
    check_password(password, email)
    if sm.find_user(email=email) is not None or sm.find_user(username=email) is not None:
        raise ValidationFailed(f"A user with the email {email} already exists.", field="email")
    role = sm.find_role(role_name)
    if role is None:
        raise ValidationFailed(f"Role {role_name!r} does not exist: run `flask mssp init` first.")
    user = sm.add_user(email, first_name, last_name, email, role, password=password)
    if not user:
        raise ValidationFailed(f"Could not create the user {email}; see the log for the reason.")
    return user

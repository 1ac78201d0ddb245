"""The password policy: length and obvious guesses, no composition rules (OWASP ASVS)."""

from __future__ import annotations

from app.services.errors import ValidationFailed

MIN_PASSWORD_LENGTH = 12


def password_problems(password: str, email: str | None = None) -> list[str]:
    """Every reason `password` is refused for the account `email`; empty when it is fine."""
    problems: list[str] = []
    if len(password or "") < MIN_PASSWORD_LENGTH:
        problems.append(f"Password must be at least {MIN_PASSWORD_LENGTH} characters long.")
    local_part = (email or "").split("@", 1)[0].strip().lower()
    if local_part and len(local_part) >= 3 and local_part in (password or "").lower():
        problems.append("Password must not contain the email address.")
    return problems


def check_password(password: str, email: str | None = None) -> None:
    """Raise ValidationFailed naming the first problem of `password`."""
    problems = password_problems(password, email)
    if problems:
        raise ValidationFailed(problems[0], field="password")

"""Configuring sources and queries: validation on save, secrets in and out, key rotation.

The screens and the REST API call these; nothing here commits except
`rotate_credentials` (a command of its own).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from apscheduler.triggers.cron import CronTrigger
from jsonschema import Draft202012Validator
from sqlalchemy import select, update

from app.extensions import db
from app.integrations import templates
from app.integrations.base import ALL_SECRET_KEYS
from app.integrations.errors import InvalidConfiguration
from app.integrations.mapping import compile_mappings
from app.integrations.registry import source_type_for
from app.models.integrations import MAX_LOOKBACK_HOURS, AuthType, ExternalDataSource, QueryTarget, SourceType
from app.services.secrets import (
    SecretsUnavailable,
    decrypt_secrets,
    encrypt_secrets,
    mask_secrets,
    merge_submitted_secrets,
    rotate_token,
)


def config_problems(source_type: SourceType, auth_type: AuthType, config: Any) -> list[str]:
    """Why a source's settings are refused: its type's JSON schema, then its own rules."""
    if not isinstance(config, Mapping):
        return ["settings must be a JSON object"]
    kind = source_type_for(source_type)
    problems = []
    for error in sorted(Draft202012Validator(kind.config_schema).iter_errors(config), key=str):
        where = ".".join(str(p) for p in error.absolute_path) or "settings"
        message = f"{where}: {error.message}"
        if error.validator == "additionalProperties" and any(
            f"'{k}'" in error.message for k in ALL_SECRET_KEYS
        ):
            message += " (secrets go in their own fields, never in the settings)"
        problems.append(message)
    return problems or kind.config_errors(config, auth_type)


def cron_problems(expression: str | None) -> list[str]:
    if not expression:
        return []
    try:
        CronTrigger.from_crontab(expression, timezone="UTC")
    except ValueError as error:
        return [f"not a cron expression (minute hour day month weekday): {error}"]
    return []


def lookback_problems(hours: Any) -> list[str]:
    """Why a query's first-run look-back is refused (empty is fine: the global setting applies)."""
    if hours is None:
        return []
    if isinstance(hours, bool) or not isinstance(hours, int) or not 1 <= hours <= MAX_LOOKBACK_HOURS:
        return [f"a whole number of hours from 1 to {MAX_LOOKBACK_HOURS} (five years), or empty"]
    return []


def query_problems(
    source: ExternalDataSource | None,
    endpoint: str | None,
    template: str | None,
    mappings: Any,
    target: QueryTarget | None,
) -> dict[str, list[str]]:
    """Field -> why a query is refused: placeholders, JSONPaths, and the source's own rules."""
    problems: dict[str, list[str]] = {}
    template_errors = templates.template_errors(template)
    if template_errors:
        problems["query_template"] = template_errors
    if source is None or target is None:
        return problems
    kind = source_type_for(source.source_type)
    endpoint_errors = kind.query_errors(endpoint or "", template, source.config or {})
    if endpoint_errors:
        problems.setdefault("endpoint", []).extend(endpoint_errors)
    try:
        compile_mappings(
            mappings or {},
            target,
            kind.rows_path(endpoint or ""),
            client_from_template=templates.uses_client_key(template),
        )
    except InvalidConfiguration as error:
        problems["jsonpath_mappings"] = [error.message]
    return problems


def secret_keys_for(source: ExternalDataSource) -> tuple[str, ...]:
    # A source being created without an auth type gets the column's default at the flush.
    return source_type_for(source.source_type).secret_keys(source.auth_type or AuthType.NONE)


def set_credentials(source: ExternalDataSource, submitted: Mapping[str, str | None]) -> None:
    """Apply submitted secrets (MASK keeps, empty clears) and re-encrypt; does not commit.

    Keys the source's auth type does not use are dropped, so switching from basic
    auth to a bearer token does not leave the old password behind.
    """
    stored = decrypt_secrets(source.encrypted_credentials) if source.encrypted_credentials else {}
    allowed = secret_keys_for(source)
    merged = merge_submitted_secrets(stored, submitted, allowed)
    source.encrypted_credentials = encrypt_secrets({k: v for k, v in merged.items() if k in allowed})


def masked_credentials(source: ExternalDataSource) -> dict[str, str]:
    """{key: MASK} for each stored secret; {"error": ...} when they cannot be decrypted."""
    if not source.encrypted_credentials:
        return {}
    try:
        return mask_secrets(decrypt_secrets(source.encrypted_credentials))
    except SecretsUnavailable as error:
        return {"error": error.message}


def rotate_credentials() -> int:
    """Re-encrypt every stored secret with the newest key; commits; returns how many.

    A plain UPDATE that leaves `version` alone: an edit form opened meanwhile stays valid.
    """
    session = db.session
    table = ExternalDataSource.__table__
    rows = session.execute(
        select(table.c.id, table.c.encrypted_credentials).where(table.c.encrypted_credentials.is_not(None))
    )
    count = 0
    for source_id, token in rows.all():
        session.execute(
            update(table).where(table.c.id == source_id).values(encrypted_credentials=rotate_token(token))
        )
        count += 1
    session.commit()
    return count

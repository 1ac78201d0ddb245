"""Secrets at rest and in logs: Fernet encryption (MultiFernet), masking, log redaction.

`MSSP_ENCRYPTION_KEYS` holds one or more Fernet keys: the first encrypts, every
one decrypts, so a new key is put first and the old ones stay until
`flask mssp rotate-keys` has re-encrypted everything. In development (never in
production) a missing setting falls back to a key generated once under the
instance folder, so `make run` works without configuration.

A secret is shown back only as `MASK`; a form or API call that sends the mask
unchanged keeps the stored value. Every secret value that is encrypted or
decrypted is also registered with the log redaction, which replaces it with
`[REDACTED]` in any log record, whoever logs it.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import traceback
from collections.abc import Iterable, Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from flask import current_app

from app.errors import DomainError

#: What a stored secret looks like in a form or an API response.
MASK = "********"
REDACTED = "[REDACTED]"
#: Shorter values are not redacted from logs: they would blank out ordinary words.
MIN_REDACTED_LENGTH = 6
DEV_KEY_FILE = "fernet.key"


class SecretsUnavailable(DomainError):
    """No encryption key is configured, or the stored secrets cannot be decrypted."""


def configured_keys() -> list[str]:
    """The Fernet keys of the current app, newest (encrypting) first."""
    keys = list(current_app.config.get("MSSP_ENCRYPTION_KEYS") or [])
    if keys:
        return keys
    if current_app.config.get("ENV_NAME") == "production":
        raise SecretsUnavailable(
            "MSSP_ENCRYPTION_KEYS is not set: generate a key with python -c "
            "'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())'"
        )
    return [_development_key(Path(current_app.config["MSSP_INSTANCE_DIR"]))]


def _development_key(instance_dir: Path) -> str:
    """A key created once (O_EXCL: concurrent processes agree on one) under the instance folder."""
    path = instance_dir / DEV_KEY_FILE
    instance_dir.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(fd, "w") as handle:
        handle.write(Fernet.generate_key().decode())
    return path.read_text().strip()


@lru_cache(maxsize=8)
def _multi_fernet(keys: tuple[str, ...]) -> MultiFernet:
    try:
        return MultiFernet([Fernet(key.encode()) for key in keys])
    except (ValueError, TypeError):
        # Never echo the key itself.
        raise SecretsUnavailable(
            "MSSP_ENCRYPTION_KEYS holds a value that is not a Fernet key (32 url-safe base64 bytes)"
        ) from None


def secret_box() -> MultiFernet:
    """The MultiFernet of the configured keys."""
    return _multi_fernet(tuple(configured_keys()))


def encrypt_secrets(values: Mapping[str, str]) -> str | None:
    """Encrypt a dict of secrets as one Fernet token (None when there is nothing to store)."""
    clean = {key: value for key, value in values.items() if value}
    if not clean:
        return None
    register_secret_values(clean.values())
    return secret_box().encrypt(json.dumps(clean, sort_keys=True).encode()).decode()


def decrypt_secrets(token: str | None) -> dict[str, str]:
    """The secrets stored in `token` ({} for None)."""
    if not token:
        return {}
    try:
        values = json.loads(secret_box().decrypt(token.encode()))
    except InvalidToken:
        raise SecretsUnavailable(
            "the stored credentials cannot be decrypted with any key in MSSP_ENCRYPTION_KEYS "
            "(was the key that encrypted them removed?)"
        ) from None
    register_secret_values(values.values())
    return values


def rotate_token(token: str) -> str:
    """Re-encrypt `token` with the newest key (MultiFernet.rotate)."""
    try:
        return secret_box().rotate(token.encode()).decode()
    except InvalidToken:
        raise SecretsUnavailable(
            "stored credentials cannot be decrypted with any key in MSSP_ENCRYPTION_KEYS"
        ) from None


def mask_secrets(values: Mapping[str, Any]) -> dict[str, str]:
    """{key: MASK} for every secret that is set."""
    return {key: MASK for key, value in values.items() if value}


def merge_submitted_secrets(
    stored: Mapping[str, str], submitted: Mapping[str, str | None], allowed: Iterable[str]
) -> dict[str, str]:
    """Apply a form or API submission to the stored secrets.

    Per allowed key: absent or the unchanged MASK keeps the stored value, an empty
    value removes it, anything else replaces it. Keys not allowed are ignored.
    """
    result = dict(stored)
    for key in allowed:
        if key not in submitted:
            continue
        value = submitted[key]
        if value == MASK:
            continue
        if value is None or str(value).strip() == "":
            result.pop(key, None)
        else:
            result[key] = str(value)
    return result


# --- log redaction -----------------------------------------------------------------------

_known_secrets: set[str] = set()
_lock = threading.Lock()
_installed = False


def register_secret_values(values: Iterable[Any]) -> None:
    """Remember secret values so that no log record ever contains them."""
    new = {str(v) for v in values if v and len(str(v)) >= MIN_REDACTED_LENGTH and str(v) != MASK}
    if new - _known_secrets:
        with _lock:
            _known_secrets.update(new)
    install_log_redaction()


def redact(text: str) -> str:
    """`text` with every registered secret replaced by [REDACTED]."""
    for secret in sorted(_known_secrets, key=len, reverse=True):
        if secret in text:
            text = text.replace(secret, REDACTED)
    return text


def _redact_record(record: logging.LogRecord) -> None:
    if not _known_secrets:
        return
    try:
        message = record.getMessage()
    except Exception:  # a broken format string is logging's own business
        return
    cleaned = redact(message)
    if cleaned != message:
        record.msg, record.args = cleaned, None
    if record.exc_info and record.exc_info[1] is not None and not record.exc_text:
        text = "".join(traceback.format_exception(*record.exc_info)).rstrip("\n")
        cleaned = redact(text)
        if cleaned != text:
            record.exc_text = cleaned  # formatters use the cached text as is


class SecretRedactingFilter(logging.Filter):
    """For handlers fed by records made elsewhere (the record factory covers the rest)."""

    def filter(self, record: logging.LogRecord) -> bool:
        _redact_record(record)
        return True


def install_log_redaction() -> None:
    """Wrap the log record factory once, so every record is redacted as it is made."""
    global _installed
    if _installed:
        return
    with _lock:
        if _installed:
            return
        previous = logging.getLogRecordFactory()

        def redacting_factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
            record = previous(*args, **kwargs)
            _redact_record(record)
            return record

        logging.setLogRecordFactory(redacting_factory)
        _installed = True

"""The password policy and password hashing.

Policy (OWASP ASVS 5.0 V6.2, NIST SP 800-63B): at least 12 characters, up to 256;
not containing the email's local part; not a common password (the shipped list
app/services/accounts/common_passwords.txt, also after stripping digits and symbols around
it and undoing l33t spelling) nor a repeated or sequential run. No composition
rules: ASVS forbids them.

Hashing: the method is FAB_PASSWORD_HASH_METHOD. In production it is Argon2id with
OWASP's first-choice parameters ("argon2id:2:19456:1": 2 passes over 19 MiB, one lane;
argon2-cffi does the work), memory-hard and about 4x cheaper to check than PBKDF2-SHA256
at 600,000 iterations. werkzeug's methods ("pbkdf2:sha256:600000", "scrypt") still work,
so hashes made before the switch keep verifying. A stored hash of another method or cost
is replaced at the next successful login; an unknown account is checked against a dummy
hash of the same method, so both paths cost the same.

Flask-AppBuilder hashes with werkzeug wherever it sets a password itself; every such
entry point we serve goes through `hash_password` instead (the security manager's
`add_user` / `add_register_user`, the Users screens and the user API).
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
from functools import lru_cache
from pathlib import Path
from typing import Any

from argon2 import PasswordHasher, Type, extract_parameters
from argon2.exceptions import InvalidHashError, VerificationError
from werkzeug.security import check_password_hash, generate_password_hash

from app.errors import ValidationFailed

MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 256
SALT_LENGTH = 16
COMMON_PASSWORDS_FILE = Path(__file__).resolve().parent / "common_passwords.txt"

TOO_SHORT = f"Password must be at least {MIN_PASSWORD_LENGTH} characters long."
TOO_LONG = f"Password must be at most {MAX_PASSWORD_LENGTH} characters long."
CONTAINS_EMAIL = "Password must not contain the email address."
TOO_COMMON = (
    "This password is too common or predictable; choose another "
    "(a passphrase of several unrelated words works well)."
)

_AFFIXES = re.compile(r"^[\W\d_]+|[\W\d_]+$")
_LEET = str.maketrans({"0": "o", "1": "l", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s"})
_SEQUENCES = ("abcdefghijklmnopqrstuvwxyz", "0123456789", "qwertyuiopasdfghjklzxcvbnm")


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    """The shipped list, lower-cased (comment lines start with #)."""
    lines = COMMON_PASSWORDS_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip().lower() for line in lines if line.strip() and not line.startswith("#"))


def password_problems(password: str, email: str | None = None) -> list[str]:
    """Every reason `password` is refused for the account `email`; empty when it is fine."""
    password = password or ""
    problems: list[str] = []
    if len(password) < MIN_PASSWORD_LENGTH:
        problems.append(TOO_SHORT)
    if len(password) > MAX_PASSWORD_LENGTH:
        problems.append(TOO_LONG)
    if contains_email(password, email):
        problems.append(CONTAINS_EMAIL)
    if is_common(password):
        problems.append(TOO_COMMON)
    return problems


def check_password(password: str, email: str | None = None) -> None:
    """Raise ValidationFailed naming the first problem of `password`."""
    problems = password_problems(password, email)
    if problems:
        raise ValidationFailed(problems[0], field="password")


def contains_email(password: str, email: str | None) -> bool:
    """Whether the password contains the email's local part (or a 4+ letter piece of it)."""
    local_part = (email or "").split("@", 1)[0].strip().lower()
    if len(local_part) < 3:
        return False
    lowered = password.lower()
    pieces = {local_part} | {piece for piece in re.split(r"[._+-]", local_part) if len(piece) >= 4}
    return any(piece in lowered for piece in pieces)


def is_common(password: str) -> bool:
    """In the shipped list, alone or inside digits/symbols, plainly or in l33t; or a run."""
    lowered = password.strip().lower()
    listed = common_passwords()
    core = _AFFIXES.sub("", lowered)
    candidates = {lowered, core, lowered.translate(_LEET), core.translate(_LEET)}
    if any(candidate and candidate in listed for candidate in candidates):
        return True
    return is_repetition(lowered) or is_sequence(lowered)


def is_repetition(text: str) -> bool:
    """One to four characters repeated over the whole password ("abcabcabcabc")."""
    return re.fullmatch(r"(.{1,4})\1+", text, flags=re.DOTALL) is not None


def is_sequence(text: str) -> bool:
    """The whole password is a run of the alphabet, digits or a keyboard row, either way."""
    return any(text in sequence * 3 or text in (sequence * 3)[::-1] for sequence in _SEQUENCES)


# --- hashing ---------------------------------------------------------------------


ARGON2_PREFIX = "argon2id:"


@lru_cache(maxsize=8)
def _argon2(method: str) -> PasswordHasher:
    """The hasher of an "argon2id:<passes>:<memory KiB>:<lanes>" method."""
    try:
        time_cost, memory_cost, parallelism = (int(part) for part in method[len(ARGON2_PREFIX):].split(":"))
    except ValueError:
        raise ValueError(
            f"Unknown password hash method {method!r}: use argon2id:<passes>:<memory KiB>:<lanes>"
        ) from None
    return PasswordHasher(
        time_cost=time_cost, memory_cost=memory_cost, parallelism=parallelism,
        salt_len=SALT_LENGTH, type=Type.ID,
    )


def hash_password(password: str, method: str) -> str:
    """A salted hash of `password` with `method` ("argon2id:2:19456:1", "pbkdf2:sha256:600000")."""
    if method.startswith(ARGON2_PREFIX):
        return _argon2(method).hash(password)
    return generate_password_hash(password, method=method, salt_length=SALT_LENGTH)


def hash_method(stored_hash: str | None) -> str:
    """The method a stored hash was made with, spelt like FAB_PASSWORD_HASH_METHOD."""
    stored_hash = stored_hash or ""
    if stored_hash.startswith("$argon2"):
        try:
            params = extract_parameters(stored_hash)
        except InvalidHashError:
            return ""
        if params.type is not Type.ID:
            return stored_hash.split("$")[1]  # argon2i / argon2d: never ours, always rehashed
        return f"{ARGON2_PREFIX}{params.time_cost}:{params.memory_cost}:{params.parallelism}"
    return stored_hash.split("$", 1)[0]


def needs_rehash(stored_hash: str | None, method: str) -> bool:
    """Whether a stored hash was made with another method or cost than `method`."""
    return hash_method(stored_hash) != method


def check_hash(stored_hash: str, password: str) -> bool:
    """Whether `password` matches `stored_hash` (Argon2 or a werkzeug method); never raises."""
    if stored_hash.startswith("$argon2"):
        try:
            return _argon2_verifier().verify(stored_hash, password)
        except (VerificationError, InvalidHashError):
            return False
    return check_password_hash(stored_hash, password)


@lru_cache(maxsize=1)
def _argon2_verifier() -> PasswordHasher:
    # verify() reads the cost parameters from the hash itself.
    return PasswordHasher()


@lru_cache(maxsize=8)
def dummy_hash(method: str) -> str:
    """A hash no password matches whose check costs what a real hash of `method` costs."""
    if method.startswith(ARGON2_PREFIX):
        # Argon2 verification recomputes the tag from the encoded parameters and salt:
        # a real hash of a random secret costs exactly what a user's costs.
        return hash_password(secrets.token_urlsafe(32), method)
    # werkzeug recomputes the derived key from the method, salt and password, then
    # compares: the stored digest itself need not be real.
    return f"{method}${secrets.token_hex(SALT_LENGTH // 2)}${'0' * 64}"


def verify_password(stored_hash: str | None, password: str, method: str) -> bool:
    """Check `password` against `stored_hash`, at the cost of one hash of `method` when absent."""
    if not stored_hash or "$" not in stored_hash:
        check_hash(dummy_hash(method), password or "")
        return False
    return check_hash(stored_hash, password or "")


def verify_dummy(password: str, method: str) -> None:
    """Spend the time of a real check, for accounts that do not exist or cannot log in."""
    check_hash(dummy_hash(method), password or "")


def set_password(user: Any, password: str, *, method: str, now: dt.datetime | None = None) -> None:
    """Apply the policy, then store the hash and the change time on `user` (not committed)."""
    check_password(password, user.email)
    user.password = hash_password(password, method)
    user.last_password_change_at = now or dt.datetime.now(dt.UTC)

"""The password policy and hashing helpers (no database)."""

from __future__ import annotations

import pytest
from werkzeug.security import generate_password_hash

from app.errors import ValidationFailed
from app.services.accounts import passwords
from app.services.accounts.passwords import (
    CONTAINS_EMAIL,
    TOO_COMMON,
    TOO_LONG,
    TOO_SHORT,
    common_passwords,
    password_problems,
)

EMAIL = "jane.doe@corp.example"


def test_the_shipped_list_holds_thousands_of_passwords_of_policy_length():
    listed = common_passwords()
    assert len(listed) > 3000
    assert sum(1 for password in listed if len(password) >= 12) > 3000
    for well_known in ("123456", "password", "qwerty", "iloveyou", "password1234", "1q2w3e4r5t6y"):
        assert well_known in listed


@pytest.mark.parametrize(
    "password",
    [
        "password1234",
        "Password1234",
        "P@ssw0rd2026!",
        "qwertyuiop12",
        "1qaz2wsx3edc",
        "iloveyou2025!",
        "Liverpool1892!",
        "123456789012",
        "!!!monkey123456",
        "abcabcabcabc",
        "zzzzzzzzzzzzzzzz",
        "abcdefghijklmnop",
        "ponmlkjihgfedcba",
        "mssp-12345678",
    ],
)
def test_common_and_predictable_passwords_are_refused(password):
    assert password_problems(password, EMAIL) == [TOO_COMMON]


@pytest.mark.parametrize(
    "password",
    ["correct horse battery staple", "Tr0ub4dor&3x-kettle", "lantern orbit harbor", "ünïcödé pässwörd ✓"],
)
def test_passphrases_without_composition_rules_are_accepted(password):
    assert password_problems(password, EMAIL) == []


def test_length_bounds():
    assert password_problems("violet-kett", EMAIL) == [TOO_SHORT]  # 11 characters
    assert password_problems("violet kettle", EMAIL) == []  # 13
    assert password_problems("violet-kettle-" * 4 + "x" * 8, EMAIL) == []  # 64
    long_one = ("violet-kettle-marble-" * 7)[:128]
    assert password_problems(long_one, EMAIL) == []
    assert password_problems("violet kettle " * 19, EMAIL) == [TOO_LONG]  # 266


@pytest.mark.parametrize("password", ["jane.doe rides again", "JANE-rides-bikes"])
def test_the_email_local_part_or_a_piece_of_it_is_refused(password):
    assert password_problems(password, EMAIL) == [CONTAINS_EMAIL]


def test_pieces_shorter_than_four_letters_do_not_count():
    # "doe" alone is three letters: only the whole local part or 4+ letter pieces count.
    assert password_problems("doe-and-the-wolves", EMAIL) == []


def test_check_password_raises_the_first_problem():
    with pytest.raises(ValidationFailed) as raised:
        passwords.check_password("short", EMAIL)
    assert raised.value.message == TOO_SHORT
    assert raised.value.field == "password"


@pytest.mark.parametrize("method", ["argon2id:1:64:1", "pbkdf2:sha256:1000", "scrypt:16384:8:1"])
def test_a_dummy_hash_never_matches_and_has_the_method(method):
    dummy = passwords.dummy_hash(method)
    assert passwords.hash_method(dummy) == method
    assert not passwords.verify_password(dummy, "", method)
    assert not passwords.verify_password(dummy, "anything at all", method)
    assert not passwords.verify_password(None, "anything at all", method)


def test_needs_rehash_compares_method_and_cost():
    current = "pbkdf2:sha256:600000"
    assert passwords.needs_rehash(generate_password_hash("x", method="scrypt"), current)
    assert passwords.needs_rehash(generate_password_hash("x", method="pbkdf2:sha256:1000"), current)
    cheap = "pbkdf2:sha256:1000"
    assert not passwords.needs_rehash(passwords.hash_password("x", cheap), cheap)


def test_argon2id_hashes_verify_and_carry_their_cost():
    method = "argon2id:1:64:1"
    stored = passwords.hash_password("a long enough passphrase", method)
    assert stored.startswith("$argon2id$v=19$m=64,t=1,p=1$")
    assert passwords.hash_method(stored) == method
    assert passwords.verify_password(stored, "a long enough passphrase", method)
    assert not passwords.verify_password(stored, "a long enough passphrase!", method)
    assert not passwords.needs_rehash(stored, method)
    # A cost raised in the configuration, or a werkzeug hash from before the switch: rehashed.
    assert passwords.needs_rehash(stored, "argon2id:2:19456:1")
    assert passwords.needs_rehash(generate_password_hash("x", method="pbkdf2:sha256:600000"), method)
    # A werkzeug hash made before the switch still verifies.
    old = generate_password_hash("an older passphrase", method="pbkdf2:sha256:1000")
    assert passwords.verify_password(old, "an older passphrase", method)


def test_a_damaged_argon2_hash_is_a_refusal_not_an_error():
    method = "argon2id:1:64:1"
    assert not passwords.verify_password("$argon2id$v=19$m=64,t=1,p=1$broken", "whatever it is", method)
    assert passwords.needs_rehash("$argon2id$garbage", method)


def test_an_unknown_method_is_named_in_the_error():
    with pytest.raises(ValueError, match="argon2id:<passes>"):
        passwords.hash_password("x", "argon2id:lots")

from app.services.accounts.passwords import password_problems


def test_short_password_is_refused():
    assert password_problems("elevenchars", "a@b.example") == [
        "Password must be at least 12 characters long."
    ]


def test_password_containing_the_email_local_part_is_refused():
    assert "Password must not contain the email address." in password_problems(
        "jsmith-is-the-best", "jsmith@corp.example"
    )


def test_long_passphrase_without_composition_rules_is_accepted():
    assert password_problems("correct horse battery staple", "jsmith@corp.example") == []

"""Password fields that apply our policy (app.services.accounts.passwords) in the user screens."""

from __future__ import annotations

from collections.abc import Callable

from flask_appbuilder.fieldwidgets import BS3PasswordFieldWidget
from flask_appbuilder.forms import DynamicForm
from wtforms import Form, PasswordField
from wtforms.fields import Field
from wtforms.validators import DataRequired, EqualTo, ValidationError

from app.services.accounts.passwords import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH, password_problems

PASSWORD_HELP = (
    f"At least {MIN_PASSWORD_LENGTH} characters (up to {MAX_PASSWORD_LENGTH}); a passphrase of "
    "several unrelated words works well. Common passwords and the email address are refused."
)


class PasswordPolicy:
    """WTForms validator: the password policy for the account whose email `email_of` gives."""

    def __init__(self, email_of: Callable[[Form], str | None]) -> None:
        self.email_of = email_of

    def __call__(self, form: Form, field: Field) -> None:
        problems = password_problems(field.data or "", self.email_of(form))
        if problems:
            raise ValidationError(problems[0])


def password_field(email_of: Callable[[Form], str | None]) -> PasswordField:
    return PasswordField(
        "Password",
        description=PASSWORD_HELP,
        validators=[DataRequired(), PasswordPolicy(email_of)],
        widget=BS3PasswordFieldWidget(),
    )


def confirm_password_field() -> PasswordField:
    return PasswordField(
        "Confirm Password",
        description="Type the password again.",
        validators=[DataRequired(), EqualTo("password", message="Passwords must match")],
        widget=BS3PasswordFieldWidget(),
    )


def reset_password_form(email_of: Callable[[Form], str | None]) -> type[DynamicForm]:
    """A reset-password form whose policy checks against the account `email_of` names."""

    class ResetPasswordForm(DynamicForm):
        password = password_field(email_of)
        conf_password = confirm_password_field()

    return ResetPasswordForm


def profile_form() -> type[DynamicForm]:
    """FAB's "edit my information" form plus the time zone times are shown and typed in."""
    from flask_appbuilder.fieldwidgets import Select2Widget
    from flask_appbuilder.security.forms import UserInfoEdit
    from wtforms import SelectField
    from wtforms.fields.choices import SelectChoice

    from app.services.accounts.time_zones import DEFAULT_TIME_ZONE, time_zone_names

    class ProfileForm(UserInfoEdit):
        time_zone = SelectField(
            "Time zone",
            choices=[SelectChoice(name, name.replace("_", " ")) for name in time_zone_names()],
            default=DEFAULT_TIME_ZONE,
            widget=Select2Widget(),
            description="Screens show times in this zone and read the times you type in it "
            "(the REST API always answers in UTC with an offset).",
        )

    return ProfileForm

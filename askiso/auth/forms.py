"""Sign-in, password and account forms."""

import re

from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, HiddenField, PasswordField, StringField, TelField
from wtforms.validators import DataRequired, EqualTo, Length, Optional, ValidationError

from askiso.core.validation import ValidEmail

NEW_PASSWORD_HINT = "At least 12 characters. A few unrelated words make a strong, memorable password."


class LoginForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired(), ValidEmail(), Length(max=254)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=1024)])
    next = HiddenField()


class TotpForm(FlaskForm):
    code = StringField(
        "Authentication code",
        validators=[DataRequired(), Length(min=6, max=32)],
        render_kw={"autocomplete": "one-time-code", "inputmode": "numeric"},
    )


class ForgotPasswordForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired(), ValidEmail(), Length(max=254)])


class NewPasswordForm(FlaskForm):
    """Choose a password (reset and set-password links)."""

    password = PasswordField("New password", validators=[DataRequired(), Length(max=1024)])
    confirm = PasswordField(
        "Repeat the new password",
        validators=[DataRequired(), EqualTo("password", message="The two passwords are not the same.")],
    )


def normalize_phone(value):
    """A North American number as its 10 digits, or None if it is not one."""
    digits = re.sub(r"\D", "", value or "")
    if len(digits) == 11 and digits.startswith("1"):
        digits = digits[1:]
    if len(digits) != 10 or digits[0] in "01" or digits[3] in "01":
        return None
    return digits


class TenDigitPhone:
    """WTForms validator: a 10-digit North American phone number."""

    def __call__(self, form, field):
        if field.data and normalize_phone(field.data) is None:
            raise ValidationError("Enter a 10-digit phone number, for example 413-555-0142.")


class ProfileForm(FlaskForm):
    name = StringField("Full name", validators=[DataRequired(), Length(max=200)])
    work_phone = TelField(
        "Work phone", validators=[Optional(), Length(max=30), TenDigitPhone()], render_kw={"autocomplete": "tel"}
    )


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField("Current password", validators=[DataRequired(), Length(max=1024)])
    password = PasswordField("New password", validators=[DataRequired(), Length(max=1024)])
    confirm = PasswordField(
        "Repeat the new password",
        validators=[DataRequired(), EqualTo("password", message="The two passwords are not the same.")],
    )
    keep_tokens = BooleanField("Keep my API tokens working (leave unticked if someone else may have used the account)")


class ChangeEmailForm(FlaskForm):
    new_email = EmailField("New email address", validators=[DataRequired(), ValidEmail(), Length(max=254)])
    password = PasswordField("Current password", validators=[DataRequired(), Length(max=1024)])


class DisableTotpForm(FlaskForm):
    password = PasswordField("Current password", validators=[DataRequired(), Length(max=1024)])
    code = StringField(
        "Authentication code",
        validators=[DataRequired(), Length(min=6, max=6)],
        render_kw={"autocomplete": "one-time-code", "inputmode": "numeric"},
    )


class RecoveryCodesForm(FlaskForm):
    password = PasswordField("Current password", validators=[DataRequired(), Length(max=1024)])


class ConfirmForm(FlaskForm):
    """A button and its CSRF token (sign out other sessions, confirm an email change)."""

"""Sign-in forms."""

from flask_wtf import FlaskForm
from wtforms import EmailField, HiddenField, PasswordField, StringField
from wtforms.validators import DataRequired, Length

from askiso.core.validation import ValidEmail


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

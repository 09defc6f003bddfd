"""The form for making a personal access token on the account page."""

from flask_wtf import FlaskForm
from wtforms import RadioField, SelectField, StringField
from wtforms.validators import DataRequired, InputRequired, Length

from askiso.api.tokens import DEFAULT_DAYS, NAME_MAX

LIFETIMES = [(7, "7 days"), (30, "30 days"), (90, "90 days"), (180, "180 days"), (365, "1 year")]


class TokenForm(FlaskForm):
    name = StringField(
        "Token name",
        validators=[DataRequired("Give the token a name, e.g. the script that will use it."), Length(max=NAME_MAX)],
    )
    scope = RadioField(
        "Access",
        choices=[
            ("read", "Read only: list and read cases, download files"),
            ("write", "Read and write: also submit, reply, attach, close"),
        ],
        default="write",
        validators=[InputRequired("Choose read or write access.")],
    )
    days = SelectField("Expires after", choices=LIFETIMES, coerce=int, default=DEFAULT_DAYS)

"""Public inquiry forms, with a honeypot field and a signed fill-time stamp."""

import time

from flask import current_app
from flask_wtf import FlaskForm
from flask_wtf.file import MultipleFileField
from itsdangerous import BadSignature, Signer
from wtforms import EmailField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from askiso.core.validation import ValidEmail
from askiso.inquiries.services import DESCRIPTION_MAX, NAME_MAX, ORGANIZATION_MAX, SUBJECT_MAX

# A person needs longer than this to fill the form; scripts usually do not.
DEFAULT_MIN_FILL_SECONDS = 4
HONEYPOT_LABEL = "Leave this field empty"


def _signer():
    return Signer(current_app.config["SECRET_KEY"], salt="askiso-inquiry-form-stamp")


def make_stamp(at=None):
    """A signed record of when the form was shown (seconds since the epoch)."""
    return _signer().sign(str(int(time.time() if at is None else at))).decode()


def stamp_problem(value, now=None):
    """None when the form was shown long enough ago; otherwise why not ("fast" or "missing")."""
    try:
        shown = int(_signer().unsign(value or "").decode())
    except (BadSignature, ValueError):
        return "missing"
    minimum = current_app.config.get("INQUIRY_MIN_FILL_SECONDS", DEFAULT_MIN_FILL_SECONDS)
    return "fast" if (time.time() if now is None else now) - shown < minimum else None


class HoneypotMixin:
    # Hidden from people (CSS .hp-field, aria-hidden, no tab stop); scripts fill it in.
    website = StringField(HONEYPOT_LABEL, render_kw={"autocomplete": "off", "tabindex": "-1"})


class InquiryForm(HoneypotMixin, FlaskForm):
    name = StringField("Your name", validators=[DataRequired("Enter your name."), Length(max=NAME_MAX)])
    email = EmailField(
        "Your email address",
        validators=[DataRequired("Enter your email address."), ValidEmail(), Length(max=254)],
    )
    organization = StringField("Organization (optional)", validators=[Optional(), Length(max=ORGANIZATION_MAX)])
    topic = SelectField("Topic (optional)", choices=[], validate_choice=False)
    request_type = SelectField("Kind of request", choices=[], validate_choice=False)
    subject = StringField(
        "Subject", validators=[DataRequired("Enter a subject."), Length(max=SUBJECT_MAX)]
    )
    description = TextAreaField(
        "Your question or request",
        validators=[DataRequired("Describe your question or request."), Length(max=DESCRIPTION_MAX)],
    )
    stamp = HiddenField()


class LostLinkForm(HoneypotMixin, FlaskForm):
    email = EmailField(
        "Your email address",
        validators=[DataRequired("Enter your email address."), ValidEmail(), Length(max=254)],
    )


class ConfirmForm(FlaskForm):
    """A button: mail scanners that open links must not confirm anything."""


class ReplyForm(FlaskForm):
    body = TextAreaField("Your reply", validators=[DataRequired("Write a message."), Length(max=DESCRIPTION_MAX)])
    files = MultipleFileField("Attach files (optional)")


class LinkParticipantForm(FlaskForm):
    code = StringField("Participant code", validators=[DataRequired("Enter the participant's code."), Length(max=40)])

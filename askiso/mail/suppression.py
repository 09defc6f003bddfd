"""Addresses that said "stop": they get no more mail from Ask ISO.

Every email carries an unsubscribe link with a signed token of its address.
Account-security mail (password reset, set-password, email change) still goes
to an account's own address when the person asks for it themselves.
"""

from datetime import datetime

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from askiso.core.timeutil import utcnow
from askiso.extensions import db

# Mail a person asked for themselves, that must reach them even after "stop".
REQUESTED_KINDS = {
    "reset_password",
    "change_email",
    "set_password",
    "welcome",
    # Security notices about the account itself are never suppressed.
    "password_changed",
    "email_changed",
    "security_notice",
    "totp_disabled",
}


class EmailSuppression(db.Model):
    """An address that asked for no more mail."""

    __tablename__ = "email_suppressions"

    email: Mapped[str] = mapped_column(String(254), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    reason: Mapped[str] = mapped_column(String(40), default="unsubscribe")


def _serializer():
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="askiso-unsubscribe")


def unsubscribe_token(email):
    return _serializer().dumps(email.lower())


def email_from_unsubscribe_token(token):
    try:
        return _serializer().loads(token)
    except BadSignature:
        return None


def unsubscribe_url(email):
    base = current_app.config["EXTERNAL_URL"].rstrip("/")
    return f"{base}/mail/stop/{unsubscribe_token(email)}"


def unsubscribe_urls(emails):
    """unsubscribe_url of each address, with one serializer for them all."""
    base = current_app.config["EXTERNAL_URL"].rstrip("/")
    serializer = _serializer()
    return [f"{base}/mail/stop/{serializer.dumps(email.lower())}" for email in emails]


def is_suppressed(email):
    return db.session.get(EmailSuppression, (email or "").lower()) is not None


def suppress(email, reason="unsubscribe"):
    email = (email or "").lower()
    if email and not is_suppressed(email):
        db.session.add(EmailSuppression(email=email, reason=reason))


def unsuppress(email):
    row = db.session.get(EmailSuppression, (email or "").lower())
    if row is not None:
        db.session.delete(row)

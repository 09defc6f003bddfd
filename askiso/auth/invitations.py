"""Emailed password links: the invitation (set password, 72 h) and the reset (1 h).

CAMS calls send_set_password_email when a Security Administrator adds someone
who has no account yet; the forgot-password page calls send_reset_email.
"""

from flask import current_app

from askiso.audit.services import record
from askiso.auth import tokens
from askiso.mail.services import queue_email


def _hours(purpose):
    return int(tokens.PURPOSES[purpose].total_seconds() // 3600)


def external_link(endpoint, **values):
    """An absolute link for an email; works in requests and in CLI commands alike."""
    base = current_app.config["EXTERNAL_URL"].rstrip("/")
    path = current_app.url_map.bind("localhost").build(endpoint, values)
    return base + path


def send_set_password_email(user, invited_by=None, participant=None):
    """Issue a single-use set-password link (72 h) and queue the welcome email.

    Issuing retires any earlier set-password link of the account, so sending
    the invitation again is how an expired one is replaced. The caller commits.
    """
    token = tokens.issue(user, "set_password")
    queue_email(
        "welcome",
        user.email,
        "Welcome to Ask ISO: set your password",
        "welcome",
        user=user,
        invited_by=invited_by,
        participant=participant,
        link=external_link("auth.set_password", token=token),
        hours=_hours("set_password"),
    )
    record(
        "auth.set_password_sent",
        invited_by,
        subject_user=user,
        participant=participant,
    )
    return token


def send_reset_email(user):
    """Issue a single-use reset link (1 h) and queue it to the account's address."""
    token = tokens.issue(user, "reset_password")
    queue_email(
        "reset_password",
        user.email,
        "Reset your Ask ISO password",
        "reset_password",
        user=user,
        link=external_link("auth.reset_password", token=token),
        hours=_hours("reset_password"),
    )
    return token

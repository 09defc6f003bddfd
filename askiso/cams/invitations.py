"""Emails to people added to a participant: a welcome with a set-password link, or a notice."""

import importlib

from askiso.auth import tokens
from askiso.cams.models import ROLE_LABELS
from askiso.mail.services import queue_email


def _auth_set_password_sender():
    """The accounts feature's set-password mailer, when it is installed."""
    for name in ("askiso.auth.invitations", "askiso.auth.services"):
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name == name:
                continue
            raise
        sender = getattr(module, "send_set_password_email", None)
        if sender is not None:
            return sender
    return None


def send_invitation(user, *, invited_by=None, participant=None):
    """Welcome a person without a password: a single-use set-password link valid 72 hours."""
    sender = _auth_set_password_sender()
    if sender is not None:
        return sender(user, invited_by=invited_by, participant=participant)
    token = tokens.issue(user, "set_password")
    return queue_email(
        "cams_invitation",
        user.email,
        "Welcome to Ask ISO: set your password",
        "cams_invitation",
        user=user,
        invited_by=invited_by,
        participant=participant,
        token=token,
    )


def send_added_notice(membership, *, added_by=None):
    """Tell a person with an account that they now act for another participant."""
    return queue_email(
        "cams_added",
        membership.user.email,
        f"You were added to {membership.participant.name} in Ask ISO",
        "cams_added",
        user=membership.user,
        participant=membership.participant,
        added_by=added_by,
        roles=[ROLE_LABELS[r] for r in membership.roles],
    )

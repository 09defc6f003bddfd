"""Emails to people added to a participant: the accounts feature's welcome (set-password link), or a notice."""

from askiso.auth.invitations import send_set_password_email
from askiso.cams.models import ROLE_LABELS
from askiso.mail.services import queue_email


def send_invitation(user, *, invited_by=None, participant=None):
    """Welcome a person without a password: a single-use set-password link valid 72 hours."""
    return send_set_password_email(user, invited_by=invited_by, participant=participant)


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

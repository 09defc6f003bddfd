"""Named CAMS authorization rules, used by views, templates, services and the API.

- ISO staff admins administer every participant (create, suspend, designate SAs).
- A Security Administrator (SA) manages the members of the participants where
  they hold an *active* SA membership, and of no other.
- Suspended and retired participants are read-only for their SAs.
- The last active SA of a participant cannot be removed or drop the role
  through self-service; only staff can change that.
"""

from flask import abort
from sqlalchemy import func, select

from askiso.cams.models import Membership, Participant
from askiso.extensions import db


def _signed_in(user):
    return user is not None and getattr(user, "is_authenticated", False) and getattr(user, "is_active", False)


def can_administer_participants(user):
    """Staff admins run the participant register."""
    return _signed_in(user) and user.is_admin


def is_security_admin_of(user, participant):
    """True when the user holds an active SA membership of this participant."""
    if not _signed_in(user) or participant is None or user.is_staff:
        return False
    stmt = select(Membership.id).where(
        Membership.user_id == user.id,
        Membership.participant_id == participant.id,
        Membership.is_active.is_(True),
        Membership.is_security_admin.is_(True),
    )
    return db.session.scalar(stmt) is not None


def can_manage_members(user, participant):
    """May see the member list of this participant (staff admin or its SA)."""
    return can_administer_participants(user) or is_security_admin_of(user, participant)


def can_change_members(user, participant):
    """May add, change or end memberships now: SAs only while the participant is active."""
    if can_administer_participants(user):
        return True
    return participant is not None and participant.is_active and is_security_admin_of(user, participant)


def active_security_admin_count(participant):
    """How many active SA memberships the participant has."""
    stmt = select(func.count(Membership.id)).where(
        Membership.participant_id == participant.id,
        Membership.is_active.is_(True),
        Membership.is_security_admin.is_(True),
    )
    return db.session.scalar(stmt) or 0


def is_last_security_admin(membership):
    """This active membership holds the participant's only active SA role."""
    if not (membership.is_active and membership.is_security_admin):
        return False
    return active_security_admin_count(membership.participant) <= 1


def protects_last_security_admin(membership, *, staff):
    """Self-service may not remove the last SA or let them drop the role; staff may."""
    return not staff and is_last_security_admin(membership)


# --- loaders that fetch and check in one call (404 when not allowed) ----------


def get_managed_participant_or_404(code, user):
    """The participant with this code where `user` is an active SA; 404 for anyone else."""
    if not _signed_in(user) or user.is_staff:
        abort(404)
    participant = db.session.scalar(
        select(Participant)
        .join(Membership, Membership.participant_id == Participant.id)
        .where(
            Participant.code == (code or "").upper(),
            Membership.user_id == user.id,
            Membership.is_active.is_(True),
            Membership.is_security_admin.is_(True),
        )
    )
    if participant is None:
        abort(404)
    return participant


def get_administered_participant_or_404(code, user):
    """The participant with this code, for staff admins only."""
    if not can_administer_participants(user):
        abort(404)
    participant = db.session.scalar(select(Participant).where(Participant.code == (code or "").upper()))
    if participant is None:
        abort(404)
    return participant


def get_membership_or_404(participant, membership_id, *, active_only=True):
    """A membership *of this participant*: another participant's id answers 404."""
    stmt = select(Membership).where(Membership.id == membership_id, Membership.participant_id == participant.id)
    if active_only:
        stmt = stmt.where(Membership.is_active.is_(True))
    membership = db.session.scalar(stmt)
    if membership is None:
        abort(404)
    return membership

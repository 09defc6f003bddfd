"""CAMS membership operations and the person-facing membership queries.

Services flush; the calling view or CLI command commits. `staff=True` is passed
only by the staff admin pages and the CLI: it lifts the self-service limits
(participant must be active; the last SA stays).
"""

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from askiso.audit.services import record
from askiso.auth.models import User, normalize_email, user_by_email
from askiso.auth.services import create_user
from askiso.cams import invitations, rules
from askiso.cams.models import MEMBERSHIP_ROLES, ROLE_LABELS, Membership, Participant
from askiso.core.timeutil import utcnow
from askiso.extensions import db


class CamsError(ValueError):
    """A refused change, with a message meant for the person who asked."""

    def __init__(self, message, field=None):
        super().__init__(message)
        self.message = message
        self.field = field


# --- what a person belongs to -------------------------------------------------


def memberships_for(user, *, include_ended=False):
    """The person's memberships, active first, then by participant name."""
    stmt = select(Membership).join(Participant).where(Membership.user_id == user.id)
    if not include_ended:
        stmt = stmt.where(Membership.is_active.is_(True))
    stmt = stmt.order_by(Membership.is_active.desc(), Participant.name, Membership.granted_at.desc())
    return db.session.scalars(stmt).all()


def active_participants_for(user):
    """Participants the person currently belongs to, whatever their status."""
    if user is None or not getattr(user, "is_authenticated", False):
        return []
    stmt = (
        select(Participant)
        .join(Membership, Membership.participant_id == Participant.id)
        .where(Membership.user_id == user.id, Membership.is_active.is_(True))
        .order_by(Participant.name)
    )
    return db.session.scalars(stmt).all()


def submittable_participants_for(user):
    """Participants the person may submit new cases for: active membership, active participant."""
    return [p for p in active_participants_for(user) if p.status == "active"]


def active_membership(user, participant):
    """The person's active membership of this participant, or None."""
    return db.session.scalar(
        select(Membership).where(
            Membership.user_id == user.id,
            Membership.participant_id == participant.id,
            Membership.is_active.is_(True),
        )
    )


def participant_members(participant, *, active=True):
    """A participant's memberships (active, or ended as history), by name."""
    stmt = select(Membership).join(User, Membership.user_id == User.id).where(
        Membership.participant_id == participant.id, Membership.is_active.is_(active)
    )
    if active:
        return db.session.scalars(stmt.order_by(User.name, User.email)).all()
    return db.session.scalars(stmt.order_by(Membership.ended_at.desc(), Membership.id.desc())).all()


def managed_participants_for(user):
    """Participants where the user is an active SA (the "My company" pages)."""
    if user is None or user.is_staff:
        return []
    stmt = (
        select(Participant)
        .join(Membership, Membership.participant_id == Participant.id)
        .where(
            Membership.user_id == user.id,
            Membership.is_active.is_(True),
            Membership.is_security_admin.is_(True),
        )
        .order_by(Participant.name)
    )
    return db.session.scalars(stmt).all()


def role_labels(roles):
    return [ROLE_LABELS[r] for r in roles]


# --- changes ------------------------------------------------------------------


def _check_may_change(actor, participant, staff):
    """Self-service changes need an active SA membership and an active participant."""
    if staff:
        return
    if not rules.is_security_admin_of(actor, participant):
        raise PermissionError("not a Security Administrator of this participant")
    if not participant.is_active:
        raise CamsError(f"{participant.name} is {participant.status}: its members cannot be changed.")


def _lock(participant):
    """Serialize membership changes per participant (PostgreSQL row lock)."""
    db.session.execute(select(Participant.id).where(Participant.id == participant.id).with_for_update())


def _refusal_for_participants(email):
    """Why an address cannot join a participant when that is not the SA's to know, or None."""
    user = user_by_email(email)
    if user is None:
        return None
    if user.is_staff:
        return "ISO staff account"
    if not user.is_active:
        return "deactivated account"
    return None


def _member_user(email, name):
    """The account for this email, or a new one without a password (second value: created)."""
    user = user_by_email(email)
    if user is not None:
        if user.is_staff:
            raise CamsError("That address belongs to an ISO staff account, which cannot join a participant.", "email")
        if not user.is_active:
            raise CamsError("That account is deactivated. Ask ISO support to reactivate it first.", "email")
        return user, False
    if not (name or "").strip():
        raise CamsError("This person has no Ask ISO account yet: enter their name to invite them.", "name")
    return create_user(email, name.strip()), True


def add_member(actor, participant, email, *, name=None, roles=(), staff=False, via="web"):
    """Add a person by email; invites them when they have no account. Returns (membership, invited).

    Only ISO staff (staff=True) are told facts about an address that are not a participant's
    to know (an ISO staff account, a deactivated one). For an SA such an address is refused
    without a word: (None, False), audited `cams.member_add_refused`, so that their page can
    answer the same as for any other address (askiso/cams/member_views.py).
    """
    _check_may_change(actor, participant, staff)
    roles = [r for r in MEMBERSHIP_ROLES if r in set(roles)]
    email = normalize_email(email)
    _lock(participant)
    if not staff:
        refusal = _refusal_for_participants(email)
        if refusal is not None:
            record("cams.member_add_refused", actor, participant=participant, email=email[:254], reason=refusal,
                   via=via)
            return None, False
    user, created = _member_user(email, name)
    if not created and active_membership(user, participant) is not None:
        raise CamsError(f"{user.email} is already a member of {participant.name}.", "email")
    membership = Membership(
        user_id=user.id, participant_id=participant.id, granted_by_id=getattr(actor, "id", None),
        is_external_manager="external_manager" in roles, is_security_admin="security_admin" in roles,
    )
    try:
        with db.session.begin_nested():
            db.session.add(membership)
            db.session.flush()
    except IntegrityError:
        raise CamsError(f"{user.email} is already a member of {participant.name}.", "email") from None
    record("cams.member_added", actor, subject_user=user, participant=participant,
           before=[], after=membership.roles, via=via, account_created=created)
    invited = user.password_hash is None
    if invited:
        invitations.send_invitation(user, invited_by=actor, participant=participant)  # audited there
    else:
        invitations.send_added_notice(membership, added_by=actor)
    return membership, invited


def set_role(actor, membership, role, grant, *, staff=False, via="web"):
    """Grant or revoke one CAMS role; returns False when nothing changed."""
    if role not in MEMBERSHIP_ROLES:
        raise CamsError("Unknown role.")
    _check_may_change(actor, membership.participant, staff)
    if not membership.is_active:
        raise CamsError("This membership has ended; add the person again instead.")
    if getattr(membership, f"is_{role}") == bool(grant):
        return False
    _lock(membership.participant)
    if role == "security_admin" and not grant and rules.protects_last_security_admin(membership, staff=staff):
        raise CamsError(
            f"{membership.user.name} is the last Security Administrator of {membership.participant.name}. "
            "Make someone else a Security Administrator first, or ask ISO staff to change this."
        )
    before = membership.roles
    setattr(membership, f"is_{role}", bool(grant))
    db.session.flush()
    record("cams.role_granted" if grant else "cams.role_revoked", actor, subject_user=membership.user,
           participant=membership.participant, role=role, before=before, after=membership.roles, via=via)
    return True


def end_membership(actor, membership, *, staff=False, via="web"):
    """End a membership: access to that participant's cases stops at once. The row stays as history."""
    _check_may_change(actor, membership.participant, staff)
    if not membership.is_active:
        raise CamsError("This membership has already ended.")
    _lock(membership.participant)
    if rules.protects_last_security_admin(membership, staff=staff):
        raise CamsError(
            f"{membership.user.name} is the last Security Administrator of {membership.participant.name} "
            "and cannot be removed. Make someone else a Security Administrator first, or ask ISO staff."
        )
    membership.is_active = False
    membership.ended_at = utcnow()
    membership.ended_by_id = getattr(actor, "id", None)
    db.session.flush()
    record("cams.member_removed", actor, subject_user=membership.user, participant=membership.participant,
           before=membership.roles, after=[], via=via)
    return membership


def resend_invitation(actor, membership, *, staff=False, via="web"):
    """Send a new set-password link (the older links stop working)."""
    _check_may_change(actor, membership.participant, staff)
    user = membership.user
    if not membership.is_active:
        raise CamsError("This membership has ended.")
    if user.password_hash is not None:
        raise CamsError(f"{user.name} has already set a password; they can use 'Forgot password' if needed.")
    # Audited by the accounts feature as auth.set_password_sent, with the participant.
    invitations.send_invitation(user, invited_by=actor, participant=membership.participant)

"""The participant register, kept by ISO staff admins (and the CLI)."""

import re

from sqlalchemy import func, or_, select

from askiso.audit.models import AuditEvent
from askiso.audit.services import record
from askiso.cams.models import PARTICIPANT_STATUSES, Membership, Participant
from askiso.cams.services import CamsError
from askiso.extensions import db

CODE_PATTERN = re.compile(r"^[A-Z0-9][A-Z0-9_-]{1,31}$")
CODE_RULE = "2 to 32 letters, digits, '-' or '_', starting with a letter or digit"


def normalize_code(code):
    return (code or "").strip().upper()


def participant_by_code(code):
    """The participant with this code (case-insensitive), or None."""
    code = normalize_code(code)
    if not code:
        return None
    return db.session.scalar(select(Participant).where(Participant.code == code))


def find_participants(q=None, status=None):
    """A SELECT of participants matching name or code, for pagination."""
    stmt = select(Participant)
    q = (q or "").strip()
    if q:
        like = "%" + q.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        name_matches = func.lower(Participant.name).like(like, escape="\\")
        stmt = stmt.where(or_(name_matches, func.lower(Participant.code).like(like, escape="\\")))
    if status in PARTICIPANT_STATUSES:
        stmt = stmt.where(Participant.status == status)
    return stmt.order_by(Participant.name, Participant.id)


def member_counts(participant_ids):
    """{participant id: (active members, active SAs)} for a page of participants."""
    if not participant_ids:
        return {}
    rows = db.session.execute(
        select(
            Membership.participant_id,
            func.count(Membership.id),
            func.count(Membership.id).filter(Membership.is_security_admin.is_(True)),
        )
        .where(Membership.participant_id.in_(participant_ids), Membership.is_active.is_(True))
        .group_by(Membership.participant_id)
    ).all()
    return {pid: (members, sas) for pid, members, sas in rows}


def _checked(name, code, participant=None):
    name = " ".join((name or "").split())
    code = normalize_code(code)
    if not name:
        raise CamsError("Enter the participant's name.", "name")
    if len(name) > 200:
        raise CamsError("The name can be at most 200 characters.", "name")
    if not CODE_PATTERN.match(code):
        raise CamsError(f"The code must be {CODE_RULE}.", "code")
    other = participant_by_code(code)
    if other is not None and other is not participant:
        raise CamsError(f"The code {code} is already used by {other.name}.", "code")
    return name, code


def create_participant(actor, name, code, *, via="web"):
    """Register a new, active participant."""
    name, code = _checked(name, code)
    participant = Participant(name=name, code=code, status="active")
    db.session.add(participant)
    db.session.flush()
    record("cams.participant_created", actor, participant=participant, after={"name": name, "code": code}, via=via)
    return participant


def update_participant(actor, participant, name, code, *, via="web"):
    """Rename a participant or correct its code; returns False when nothing changed."""
    name, code = _checked(name, code, participant)
    before = {"name": participant.name, "code": participant.code}
    if before == {"name": name, "code": code}:
        return False
    participant.name, participant.code = name, code
    db.session.flush()
    record("cams.participant_updated", actor, participant=participant, before=before,
           after={"name": name, "code": code}, via=via)
    return True


def set_participant_status(actor, participant, status, *, via="web"):
    """Suspend, retire or reactivate. Memberships are kept; suspended companies cannot submit."""
    if status not in PARTICIPANT_STATUSES:
        raise CamsError("Unknown status.")
    if participant.status == status:
        return False
    before = participant.status
    participant.status = status
    db.session.flush()
    record("cams.participant_status_changed", actor, participant=participant, before=before, after=status, via=via)
    return True


# What a participant's SAs see of its audit trail: membership changes and invitations.
SA_VISIBLE_ACTIONS = ("auth.set_password_sent",)


def participant_activity(participant, *, cams_only=False, limit=100):
    """The newest audit events about this participant (membership changes only for SAs)."""
    stmt = select(AuditEvent).where(AuditEvent.participant_id == participant.id)
    if cams_only:
        stmt = stmt.where(or_(AuditEvent.action.startswith("cams."), AuditEvent.action.in_(SA_VISIBLE_ACTIONS)))
    return db.session.scalars(stmt.order_by(AuditEvent.id.desc()).limit(limit)).all()

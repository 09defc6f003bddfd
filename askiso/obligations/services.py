"""Obligation operations: create, add participants, file, accept, return.

Services flush; the caller (a view, the CLI, the case service's transaction) commits.
Reminders live in reminders.py.
"""

import csv
import io
import re
from datetime import UTC, date, datetime

from flask import current_app
from sqlalchemy import select

from askiso.audit.services import record
from askiso.cams.models import Participant
from askiso.cases.models import RequestType
from askiso.core.timeutil import LOCAL_TZ, utcnow
from askiso.extensions import db
from askiso.obligations import reminders
from askiso.obligations.models import (
    OUTSTANDING,
    Obligation,
    ObligationParticipant,
    ParticipantAttribute,
)
from askiso.staff.sla import DAY_END

NAME_MAX = 200
REASON_MAX = 5000
ATTRIBUTE_MAX = 80
_ATTRIBUTE = re.compile(r"^[^\x00-\x1f;]{1,80}$")
# Attributes are separated by semicolons or new lines: names such as "over 1,000 MW/month" hold commas.
_ATTRIBUTE_SEPARATORS = re.compile(r"[;\r\n]+")


class ObligationError(Exception):
    """Bad input: `errors` maps a field name to what to fix."""

    def __init__(self, errors):
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


# ---------------------------------------------------------------- due times and settings


def due_at_for(day, at=None):
    """A local date (and time, by default the end of the business day) as naive UTC."""
    local = datetime.combine(day, at or DAY_END, tzinfo=LOCAL_TZ)
    return local.astimezone(UTC).replace(tzinfo=None)


def parse_reminder_days(text):
    """'30, 14, 7, 1' -> [30, 14, 7, 1] (distinct, largest first); ValueError when not whole days."""
    days = set()
    for part in str(text or "").replace(";", ",").split(","):
        part = part.strip()
        if not part:
            continue
        if not part.isdigit() or not 0 < int(part) <= 366:
            raise ValueError("Reminder days are whole numbers of days from 1 to 366, separated by commas.")
        days.add(int(part))
    return sorted(days, reverse=True)


def default_reminder_days():
    """The configured reminder days (OBLIGATION_REMINDER_DAYS)."""
    return parse_reminder_days(current_app.config.get("OBLIGATION_REMINDER_DAYS", "30,14,7,1"))


def shown_state(row, due_at, now=None):
    """The state as people should read it: an outstanding row past its due time is overdue."""
    if row.state in ("open", "returned") and due_at <= (now or utcnow()):
        return "overdue"
    return row.state


# ---------------------------------------------------------------- choosing participants


def participants_by_codes(codes):
    """(participants, unknown codes) for codes as typed or imported (case-insensitive)."""
    wanted = []
    for code in codes:
        code = (code or "").strip()
        if code and code.upper() not in (c.upper() for c in wanted):
            wanted.append(code)
    if not wanted:
        return [], []
    rows = db.session.scalars(
        select(Participant).where(db.func.upper(Participant.code).in_([c.upper() for c in wanted]))
    ).all()
    found = {p.code.upper(): p for p in rows}
    return [found[c.upper()] for c in wanted if c.upper() in found], [c for c in wanted if c.upper() not in found]


def codes_from_csv(text):
    """Participant codes from CSV text: the `code` column when there is a header, else the first column."""
    rows = [r for r in csv.reader(io.StringIO(text or "")) if any(cell.strip() for cell in r)]
    if not rows:
        return []
    header = [cell.strip().lower() for cell in rows[0]]
    column = 0
    if "code" in header:
        column = header.index("code")
        rows = rows[1:]
    elif header and header[0] in ("participant", "participant code", "customer id"):
        rows = rows[1:]
    return [r[column].strip() for r in rows if len(r) > column and r[column].strip()]


def participants_with_attribute(name):
    """Every participant carrying this attribute, by code."""
    return db.session.scalars(
        select(Participant)
        .join(ParticipantAttribute, ParticipantAttribute.participant_id == Participant.id)
        .where(ParticipantAttribute.name == (name or "").strip())
        .order_by(Participant.code)
    ).all()


def attribute_names():
    """Every attribute in use, by name."""
    return list(db.session.scalars(select(ParticipantAttribute.name).distinct().order_by(ParticipantAttribute.name)))


def attributes_by_participant():
    """{participant_id: [names]} of every participant with attributes."""
    result = {}
    for pid, name in db.session.execute(
        select(ParticipantAttribute.participant_id, ParticipantAttribute.name).order_by(ParticipantAttribute.name)
    ):
        result.setdefault(pid, []).append(name)
    return result


def set_attributes(actor, participant, text):
    """Replace a participant's attributes with the names in `text`, separated by semicolons (audited)."""
    names = []
    for part in _ATTRIBUTE_SEPARATORS.split(text or ""):
        part = " ".join(part.split())
        if part and part not in names:
            if not _ATTRIBUTE.fullmatch(part):
                too_long = f"“{part[:40]}”: at most {ATTRIBUTE_MAX} characters, no control characters."
                raise ObligationError({"attributes": too_long})
            names.append(part)
    current = {a.name: a for a in db.session.scalars(
        select(ParticipantAttribute).where(ParticipantAttribute.participant_id == participant.id))}
    if set(current) == set(names):
        return False
    for name, row in current.items():
        if name not in names:
            db.session.delete(row)
    for name in names:
        if name not in current:
            db.session.add(ParticipantAttribute(participant_id=participant.id, name=name, created_by_id=actor.id))
    record("participant.attributes", actor, participant=participant, before=sorted(current), after=sorted(names))
    db.session.flush()
    return True


# ---------------------------------------------------------------- create


def _request_type(key):
    request_type = db.session.scalar(select(RequestType).where(RequestType.key == (key or "").strip()))
    if request_type is None:
        raise ObligationError({"request_type": f"No request type has the key “{(key or '')[:60]}”."})
    return request_type


def create_obligation(actor, *, name, request_type_key, due_date, participants=(), due_time=None,
                      reminder_days=None, remind_when_overdue=True, description=""):
    """A new obligation due at the end of `due_date` (local), with its first participants (audited)."""
    request_type = _request_type(request_type_key)
    if not isinstance(due_date, date):
        raise ObligationError({"due": "Give the due date as YYYY-MM-DD."})
    name = " ".join((name or "").split()) or f"{request_type.name} — due {due_date.isoformat()}"
    if len(name) > NAME_MAX:
        raise ObligationError({"name": f"At most {NAME_MAX} characters."})
    obligation = Obligation(
        name=name,
        request_type_id=request_type.id,
        due_at=due_at_for(due_date, due_time),
        reminder_days=list(reminder_days) if reminder_days is not None else default_reminder_days(),
        remind_when_overdue=remind_when_overdue,
        description=(description or "").strip(),
        created_by_id=actor.id if actor is not None else None,
        created_at=utcnow(),
    )
    db.session.add(obligation)
    db.session.flush()
    record("obligation.created", actor, obligation=obligation.id, name=name, request_type=request_type.key,
           due_at=obligation.due_at.isoformat())
    add_participants(actor, obligation, participants)
    return obligation


def add_participants(actor, obligation, participants):
    """Obligate more participants (those already obligated are left as they are); returns how many were added."""
    have = set(db.session.scalars(
        select(ObligationParticipant.participant_id).where(ObligationParticipant.obligation_id == obligation.id)))
    added = []
    for participant in participants:
        if participant.id not in have:
            have.add(participant.id)
            db.session.add(ObligationParticipant(obligation_id=obligation.id, participant_id=participant.id))
            added.append(participant.code)
    if added:
        db.session.flush()
        record("obligation.participants_added", actor, obligation=obligation.id, codes=added)
    return len(added)


# ---------------------------------------------------------------- filing, accepting, returning


def on_case_created(case, actor=None, **_):
    """A new case of an obligated request type for an obligated participant files the obligation.

    Runs inside create_case's transaction (askiso/cases/services.py sends
    case_created after the insert); the earliest-due outstanding obligation wins.
    """
    if case.participant_id is None:
        return
    row = db.session.scalar(
        select(ObligationParticipant)
        .join(Obligation, Obligation.id == ObligationParticipant.obligation_id)
        .where(
            ObligationParticipant.participant_id == case.participant_id,
            ObligationParticipant.state.in_(OUTSTANDING),
            Obligation.request_type_id == case.request_type_id,
            Obligation.created_at <= case.received_at,
        )
        .order_by(Obligation.due_at, Obligation.id)
        .limit(1)
    )
    if row is None:
        return
    row.state = "filed"
    row.case_id = case.id
    row.filed_at = case.received_at
    record("obligation.filed", actor, case=case, participant_id=case.participant_id, obligation=row.obligation_id,
           number=case.number)


def accept(actor, row):
    """Staff accept the filed case as satisfying the obligation."""
    if row.state != "filed":
        raise ObligationError({"state": "Only a filed obligation can be accepted."})
    row.state = "accepted"
    row.decided_at = utcnow()
    row.decided_by_id = actor.id
    record("obligation.accepted", actor, participant=row.participant, obligation=row.obligation_id)
    db.session.flush()


def return_filing(actor, row, reason):
    """Staff return the filing: the participant must file again; the reason is emailed to its SAs and EMs."""
    reason = (reason or "").strip()
    if row.state not in ("filed", "accepted"):
        raise ObligationError({"reason": "Only a filed or accepted obligation can be returned."})
    if not reason:
        raise ObligationError({"reason": "Say why it is returned: the participant reads this."})
    if len(reason) > REASON_MAX:
        raise ObligationError({"reason": f"At most {REASON_MAX} characters."})
    row.state = "returned"
    row.returned_reason = reason
    row.decided_at = utcnow()
    row.decided_by_id = actor.id
    record("obligation.returned", actor, participant=row.participant, obligation=row.obligation_id, reason=reason)
    reminders.notify_returned(row)
    db.session.flush()

"""Working one case: one submit of message and properties, merging duplicates, reply collisions."""

import functools
from dataclasses import dataclass

from sqlalchemy import bindparam, func, select, update

from askiso.audit.models import AuditEvent
from askiso.audit.services import record
from askiso.cases import services as case_services
from askiso.cases import signals
from askiso.cases.models import PRIORITIES, STATUSES, Attachment, Case, Message, Topic
from askiso.cases.services import InvalidCase, check_version, flush_versioned
from askiso.core.database import generic_plan
from askiso.core.timeutil import utcnow
from askiso.extensions import db
from askiso.mail.case_mail import queue_case_email
from askiso.mail.notify import case_recipients, case_subject
from askiso.staff.history import case_changes
from askiso.staff.services import active_queue, staff_user
from askiso.visibility import visible_cases, visible_messages

# ---------------------------------------------------------------- one submit: message and properties


def _id(raw, name):
    if not raw.isdigit():
        raise InvalidCase({name: f"Choose a {name} from the list."})
    return int(raw)


def _assignee(raw):
    return staff_user(_id(raw, "assignee")).id if raw else None


def _queue(raw):
    return active_queue(_id(raw, "queue")).id


def _topic(raw):
    topic = db.session.get(Topic, _id(raw, "topic")) if raw else None
    if raw and (topic is None or not topic.is_active):
        raise InvalidCase({"topic": "Choose an active topic."})
    return topic.id if topic else None


def _listed(allowed, name):
    def read(raw):
        if raw not in allowed:
            raise InvalidCase({name: f"Choose a {name} from the list."})
        return raw

    return read


# Posted name -> (case column, reader of the posted string that raises InvalidCase).
PROPERTIES = {
    "assignee": ("assignee_id", _assignee),
    "queue": ("queue_id", _queue),
    "status": ("status", _listed(STATUSES, "status")),
    "priority": ("priority", _listed(PRIORITIES, "priority")),
    "topic": ("topic_id", _topic),
}


def property_changes(case, values):
    """({column: new value} for update_case, new status or None) from posted property values
    (strings by name; a name left out stays as it is). Every bad value is reported at once."""
    changes, errors = {}, {}
    for name, (column, read) in PROPERTIES.items():
        if values.get(name) is None:
            continue
        try:
            new = read(str(values[name]).strip())
        except InvalidCase as exc:
            errors.update(exc.errors)
            continue
        if getattr(case, column) != new:
            changes[column] = new
    if errors:
        raise InvalidCase(errors)
    return changes, changes.pop("status", None)


def work_case(case, actor, expected_version, *, values=None, message=None):
    """One submit of the case page (or one macro): a message and property changes, all or nothing.

    `values` are posted property values (see property_changes); `message` is (body, internal, files)
    or None. The version is checked once, before anything changes; the message goes first so that
    an empty text or a refused file changes nothing. Returns (new message or None, changed names).
    """
    check_version(case, expected_version)
    changes, status = property_changes(case, values or {})
    added = None
    with signals.one_submit(case, actor):  # one email per person: the reply, telling the new status
        if message is not None:
            body, internal, files = message
            added = case_services.add_message(case, actor, body, internal=internal, files=files)
        if changes:
            case_services.update_case(case, actor, **changes)
        if status:
            case_services.change_status(case, actor, status)
    return added, sorted(changes) + (["status"] if status else [])


# ---------------------------------------------------------------- merge


def merge_candidates(case, viewer, limit=50):
    """Other recently active cases of the same participant (or inquirer) to merge into.

    Most recently updated first: read in the order of the (participant, updated)
    and (submitter, updated) indexes, so a company with 60,000 cases costs 50 rows.
    """
    stmt = visible_cases(viewer).where(Case.id != case.id, Case.merged_into_id.is_(None))
    if case.participant_id is not None:
        stmt = stmt.where(Case.participant_id == case.participant_id)
    else:
        stmt = stmt.where(Case.participant_id.is_(None), Case.submitter_id == case.submitter_id)
    return db.session.scalars(stmt.order_by(Case.updated_at.desc(), Case.id.desc()).limit(limit)).all()


def _check_mergeable(duplicate, target):
    if target is None or target.id == duplicate.id:
        raise InvalidCase({"target": "Choose another case to merge into."})
    if duplicate.merged_into_id is not None:
        raise InvalidCase({"target": f"{duplicate.number} was already merged."})
    if target.merged_into_id is not None:
        raise InvalidCase({"target": f"{target.number} was itself merged; merge into {target.merged_into.number}."})
    same = (
        duplicate.participant_id == target.participant_id
        if duplicate.participant_id is not None
        else target.participant_id is None and target.submitter_id == duplicate.submitter_id
    )
    if not same:
        raise InvalidCase({"target": "Only cases of the same participant can be merged."})


def merge_case(duplicate, target, actor, expected_version=None):
    """Move every message and file of `duplicate` into `target` and close the duplicate."""
    check_version(duplicate, expected_version)
    _check_mergeable(duplicate, target)
    now = utcnow()
    moved_messages = db.session.scalar(select(func.count()).where(Message.case_id == duplicate.id))
    moved_files = db.session.scalar(select(func.count()).where(Attachment.case_id == duplicate.id))
    # The duplicate's own submission text becomes a public message of the target.
    db.session.add(Message(
        case_id=target.id, author_id=duplicate.submitter_id, body=_merged_text(duplicate),
        is_internal=False, source=duplicate.source, created_at=duplicate.received_at,
    ))
    db.session.execute(update(Message).where(Message.case_id == duplicate.id).values(case_id=target.id))
    db.session.execute(update(Attachment).where(Attachment.case_id == duplicate.id).values(case_id=target.id))
    db.session.add(Message(
        case_id=duplicate.id, author_id=actor.id, is_internal=False, created_at=now,
        body=f"This case was merged into {target.number}. The conversation continues there.",
    ))
    _close_as_merged(duplicate, target, actor, now)
    target.updated_at = now
    flush_versioned()
    record("case.merged", actor, case=duplicate, participant=duplicate.participant_id, into=target.number,
           messages=moved_messages, files=moved_files)
    record("case.merged_from", actor, case=target, participant=target.participant_id, source=duplicate.number,
           messages=moved_messages, files=moved_files)
    signals.case_changed.send(duplicate, actor=actor, changes={"merged_into_id": (None, target.id)})
    signals.case_changed.send(target, actor=actor, changes={"merged_from": (None, duplicate.id)})
    _tell_submitters(duplicate, target, actor)
    return target


def _merged_text(duplicate):
    return (
        f"**Merged from {duplicate.number}: {duplicate.subject}**\n\n{duplicate.description}"
    )


def _close_as_merged(duplicate, target, actor, now):
    old_status = duplicate.status
    duplicate.status = "closed"
    duplicate.closed_at = now
    duplicate.close_reason = f"Merged into {target.number}"
    duplicate.merged_into_id = target.id
    duplicate.updated_at = now
    record("case.status_changed", actor, case=duplicate, before=old_status, after="closed",
           reason=duplicate.close_reason)


def _tell_submitters(duplicate, target, actor):
    for case in (duplicate, target):
        queue_case_email(
            "case_merged", case, case_recipients(case),
            case_subject(case, f"Merged: {duplicate.number} into {target.number}"), "staff_case_merged",
            exclude=actor, duplicate=duplicate, target=target,
        )


# ---------------------------------------------------------------- collisions


@dataclass
class Snapshot:
    """What the agent's page showed: the case version and the last message and event."""

    version: int
    message_id: int
    event_id: int


def snapshot(case, shown_messages=None):
    """The snapshot of the case as a page shows it. `shown_messages`: every message of the case, when
    the page has loaded them all anyway (the staff case page), which spares asking for the last id."""
    if shown_messages is not None:
        last_message = max((m.id for m in shown_messages), default=0)
    else:
        last_message = db.session.scalar(select(func.max(Message.id)).where(Message.case_id == case.id)) or 0
    last_event = db.session.scalar(_last_event_statement(), {"case_id": case.id}) or 0
    return Snapshot(case.version, last_message, last_event)


@functools.cache
def _last_event_statement():
    # Built once: every staff case page asks, and building it cost more than running it.
    return generic_plan(select(func.max(AuditEvent.id)).where(AuditEvent.case_id == bindparam("case_id")))


def changes_since(case, viewer, seen):
    """(new messages, new changes as sentences) since the snapshot the form was loaded with; the
    changes read as on the history page (askiso/staff/history.py, askiso/audit/sentences.py)."""
    messages = db.session.scalars(visible_messages(viewer, case).where(Message.id > seen.message_id)).all()
    return messages, case_changes(case, after_event_id=seen.event_id)

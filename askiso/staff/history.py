"""A case's history for staff: its audit events as sentences (askiso/audit/sentences.py) merged
with its messages, oldest first, in a constant number of statements."""

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from askiso.audit.models import AuditEvent
from askiso.audit.sentences import sentences
from askiso.cases.models import Message
from askiso.extensions import db
from askiso.visibility import visible_messages

# Told by the message entries themselves (with a link to the text).
_MESSAGE_ACTIONS = ("case.replied", "case.note_added")


@dataclass
class HistoryEntry:
    at: object
    sentence: object = None  # a Sentence, for a change
    message: object = None  # a Message, for a reply or note
    text: str = ""


def case_changes(case, after_event_id=0):
    """The case's audited changes (its messages aside) as sentences, oldest first; only those after
    `after_event_id` when given (the collision warning of the staff case page: what changed since
    the agent's page was loaded)."""
    stmt = (
        select(AuditEvent)
        .where(AuditEvent.case_id == case.id, AuditEvent.action.notin_(_MESSAGE_ACTIONS))
        .options(joinedload(AuditEvent.actor), joinedload(AuditEvent.subject_user),
                 joinedload(AuditEvent.participant))
        .order_by(AuditEvent.created_at, AuditEvent.id)
    )
    if after_event_id:
        stmt = stmt.where(AuditEvent.id > after_event_id)
    return sentences(db.session.scalars(stmt).all())


def case_history(case, viewer):
    """Every audited change of the case and every message the viewer may read, oldest first."""
    entries = [HistoryEntry(s.at, sentence=s, text=s.text) for s in case_changes(case)]
    messages = db.session.scalars(visible_messages(viewer, case).options(joinedload(Message.author))).all()
    for message in messages:
        verb = "added an internal note" if message.is_internal else "replied publicly"
        entries.append(HistoryEntry(message.created_at, message=message, text=f"{message.display_author} {verb}"))
    entries.sort(key=lambda e: (e.at, 0 if e.sentence else 1))
    return entries

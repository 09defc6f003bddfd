"""What the index knows about a case, built from the database.

The same builder feeds both backends and the result snippets, so a snippet
never shows text that the index was not allowed to hold for that person:
internal notes and internal files go only into `internal_text`, and are not
even loaded when the reader is not staff.

The PostgreSQL rebuild builds the same texts in SQL
(askiso/search/backends/postgres_rebuild.py): a change here must be made
there too (tests/search/test_pg_rebuild.py compares both).
"""

import json
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from askiso.auth.models import User
from askiso.cams.models import Participant
from askiso.cases.models import Attachment, Case, CaseContact, Message, RequestType, Topic
from askiso.extensions import db
from askiso.visibility import PUBLIC_FILE, PUBLIC_MESSAGE, all_cases, unscoped

_FOR_THE_INDEX = unscoped("search documents: for the index (all cases), or of hits already checked by the rule")

# Private-use characters that mark highlighted words inside snippet text;
# stripped from indexed text so nobody can forge a highlight.
MARK_START = "\ue000"
MARK_END = "\ue001"


@dataclass
class CaseDocument:
    case_id: int
    number: str
    subject: str
    status: str
    participant_id: int | None
    participant_code: str
    request_type: str
    submitter_id: int | None
    queue_id: int | None
    updated_at: datetime
    contact_ids: list = field(default_factory=list)
    public_parts: list = field(default_factory=list)
    internal_parts: list = field(default_factory=list)

    @property
    def head(self):
        return f"{self.number} {self.subject}"

    @property
    def public_text(self):
        return _join(self.public_parts)

    @property
    def internal_text(self):
        return _join(self.internal_parts)


def _clean(value):
    return str(value).replace(MARK_START, "").replace(MARK_END, "").strip()


def _join(parts):
    return "\n".join(p for p in (_clean(x) for x in parts if x is not None) if p)


def _field_text(value):
    # A list or dict nested in a list or dict is indexed as its JSON text,
    # which is what the column holds: the PostgreSQL rebuild reads that text.
    return json.dumps(value) if isinstance(value, (list, tuple, dict)) else str(value)


def _field_values(values):
    # The PostgreSQL rebuild does the same in SQL (postgres_rebuild._FIELD_VALUES).
    for value in (values or {}).values():
        if isinstance(value, (list, tuple)):
            yield from (_field_text(v) for v in value)
        elif isinstance(value, dict):
            yield from (_field_text(v) for v in value.values())
        elif value not in (None, ""):
            yield str(value)


def _base_document(case):
    participant = case.participant
    submitter = case.submitter
    return _make_document(
        case,
        participant_code=participant.code if participant else None,
        participant_name=participant.name if participant else None,
        submitter_name=submitter.name if submitter else None,
        submitter_email=submitter.email if submitter else None,
        request_type_key=case.request_type.key if case.request_type else None,
        request_type_name=case.request_type.name if case.request_type else None,
        topic_name=case.topic.name if case.topic else None,
        contact_ids=sorted(c.user_id for c in case.contacts),
    )


def _make_document(
    case,
    *,
    participant_code,
    participant_name,
    submitter_name,
    submitter_email,
    request_type_key,
    request_type_name,
    topic_name,
    contact_ids,
):
    """The document of one case: `case` is a Case or a row with the same column names."""
    has_participant = participant_code is not None
    doc = CaseDocument(
        case_id=case.id,
        number=case.number,
        subject=_clean(case.subject or ""),
        status=case.status,
        participant_id=case.participant_id,
        participant_code=participant_code if has_participant else "",
        request_type=request_type_key or "",
        submitter_id=case.submitter_id,
        queue_id=case.queue_id,
        updated_at=case.updated_at or case.created_at,
        contact_ids=contact_ids,
    )
    doc.public_parts += [case.number, case.description, *_field_values(case.field_values)]
    doc.public_parts += [request_type_name, topic_name]
    if has_participant:
        doc.public_parts += [participant_name, participant_code]
    if submitter_email is not None:
        doc.public_parts += [submitter_name, submitter_email]
    return doc


@_FOR_THE_INDEX
def load_documents(case_ids, *, include_internal):
    """CaseDocuments by case id for the cases that still exist.

    Unscoped on purpose (like visibility.all_cases()): callers are the index
    writer, or the result page after every hit was re-checked for the viewer.
    """
    ids = sorted({int(i) for i in case_ids})
    if not ids:
        return {}
    stmt = (
        all_cases()
        .where(Case.id.in_(ids))
        .options(
            selectinload(Case.participant),
            selectinload(Case.submitter),
            selectinload(Case.request_type),
            selectinload(Case.topic),
            selectinload(Case.contacts),
        )
    )
    docs = {case.id: _base_document(case) for case in db.session.scalars(stmt)}
    _add_messages(docs, include_internal)
    _add_files(docs, include_internal)
    return docs


@_FOR_THE_INDEX
def load_documents_bulk(case_ids, *, include_internal):
    """The same as load_documents, read with five plain queries and no ORM objects.

    For the rebuild, which reads every case: about ten times faster than
    loading Case objects with their relationships.
    """
    ids = sorted({int(i) for i in case_ids})
    if not ids:
        return {}
    stmt = (
        select(
            Case.id,
            Case.number,
            Case.subject,
            Case.status,
            Case.participant_id,
            Case.submitter_id,
            Case.queue_id,
            Case.updated_at,
            Case.created_at,
            Case.description,
            Case.field_values,
            Participant.code.label("participant_code"),
            Participant.name.label("participant_name"),
            User.name.label("submitter_name"),
            User.email.label("submitter_email"),
            RequestType.key.label("request_type_key"),
            RequestType.name.label("request_type_name"),
            Topic.name.label("topic_name"),
        )
        .outerjoin(Participant, Participant.id == Case.participant_id)
        .outerjoin(User, User.id == Case.submitter_id)
        .outerjoin(RequestType, RequestType.id == Case.request_type_id)
        .outerjoin(Topic, Topic.id == Case.topic_id)
        .where(Case.id.in_(ids))
    )
    contacts = {}
    for case_id, user_id in db.session.execute(
        select(CaseContact.case_id, CaseContact.user_id).where(CaseContact.case_id.in_(ids))
    ):
        contacts.setdefault(case_id, []).append(user_id)
    docs = {}
    for row in db.session.execute(stmt):
        docs[row.id] = _make_document(
            row,
            participant_code=row.participant_code,
            participant_name=row.participant_name,
            submitter_name=row.submitter_name,
            submitter_email=row.submitter_email,
            request_type_key=row.request_type_key,
            request_type_name=row.request_type_name,
            topic_name=row.topic_name,
            contact_ids=sorted(contacts.get(row.id, ())),
        )
    _add_messages(docs, include_internal)
    _add_files(docs, include_internal)
    return docs


def _add_messages(docs, include_internal):
    stmt = select(Message.case_id, Message.body, Message.is_internal).where(Message.case_id.in_(list(docs)))
    if not include_internal:
        stmt = stmt.where(PUBLIC_MESSAGE)
    for case_id, body, is_internal in db.session.execute(stmt.order_by(Message.created_at, Message.id)):
        doc = docs[case_id]
        (doc.internal_parts if is_internal else doc.public_parts).append(body)


def _add_files(docs, include_internal):
    # One definition of a public file: visibility.PUBLIC_FILE (store_files marks the files of an
    # internal note internal; migration 319bab07742e did so for older rows). The PostgreSQL
    # rebuild's SQL (postgres_rebuild.py) asks the same column: the two must build the same texts.
    stmt = select(Attachment.case_id, Attachment.filename, Attachment.is_internal).where(
        Attachment.case_id.in_(list(docs))
    )
    if not include_internal:
        stmt = stmt.where(PUBLIC_FILE)
    for case_id, filename, is_internal in db.session.execute(stmt.order_by(Attachment.id)):
        doc = docs[case_id]
        (doc.internal_parts if is_internal else doc.public_parts).append(filename)


# Cases read per query round of a rebuild.
LOAD_CHUNK = 1000


def all_case_ids():
    """Every case id, unscoped: the rebuild needs them all."""
    with unscoped("the search index holds every case; each hit is checked by the rule when read"):
        return list(db.session.scalars(all_cases().with_only_columns(Case.id).order_by(Case.id)))


def iter_all_documents(case_ids=None, chunk=LOAD_CHUNK, release=False):
    """CaseDocuments of every case (or of `case_ids`), read in chunks.

    `release` ends the read transaction after each chunk (CLI and rebuild
    processes only: a web request keeps its own).
    """
    ids = all_case_ids() if case_ids is None else list(case_ids)
    for start in range(0, len(ids), chunk):
        docs = load_documents_bulk(ids[start : start + chunk], include_internal=True)
        yield from (docs[i] for i in ids[start : start + chunk] if i in docs)
        if release:
            db.session.rollback()

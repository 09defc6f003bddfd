"""Queue index updates in the transaction that changes the data.

A listener on the application's session looks at every flush: each Case,
Message, CaseContact or Attachment that was added, changed or deleted puts
its case id in `search_queue` through the flush's own connection. The queue
row therefore commits with the change and vanishes with a rollback. Renaming
a participant or a person re-queues the cases that show that name.

Code that changes cases with bulk UPDATE statements (which bypass the ORM
flush) calls `enqueue_cases(ids)` in the same transaction.
"""

import threading
from itertools import chain

from sqlalchemy import event, insert, inspect, literal, select

from askiso.auth.models import User
from askiso.cams.models import Participant
from askiso.cases import signals
from askiso.cases.models import Attachment, Case, CaseContact, Message
from askiso.core.timeutil import utcnow
from askiso.extensions import db
from askiso.search.models import SearchQueue

# Set after a commit that queued work, so the in-process worker wakes at once.
work_available = threading.Event()
_PENDING_KEY = "search_queued"
_CHILDREN = (Message, CaseContact, Attachment)


def _changed(session, obj):
    return obj not in session.dirty or session.is_modified(obj, include_collections=False)


def _ids_of(obj):
    """The case ids a changed row belongs to, before and after the change."""
    if isinstance(obj, Case):
        return {obj.id}
    history = inspect(obj).attrs.case_id.history
    return {obj.case_id, *history.deleted} - {None}


def _renamed(obj, *names):
    state = inspect(obj)
    return any(state.attrs[name].history.has_changes() for name in names)


def collect_case_ids(session):
    """Case ids touched by the pending flush (call from flush events)."""
    ids = set()
    for obj in chain(session.new, session.dirty, session.deleted):
        if isinstance(obj, (Case, *_CHILDREN)) and _changed(session, obj):
            ids |= _ids_of(obj)
    return {i for i in ids if i is not None}


def _renamed_owner_queries(session):
    """SELECTs of case ids whose indexed participant or submitter name changed."""
    queries = []
    for obj in session.dirty:
        if isinstance(obj, Participant) and _renamed(obj, "name", "code"):
            queries.append(select(Case.id).where(Case.participant_id == obj.id))
        elif isinstance(obj, User) and _renamed(obj, "name", "email"):
            queries.append(select(Case.id).where(Case.submitter_id == obj.id))
    return queries


def _after_flush(session, flush_context):
    ids = collect_case_ids(session)
    connection = session.connection()
    now = utcnow()
    queued = bool(ids)
    if ids:
        connection.execute(insert(SearchQueue.__table__), [{"case_id": i, "enqueued_at": now} for i in sorted(ids)])
    for query in _renamed_owner_queries(session):
        rows = query.add_columns(literal(now).label("enqueued_at"))
        connection.execute(insert(SearchQueue.__table__).from_select(["case_id", "enqueued_at"], rows))
        queued = True
    if queued:
        session.info[_PENDING_KEY] = True


def enqueue_cases(case_ids, session=None):
    """Queue these cases for reindexing in the current transaction."""
    session = session or db.session
    rows = [{"case_id": int(i), "enqueued_at": utcnow()} for i in set(case_ids) if i is not None]
    if rows:
        session.connection().execute(insert(SearchQueue.__table__), rows)
        session.info[_PENDING_KEY] = True


def _after_commit(session):
    if session.info.pop(_PENDING_KEY, False):
        work_available.set()


def _after_rollback(session):
    session.info.pop(_PENDING_KEY, None)


def _on_case_signal(case, **kwargs):
    # Services may change a case with a bulk UPDATE, which no flush sees.
    if case is not None and case.id is not None:
        enqueue_cases([case.id])


def install():
    """Attach the listeners once (idempotent)."""
    for name, fn in (
        ("after_flush", _after_flush),
        ("after_commit", _after_commit),
        ("after_rollback", _after_rollback),
    ):
        if not event.contains(db.session, name, fn):
            event.listen(db.session, name, fn)
    for signal in (signals.status_changed, signals.case_changed):
        signal.connect(_on_case_signal, weak=False)


install()

"""Index updates: queued in the changing transaction, applied after commit only."""

import pytest
from sqlalchemy import func, select

from askiso.cases.models import Case, Message
from askiso.extensions import db
from askiso.search import worker
from askiso.search.backends import WriterBusy, get_backend
from askiso.search.models import SearchQueue
from askiso.search.tracking import enqueue_cases
from tests.search.conftest import add_message, find, make_case


def _queued():
    return db.session.scalar(select(func.count()).select_from(SearchQueue))


def test_changes_are_queued_in_the_same_transaction(backend, people):
    case = make_case(people.alpha, people.alpha_user, "Queue me")
    assert _queued() >= 1
    assert worker.process_queue() >= 1
    assert _queued() == 0
    add_message(case, "one more reply", people.agent)
    assert _queued() == 1


def test_updates_appear_after_commit_and_not_after_rollback(backend, people):
    case = make_case(people.alpha, people.alpha_user, "Rollback check")
    assert find(people.agent, "marzipan") == []
    db.session.add(Message(case_id=case.id, author_id=people.agent.id, body="marzipan shipment"))
    db.session.flush()
    db.session.rollback()
    assert _queued() == 0
    assert find(people.agent, "marzipan") == []
    db.session.add(Message(case_id=case.id, author_id=people.agent.id, body="marzipan shipment"))
    db.session.commit()
    assert find(people.agent, "marzipan") == [case.number]


def test_new_case_rolled_back_is_never_indexed(backend, people):
    with pytest.raises(RuntimeError):
        try:
            make_case_uncommitted = Case(
                number="AI-2026-999999",
                participant_id=people.alpha.id,
                submitter_id=people.alpha_user.id,
                request_type_id=1,
                queue_id=1,
                subject="Phantom tangerine",
                description="never committed",
            )
            db.session.add(make_case_uncommitted)
            db.session.flush()
            raise RuntimeError("the request failed")
        finally:
            db.session.rollback()
    assert find(people.agent, "tangerine") == []


def test_edits_and_deletes_reach_the_index(backend, people):
    case = make_case(people.alpha, people.alpha_user, "Original subject walrus", "details")
    assert find(people.agent, "walrus") == [case.number]
    case.subject = "Renamed subject narwhal"
    db.session.commit()
    assert find(people.agent, "walrus") == []
    assert find(people.agent, "narwhal") == [case.number]
    db.session.delete(db.session.get(Case, case.id))
    db.session.commit()
    assert find(people.agent, "narwhal") == []


def test_participant_rename_requeues_its_cases(backend, people):
    case = make_case(people.alpha, people.alpha_user, "Rename check")
    worker.process_queue()
    people.alpha.name = "Zeppelin Generation LLC"
    db.session.commit()
    assert find(people.agent, "zeppelin") == [case.number]


def test_enqueue_cases_for_bulk_updates(backend, people):
    from sqlalchemy import update

    case = make_case(people.alpha, people.alpha_user, "Bulk update check")
    worker.process_queue()
    db.session.execute(update(Case).where(Case.id == case.id).values(subject="Bulk flamingo"))
    enqueue_cases([case.id])
    db.session.commit()
    assert find(people.agent, "flamingo") == [case.number]


def test_a_failed_index_write_loses_nothing(backend, people, monkeypatch):
    case = make_case(people.alpha, people.alpha_user, "Crash test pelican")

    def boom(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(worker, "load_documents", boom)
    with pytest.raises(OSError):
        worker.process_queue()
    assert _queued() >= 1
    monkeypatch.undo()
    assert find(people.agent, "pelican") == [case.number]


def test_a_busy_writer_leaves_the_queue_for_later(backend, people, monkeypatch):
    case = make_case(people.alpha, people.alpha_user, "Locked heron")
    real = get_backend()

    class Busy:
        def writer(self):
            raise WriterBusy("someone else")

    monkeypatch.setattr(worker, "get_backend", lambda: Busy())
    assert worker.process_queue() == 0
    assert _queued() >= 1
    monkeypatch.setattr(worker, "get_backend", lambda: real)
    assert find(people.agent, "heron") == [case.number]


def test_whoosh_writer_lock_is_exclusive(backend, people):
    if backend != "whoosh":
        pytest.skip("file lock of the Whoosh backend")
    make_case(people.alpha, people.alpha_user, "Lock owl")
    lock = get_backend().store.lock()
    assert lock.acquire(blocking=False)
    try:
        assert worker.process_queue() == 0
        assert _queued() >= 1
    finally:
        lock.release()
    assert worker.process_queue() >= 1
    assert _queued() == 0


def test_bulk_documents_equal_the_orm_documents(app, people):
    """The result page builds its snippets from load_documents_bulk: the same documents as
    load_documents, field for field, with and without internal notes and files."""
    from askiso.cases.models import Attachment
    from askiso.search.documents import load_documents, load_documents_bulk

    first = make_case(people.alpha, people.alpha_user, "Invoice question", "About **the** invoice",
                      messages=[("public reply", False, people.agent), ("internal note", True, people.agent)],
                      contacts=[people.alpha_colleague], request_type="billing_dispute",
                      field_values={"operating_day": "2026-01-05", "amount": "12.00"})
    second = make_case(None, people.outsider, "General question", "Hello", status="waiting")
    third = make_case(people.beta, people.beta_user, "Data feed", "feeds")
    note = db.session.scalar(select(Message).where(Message.case_id == first.id, Message.is_internal.is_(True)))
    for name, message_id, internal in (("public.pdf", None, False), ("note.pdf", note.id, True),
                                       ("staff.pdf", None, True)):
        db.session.add(Attachment(case_id=first.id, message_id=message_id, filename=name, stored_name=name,
                                  sha256="0" * 64, size=1, content_type="application/pdf", is_internal=internal))
    db.session.commit()
    ids = [first.id, second.id, third.id, 999_999]
    for internal in (True, False):
        orm, bulk = load_documents(ids, include_internal=internal), load_documents_bulk(ids, include_internal=internal)
        assert set(orm) == set(bulk) == {first.id, second.id, third.id}
        assert orm == bulk

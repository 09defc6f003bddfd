"""PostgreSQL: the set-based rebuild builds exactly what the queue worker builds.

`flask search reindex` builds the `case_search` vectors in SQL
(askiso/search/backends/postgres_rebuild.py); the queue worker builds them
from the CaseDocuments of askiso/search/documents.py. Both must agree, text
for text and vector for vector, or a case would be found differently before
and after a rebuild.
"""

from datetime import timedelta

import pytest
from sqlalchemy import Text, cast, select, text

from askiso.cases.models import Attachment, Case, Message, Topic
from askiso.core.timeutil import utcnow
from askiso.extensions import db
from askiso.search import services, worker
from askiso.search.backends import postgres_rebuild
from askiso.search.backends.postgres_backend import WRITER_LOCK_KEY, _vectors
from askiso.search.documents import MARK_END, MARK_START, load_documents
from askiso.search.models import CaseSearch
from tests.search.conftest import find, make_case


@pytest.fixture
def postgres(backend):
    if backend != "postgres":
        pytest.skip("the set-based rebuild of the postgres backend")
    return backend


def _file(case, filename, *, message=None, internal=False):
    db.session.add(
        Attachment(
            case_id=case.id,
            message_id=message.id if message else None,
            filename=filename,
            stored_name=f"{case.id}-{filename}-{internal}"[:80],
            sha256="0" * 64,
            size=1,
            content_type="application/octet-stream",
            is_internal=internal,
        )
    )


def _message(case, body, author, *, internal=False, created_at=None):
    message = Message(case_id=case.id, author_id=author.id, body=body, is_internal=internal)
    if created_at is not None:
        message.created_at = created_at
    db.session.add(message)
    db.session.flush()
    return message


def _varied_cases(people):
    """Cases that exercise every part and every quirk of documents.py."""
    topic = Topic(key="pg-rebuild", name="Settlements and billing", sort_order=99)
    db.session.add(topic)
    db.session.commit()

    full = make_case(
        people.alpha,
        people.alpha_user,
        f"  Meter {MARK_START}forged{MARK_END} reading\u00a0 ",
        "Description with trailing space \u3000",
        field_values={
            "text": "Operating day 2026-03-15",
            "empty": "",
            "missing": None,
            "count": 42,
            "ratio": 2.5,
            "flag": True,
            "off": False,
            "choices": ["LMP", "", None, 7, False, "  zone  ", ["nested", "list"]],
            "period": {"from": "2026-01-01", "to": "2026-01-31", "note": {"deep": "énergie"}},
            "blank": "   ",
        },
        messages=[("First public reply about invoices", False, people.alpha_user)],
    )
    full.topic_id = topic.id
    early = utcnow() - timedelta(days=2)
    _message(full, "Internal note: collateral shortfall", people.agent, internal=True, created_at=early)
    # Same timestamp: ordered by id.
    _message(full, "Second reply, same time", people.agent, created_at=early)
    _message(full, "Third reply, same time", people.alpha_user, created_at=early)
    note = _message(full, "Note with a file", people.agent, internal=True)
    reply = _message(full, "Reply with a file", people.agent)
    _message(full, f"  {MARK_START}\n  ", people.agent)  # empty once cleaned
    _file(full, "public-statement.pdf")
    _file(full, "internal-by-flag.xlsx", internal=True)
    _file(full, "on-internal-note.csv", message=note, internal=True)  # as store_files marks it
    _file(full, "on-public-reply.txt", message=reply)

    inquiry = make_case(
        None,
        people.outsider,
        "Inquiry about market registration",
        "How do I register?",
        request_type="general_question",
        messages=[("We will answer soon", False, people.agent), ("Spam check done", True, people.agent)],
    )
    anonymous = make_case(None, None, "Emailed question with no account", "From someone unknown")
    silent = make_case(people.beta, people.beta_user, "No messages at all", "Just the description")
    only_internal = make_case(
        people.alpha,
        people.alpha_manager,
        "Only staff talk here",
        field_values={"list": [], "dict": {}},
        messages=[("Staff-only remark", True, people.agent)],
    )
    _file(only_internal, "staff-only.docx", internal=True)
    db.session.commit()
    return [full, inquiry, anonymous, silent, only_internal]


def _python_way(ids):
    """(head, public_text, internal_text) and vectors as the queue worker builds them."""
    docs = load_documents(ids, include_internal=True)
    texts, vectors = {}, {}
    for case_id, doc in docs.items():
        texts[case_id] = (doc.head, doc.public_text, doc.internal_text)
        built = _vectors(doc)
        vectors[case_id] = tuple(
            db.session.execute(select(cast(built["public"], Text), cast(built["internal"], Text))).one()
        )
    return texts, vectors


def _sql_way(ids):
    """The same, as the set-based rebuild builds them."""
    params = {**postgres_rebuild.TEXT_PARAMS, "ids": ids}
    where = "c.id = ANY(:ids)"
    texts = {
        row.case_id: (row.head, row.public_text, row.internal_text)
        for row in db.session.execute(postgres_rebuild.texts_sql(where), params)
    }
    vectors_sql = postgres_rebuild.vectors_sql(where).text
    vectors = {
        row[0]: (row[1], row[2])
        for row in db.session.execute(
            text(f"SELECT v.case_id, v.public::text, v.internal::text FROM ({vectors_sql}) AS v"), params
        )
    }
    return texts, vectors


def test_sql_builds_the_same_texts_and_vectors_as_the_documents(postgres, people):
    cases = _varied_cases(people)
    ids = [c.id for c in cases]
    py_texts, py_vectors = _python_way(ids)
    sql_texts, sql_vectors = _sql_way(ids)
    assert set(py_texts) == set(ids)
    for case_id in ids:
        assert sql_texts[case_id] == py_texts[case_id], case_id
        assert sql_vectors[case_id] == py_vectors[case_id], case_id
    # The cases really exercise what they should.
    full = py_texts[cases[0].id]
    assert MARK_START not in full[0] and "forged" in full[0]
    assert "collateral shortfall" in full[2] and "on-internal-note.csv" in full[2]
    assert "internal-by-flag.xlsx" in full[2] and "internal-by-flag.xlsx" not in full[1]
    assert "on-public-reply.txt" in full[1] and "Settlements and billing" in full[1]
    assert "\nTrue\nFalse\n" in full[1] and '["nested", "list"]' in full[1] and "None" in full[1]
    assert full[1].index("Second reply") < full[1].index("Third reply") < full[1].index("First public reply")
    assert py_texts[cases[3].id][2] == "" and py_vectors[cases[3].id][1] == ""


def _snapshot():
    return db.session.execute(
        select(
            CaseSearch.case_id, cast(CaseSearch.public, Text), cast(CaseSearch.internal, Text), CaseSearch.updated_at
        ).order_by(CaseSearch.case_id)
    ).all()


def _schema():
    """Indexes and constraints of case_search, as the catalog has them."""
    indexes = db.session.execute(
        text("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'case_search' ORDER BY 1")
    ).all()
    constraints = db.session.execute(
        text(
            "SELECT conname, pg_get_constraintdef(oid), convalidated FROM pg_constraint "
            "WHERE conrelid = 'case_search'::regclass ORDER BY 1"
        )
    ).all()
    return indexes, constraints


SEARCHES = [
    ("alpha_user", "reply"),
    ("alpha_user", "statement"),
    ("alpha_user", "collateral"),
    ("agent", "collateral"),
    ("agent", "staff-only"),
    ("agent", "registration"),
    ("agent", "énergie"),
    ("outsider", "registration"),
    ("beta_user", "description"),
    ("agent", "settl*"),
]


def test_rebuild_gives_the_same_index_and_the_same_results(postgres, people, runner):
    cases = _varied_cases(people)
    worker.process_queue()
    expected = _snapshot()
    before = {(who, q): find(getattr(people, who), q) for who, q in SEARCHES}
    assert before[("agent", "collateral")] == [cases[0].number]
    assert before[("alpha_user", "collateral")] == []
    schema = _schema()

    # Lose an entry, then rebuild the index from the database.
    db.session.execute(text("DELETE FROM case_search WHERE case_id = :id"), {"id": cases[2].id})
    db.session.commit()
    result = runner.invoke(args=["search", "reindex"])
    assert result.exit_code == 0, result.output
    assert f"Indexed {len(cases)} case(s)" in result.output

    assert _snapshot() == expected
    assert {(who, q): find(getattr(people, who), q) for who, q in SEARCHES} == before
    assert _schema() == schema
    assert db.session.scalar(text("SELECT to_regclass('case_search_new')")) is None
    # The foreign key still cascades.
    db.session.delete(db.session.get(Case, cases[3].id))
    db.session.commit()
    assert db.session.get(CaseSearch, cases[3].id) is None


def test_writer_waits_during_a_rebuild_and_catches_up_after(postgres, people):
    cases = [make_case(people.alpha, people.alpha_user, f"Chunked rebuild {n}") for n in range(4)]
    worker.process_queue()
    seen = []

    def progress(count):
        # Between two chunks (one case each): the writer lock is held, so the
        # queue worker leaves new changes queued; searches answer from the old table.
        seen.append(count)
        if len(seen) == 1:
            assert len(services.search(people.agent, "chunked")[1].results) == 4
            db.session.add(Message(case_id=cases[2].id, author_id=people.agent.id, body="pelican during rebuild"))
            db.session.delete(db.session.get(Case, cases[0].id))  # already built into the new table
            db.session.commit()
            assert worker.process_queue() == 0
            assert worker.pending_count() == 2
            db.session.commit()

    db.session.commit()
    count = postgres_rebuild.rebuild(db.engine, WRITER_LOCK_KEY, progress=progress, chunk=1)
    assert sum(seen) == 4 and count == 3
    assert sorted(db.session.scalars(select(CaseSearch.case_id))) == [c.id for c in cases[1:]]
    assert find(people.agent, "pelican") == [cases[2].number]
    assert worker.pending_count() == 0
    assert sorted(find(people.agent, "chunked")) == sorted(c.number for c in cases[1:])


def test_parallel_chunks_build_the_same_index(postgres, people):
    cases = _varied_cases(people)
    worker.process_queue()
    expected = _snapshot()
    db.session.execute(text("DELETE FROM case_search"))
    db.session.commit()
    seen = []
    count = postgres_rebuild.rebuild(db.engine, WRITER_LOCK_KEY, progress=seen.append, chunk=2, jobs=3)
    assert count == len(cases) == sum(seen) and len(seen) >= 3
    assert _snapshot() == expected

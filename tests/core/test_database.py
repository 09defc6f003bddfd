"""Database connection behaviour that the rest of the app relies on."""

import sqlite3

import pytest

from askiso.extensions import db


def test_sqlite_savepoint_takes_the_write_lock_first(app):
    """A SAVEPOINT transaction must hold the write lock before it reads.

    Otherwise a concurrent commit makes its snapshot stale and its first write
    fails at once with "database is locked" (seen with 8 clients submitting).
    """
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite only")
    path = db.engine.url.database
    db.session.execute(db.text("SELECT 1"))
    with db.session.begin_nested():
        db.session.execute(db.text("SELECT count(*) FROM cases"))
        other = sqlite3.connect(path, timeout=0)
        try:
            with pytest.raises(sqlite3.OperationalError, match="locked"):
                other.execute("BEGIN IMMEDIATE")
        finally:
            other.close()
    db.session.rollback()
    other = sqlite3.connect(path, timeout=0)
    try:
        other.execute("BEGIN IMMEDIATE")  # released again once the transaction ends
        other.rollback()
    finally:
        other.close()


def _ends_of_transactions(app, work, status=404):
    """Run `work` in a request of its own that answers `status` (the end of the request:
    askiso/core/unit_of_work.py); which ends did its transaction see?"""
    from sqlalchemy import event

    ends = []
    with app.app_context():
        engine = db.engine

    def committed(conn):
        ends.append("commit")

    def rolled_back(conn):
        ends.append("rollback")

    event.listen(engine, "commit", committed)
    event.listen(engine, "rollback", rolled_back)
    try:
        with app.app_context(), app.test_request_context("/"):
            work()
            app.process_response(app.response_class(status=status))
    finally:
        event.remove(engine, "commit", committed)
        event.remove(engine, "rollback", rolled_back)
    return ends


def test_postgres_read_only_request_ends_with_commit_and_keeps_prepared_statements(app, people):
    """psycopg forgets its prepared statements on ROLLBACK: a failed request's transaction that only
    read ends with COMMIT; one that wrote still ends with ROLLBACK, and its write is gone."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL only")
    from askiso.cams.models import Participant
    from askiso.core.database import generic_plan

    def read():  # marked: only such statements are prepared (the test below)
        db.session.execute(generic_plan(db.text("SELECT count(*) FROM cases"))).scalar()

    def write_without_commit():
        db.session.execute(db.text("UPDATE participants SET name = 'Changed' WHERE code = 'ALPHA'"))

    assert _ends_of_transactions(app, read)[:1] == ["commit"]
    assert _ends_of_transactions(app, write_without_commit)[:1] == ["rollback"]
    db.session.expire_all()
    assert db.session.scalar(db.select(Participant.name).where(Participant.code == "ALPHA")) != "Changed"

    seen = []  # (connection's backend pid, statements prepared on it when a request starts)

    def look_then_read():
        pid = db.session.execute(db.text("SELECT pg_backend_pid()")).scalar()
        seen.append((pid, db.session.execute(db.text("SELECT count(*) FROM pg_prepared_statements")).scalar()))
        for _ in range(6):  # psycopg prepares a statement on its fifth run on a connection
            read()

    for _ in range(12):  # as many requests, each in an app context of its own, over the pool's connections
        _ends_of_transactions(app, look_then_read)
    pids = [pid for pid, _ in seen]
    on_a_used_connection = [prepared for i, (pid, prepared) in enumerate(seen) if pid in pids[:i]]
    assert on_a_used_connection and min(on_a_used_connection) > 0


def test_postgres_prepares_only_statements_marked_for_a_generic_plan(app, people):
    """A list's best plan depends on its values (a busy person's 5,000 cases): unmarked statements
    are sent unprepared and planned with their values every time; a lookup marked generic_plan()
    is prepared after a few runs, so PostgreSQL may keep its plan."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL only")
    from askiso.cases.models import Case
    from askiso.core.database import generic_plan

    by_participant = db.select(Case.id).where(Case.participant_id == db.bindparam("p")).limit(5)
    by_number = generic_plan(db.select(Case.id).where(Case.number == db.bindparam("n")))

    def prepared(fragment):
        rows = db.session.execute(db.text("SELECT statement FROM pg_prepared_statements")).scalars()
        return [s for s in rows if fragment in s]

    for _ in range(10):
        db.session.execute(by_participant, {"p": people.alpha.id}).all()
    assert prepared("cases.participant_id =") == []
    for _ in range(10):
        db.session.execute(by_number, {"n": "AI-2026-000001"}).all()
    assert len(prepared("cases.number =")) == 1

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

"""Recording the SQL a block of a test runs (counts and shapes, never times)."""

from contextlib import contextmanager

from sqlalchemy import event

from askiso.extensions import db


@contextmanager
def recorded_statements():
    """The SQL statements run inside the block, as a list of strings (filled as they run)."""
    seen = []

    def listener(conn, cursor, statement, *args):
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)

"""Reference data kept per process: the catalogue (request types, topics, queues), the
service-level settings and the holidays.

Most pages read some of it (a list's request-type filter, the submit form, the
due times of a new case) and an admin changes it a few times a year. So each
process keeps what it read, and reads again only after a change:

- every change to one of `TABLES`, by any process and any means (the ORM, SQL,
  a migration, `flask` commands), makes the database's triggers write a new
  random token into the one row of `reference_version`;
- a request reads the token once: in the same statement as its session row
  when someone is signed in (askiso/auth/sessions.py), else on first use;
- `cached(name, load)` answers from the process's copy when it was read under
  the same token, and otherwise calls `load()` and keeps the answer.

The token is read before the data, so a copy can only be older than its token
says, never newer: a change that lands between the two reads is read again by
the next request. Tokens are random, not counted: a rolled-back change leaves
a token that no committed state ever has again. A request that changes these
tables itself (seen at the ORM's flush) reads them fresh until its transaction
ends, and keeps nothing of what it read meanwhile. Outside a request (the CLI,
workers, tests) nothing is kept: every call reads the database.

Kept values are shared by the threads of a process: they must be immutable
(tuples of rows, frozensets, named tuples).
"""

from flask import current_app, has_request_context, request
from sqlalchemy import String, event, select, text
from sqlalchemy.orm import Mapped, Session, mapped_column

from askiso.extensions import db

TABLES = ("queues", "topics", "request_types", "holidays", "service_level_settings")
ROW_ID = 1


class ReferenceVersion(db.Model):
    """One row: a random token that changes with every change to the reference tables."""

    __tablename__ = "reference_version"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    token: Mapped[str] = mapped_column(String(36))


# A new token; the row comes back after a TRUNCATE or DELETE of the table itself. (SQLite: no
# "OR REPLACE", which an outer statement's own conflict clause would override inside a trigger.)
BUMP = {
    "sqlite": "UPDATE reference_version SET token = lower(hex(randomblob(16))) WHERE id = 1; "
    "INSERT INTO reference_version (id, token) SELECT 1, lower(hex(randomblob(16))) "
    "WHERE NOT EXISTS (SELECT 1 FROM reference_version WHERE id = 1)",
    "postgresql": "INSERT INTO reference_version (id, token) VALUES (1, gen_random_uuid()::text) "
    "ON CONFLICT (id) DO UPDATE SET token = EXCLUDED.token",
}
TRIGGERS = {
    "sqlite": [
        f"CREATE TRIGGER reference_version_{table}_{op.lower()} AFTER {op} ON {table} "
        f"BEGIN {BUMP['sqlite']}; END"
        for table in TABLES
        for op in ("INSERT", "UPDATE", "DELETE")
    ],
    "postgresql": [
        "CREATE FUNCTION reference_version_bump() RETURNS trigger LANGUAGE plpgsql AS $$ "
        f"BEGIN {BUMP['postgresql']}; RETURN NULL; END $$",
        *(
            f"CREATE TRIGGER reference_version_{table} AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION reference_version_bump()"
            for table in TABLES
        ),
    ],
}
DROP_TRIGGERS = {
    "sqlite": [
        f"DROP TRIGGER IF EXISTS reference_version_{table}_{op}"
        for table in TABLES
        for op in ("insert", "update", "delete")
    ],
    "postgresql": [
        *(f"DROP TRIGGER IF EXISTS reference_version_{table} ON {table}" for table in TABLES),
        "DROP FUNCTION IF EXISTS reference_version_bump()",
    ],
}


def create_triggers(connection):
    for statement in TRIGGERS[connection.dialect.name]:
        connection.execute(text(statement))
    for statement in BUMP[connection.dialect.name].split("; "):
        connection.execute(text(statement))


@event.listens_for(db.metadata, "after_create")
def _after_create(target, connection, **kw):
    """`db.create_all()` makes the triggers and the row with the tables (the migration makes them too)."""
    create_triggers(connection)


# The token: read on its own (_request_token), or as a column beside the session row (TOKEN).
_TOKEN_STATEMENT = select(ReferenceVersion.token).where(ReferenceVersion.id == ROW_ID)
TOKEN = _TOKEN_STATEMENT.scalar_subquery()
_TOKEN_KEY = "askiso.reference_token"
_DIRTY_KEY = "askiso.reference_changed"
_UNREAD = object()


def note_token(token):
    """The token as this request's first statement read it (askiso/auth/sessions.py)."""
    if has_request_context():
        request.environ[_TOKEN_KEY] = token


def _request_token():
    token = request.environ.get(_TOKEN_KEY, _UNREAD)
    if token is _UNREAD:
        token = db.session.scalar(_TOKEN_STATEMENT)
        request.environ[_TOKEN_KEY] = token
    return token


def _kept():
    return current_app.extensions.setdefault("askiso.reference", {})


def cached(name, load):
    """`load()`'s answer, read once per process and again after any change to the reference tables.

    `load` must return an immutable value, the same for every viewer.
    """
    if not has_request_context() or db.session.info.get(_DIRTY_KEY):
        return load()
    token = _request_token()
    if token is None:  # no row: a database the triggers were never made on
        return load()
    kept = _kept().get(name)
    if kept is not None and kept[0] == token:
        return kept[1]
    value = load()
    if not db.session.info.get(_DIRTY_KEY):  # the load may have flushed a change of this request
        _kept()[name] = (token, value)
    return value


def _is_reference(obj):
    return getattr(obj, "__tablename__", None) in TABLES


@event.listens_for(Session, "before_flush")
def _note_changes(session, flush_context, instances):
    if any(_is_reference(obj) for obj in (*session.new, *session.dirty, *session.deleted)):
        session.info[_DIRTY_KEY] = True


@event.listens_for(Session, "do_orm_execute")
def _note_bulk_changes(orm_execute_state):
    if orm_execute_state.is_insert or orm_execute_state.is_update or orm_execute_state.is_delete:
        table = getattr(orm_execute_state.statement, "table", None)
        if getattr(table, "name", None) in TABLES:
            orm_execute_state.session.info[_DIRTY_KEY] = True


@event.listens_for(Session, "after_commit")
def _committed(session):
    _transaction_ended(session)


@event.listens_for(Session, "after_soft_rollback")
def _rolled_back(session, previous_transaction):
    if not previous_transaction.nested:  # a savepoint's rollback leaves the transaction's changes
        _transaction_ended(session)


def _transaction_ended(session):
    """A new transaction reads the token again (a commit of this request's own change made a new one)."""
    session.info.pop(_DIRTY_KEY, None)
    if has_request_context():
        request.environ.pop(_TOKEN_KEY, None)

"""Database connection settings: SQLite pragmas, PostgreSQL planning,
read-only PostgreSQL transactions noted (a failed request ends them with COMMIT)."""

from sqlalchemy import event
from sqlalchemy.engine import Engine


def init_app(app):
    _plan_for_each_execution(app)
    _end_reads_with_commit(app)


READS_ONLY = "askiso.reads_only"


def _postgres_engine(app):
    from askiso.extensions import db

    with app.app_context():
        engine = db.engine
    return engine if engine.dialect.name == "postgresql" else None


GENERIC_PLAN = "askiso_generic_plan"


def generic_plan(stmt):
    """Mark a statement whose best plan is the same for any values (a lookup by a unique key or
    by one parent's id): on PostgreSQL it may be prepared and planned once per connection."""
    return stmt.execution_options(**{GENERIC_PLAN: True})


def _plan_for_each_execution(app):
    """On PostgreSQL, plan every statement for its values each time, except those marked with
    generic_plan().

    psycopg prepares a statement once it has run five times on a connection,
    and PostgreSQL may then plan it once, without the values. For a list that
    is wrong: such a generic plan takes "the cases of person $1" for a handful
    and reads all 5,000 of a busy person's cases to sort them (19 ms instead
    of 0.6 ms). For a lookup by a unique key it is right, and planning is most
    of the cost: the case page's row (the case with its six many-to-ones)
    takes 3 ms to plan and 0.3 ms to run. So an unmarked statement is sent
    unprepared (planned with its values, every time) and a marked one is
    prepared as psycopg does by default.
    """
    engine = _postgres_engine(app)
    if engine is None:
        return

    from psycopg import ServerCursor

    @event.listens_for(engine, "do_execute")
    def _execute(cursor, statement, parameters, context):
        if context.execution_options.get(GENERIC_PLAN) or isinstance(cursor, ServerCursor):
            return None  # psycopg's own way: prepared after a few runs (a server cursor never is)
        cursor.execute(statement, parameters, prepare=False)
        return True


def _end_reads_with_commit(app):
    """On PostgreSQL, note whether a transaction only read, so that a request that failed ends
    it with COMMIT, not ROLLBACK (askiso/core/unit_of_work.py; a request that succeeded commits).

    psycopg prepares a statement on a connection once it has run five times,
    so PostgreSQL parses and plans it once (planning the case page's joined
    row takes 2 ms, running it 0.2 ms). But psycopg forgets every prepared
    statement on ROLLBACK, so a connection whose requests often end in one (a
    404, a refused form) would keep none prepared. For a transaction that only
    ran SELECTs, COMMIT and ROLLBACK have the same effect on the data; anything
    else (an error, a pending change, any other statement) still ends in the
    usual ROLLBACK.
    """
    engine = _postgres_engine(app)
    if engine is None:
        return

    @event.listens_for(engine, "begin")
    def _begin(conn):
        conn.info[READS_ONLY] = True

    @event.listens_for(engine, "before_cursor_execute")
    def _statement(conn, cursor, statement, parameters, context, executemany):
        if not statement.lstrip()[:7].upper().startswith("SELECT "):
            conn.info[READS_ONLY] = False


def only_read(session):
    """True when the session's transaction ran nothing but SELECTs on PostgreSQL (never on SQLite)."""
    if session.get_bind().dialect.name != "postgresql":
        return False
    return bool(session.connection().info.get(READS_ONLY))


def init_query_count(app):
    """Benchmark aid: report the SQL statements each request ran in X-Query-Count.

    Registered before the end of the request (askiso/core/unit_of_work.py), so its after_request
    hook runs after the request's commit and counts the statements that commit flushes."""
    if app.config.get("QUERY_COUNT_HEADER"):
        _count_queries(app)


def _count_queries(app):
    from flask import g, has_request_context

    from askiso.extensions import db

    with app.app_context():
        engine = db.engine

    @event.listens_for(engine, "before_cursor_execute")
    def _count(conn, cursor, statement, parameters, context, executemany):
        if has_request_context():
            g.query_count = g.get("query_count", 0) + 1

    @app.before_request
    def _reset():
        g.query_count = 0

    @app.after_request
    def _header(response):
        response.headers["X-Query-Count"] = str(g.get("query_count", 0))
        return response


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record):
    module = type(dbapi_connection).__module__
    if not module.startswith("sqlite3"):
        return
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


@event.listens_for(Engine, "savepoint")
def _sqlite_write_lock_before_savepoint(conn, name):
    """On SQLite, a SAVEPOINT outside a transaction starts a *deferred* one.

    Its first read pins a snapshot; when another process commits before this
    transaction's first write, SQLite refuses the write at once with "database
    is locked" (busy_timeout does not apply to a stale snapshot). Eight
    clients submitting cases lost half their requests to this. Taking the
    write lock first (BEGIN IMMEDIATE, which does wait for busy_timeout) makes
    the savepoint's transaction wait its turn instead. Reads outside such
    transactions are unaffected.
    """
    if conn.dialect.name != "sqlite":
        return
    dbapi_connection = conn.connection.dbapi_connection
    if not dbapi_connection.in_transaction:
        dbapi_connection.execute("BEGIN IMMEDIATE")


def is_postgres(engine):
    return engine.dialect.name == "postgresql"

"""Database connection settings: SQLite pragmas, session touch after each request."""

from sqlalchemy import event
from sqlalchemy.engine import Engine


def init_app(app):
    from askiso.auth.sessions import touch_session_after_request

    @app.after_request
    def _touch(response):
        touch_session_after_request()
        return response

    if app.config.get("QUERY_COUNT_HEADER"):
        _count_queries(app)


def _count_queries(app):
    """Benchmark aid: report the SQL statements each request ran in X-Query-Count."""
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

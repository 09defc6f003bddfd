"""Database connection settings: SQLite pragmas, session touch after each request."""

from sqlalchemy import event
from sqlalchemy.engine import Engine


def init_app(app):
    from askiso.auth.sessions import touch_session_after_request

    @app.after_request
    def _touch(response):
        touch_session_after_request()
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


def is_postgres(engine):
    return engine.dialect.name == "postgresql"

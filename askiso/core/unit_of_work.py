"""One unit of work per request: the request's session is committed once, at the end, when the
request succeeded, and rolled back otherwise.

Views and services never commit or roll back (services flush). Two named helpers cover the
exceptions: `discard(why)` drops the request's work before an error answer is rendered, and
`kept_despite_failure(why)` writes what must survive a failed request. CLI commands and workers
are not requests: they commit their own work (docs/architecture.md, "One unit of work per request").
"""

import logging
from contextlib import contextmanager

from flask import request

from askiso.core.database import only_read
from askiso.extensions import db

log = logging.getLogger("askiso.unit_of_work")

_FAILED = "askiso.unit_of_work.failed"


def init_app(app):
    """Register the end of the request; call it before any other init_app that adds an
    after_request hook: Flask runs them in reverse order, so this one runs last and commits
    what the others wrote."""

    app.extensions[_AFTER_END] = []

    @app.after_request
    def _end_request(response):
        end_request(response.status_code)
        for write in app.extensions[_AFTER_END]:
            try:
                write()
            except Exception:  # noqa: BLE001 - a side write never fails the request it follows
                log.warning("a write after the request's end failed", exc_info=True)
        return response


_AFTER_END = "askiso.unit_of_work.after_end"


def after_end(app, write):
    """Run `write` after the request's transaction has ended and before the answer is sent: a
    small write on a connection of its own (the session's last-seen touch), which would wait for
    the request's own lock if it ran inside the request, and would race with whatever the client
    does next if it ran after the answer. It is logged and ignored when it fails."""
    app.extensions[_AFTER_END].append(write)


def end_request(status):
    """Commit the request's session when it succeeded (status < 400 and nothing discarded),
    else end it without keeping anything. A commit that fails is rolled back and raised, so
    the request is answered as the server error it is, not as a success."""
    session = db.session()
    if status >= 400 or request.environ.get(_FAILED):
        _end_failed(session)
        return
    if not (session.in_transaction() or session.new or session.dirty or session.deleted):
        return
    try:
        session.commit()
    except Exception:
        log.exception("the request's commit failed: nothing of it is kept")
        session.rollback()
        raise


def _end_failed(session):
    """Roll back; a transaction that only read ends with COMMIT on PostgreSQL, which has the
    same effect on the data and keeps the connection's prepared statements
    (askiso/core/database.py, only_read)."""
    if session.in_transaction() and not (session.new or session.dirty or session.deleted) and only_read(session):
        try:
            session.commit()
            return
        except Exception:  # noqa: BLE001 - the rollback below ends it all the same
            log.warning("COMMIT of a read-only transaction failed; rolling back", exc_info=True)
    session.rollback()


def discard(why):
    """Drop the request's work now (rollback), before an error or conflict answer is rendered.

    A failed flush leaves the session unusable until it is rolled back, so a handler that reads
    again (a 409 page showing the case as it now is) discards first. The request then ends
    without committing anything, whatever its status.
    """
    db.session.rollback()
    request.environ[_FAILED] = True
    log.debug("request work discarded: %s", why)


@contextmanager
def kept_despite_failure(why):
    """Write what must survive a failed request, in a short transaction of its own.

    The request has failed, so this first ends the request's transaction with a rollback:
    everything the request wrote so far is discarded. The block then runs in a new, short
    transaction on the same session, which is committed when the block ends (rolled back and
    raised if the block or the commit fails); `why` is logged at INFO. After it, the end of the
    request commits nothing more: the request stays a failed one, whatever its status.

    The same session, not a second connection: on SQLite a second writer would wait for the
    request's own write lock.
    """
    session = db.session()
    session.rollback()
    request.environ[_FAILED] = True
    try:
        yield session
        session.commit()
    except Exception:
        session.rollback()
        raise
    log.info("kept despite the failed request: %s", why)


def request_failed():
    """True once the request's work was discarded (discard or kept_despite_failure)."""
    return bool(request.environ.get(_FAILED))

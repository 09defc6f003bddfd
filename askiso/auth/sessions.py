"""Server-side, revocable sessions.

The signed Flask cookie carries only a random session id; the database row
(stored by its hash) is the truth. Ending the row ends the sign-in everywhere.
"""

import functools
from datetime import timedelta

from flask import current_app, request, session
from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import joinedload

from askiso.auth.models import User, UserSession
from askiso.cams.memberships import memberships_column, note_memberships
from askiso.core import reference, unit_of_work
from askiso.core.database import generic_plan
from askiso.core.timeutil import utcnow
from askiso.core.tokens import hash_token, new_token
from askiso.extensions import db

SESSION_KEY = "sid"
# Writing last_seen_at on every request would make every page a write.
TOUCH_EVERY = timedelta(seconds=60)


# Every signed-in request runs this: built once, so SQLAlchemy computes its
# cache key once instead of on each request. The user comes in the same row
# (load_user_from_session then finds it in the session's identity map), and
# so do the token of the reference data (askiso/core/reference.py) and the
# user's active memberships (askiso/cams/memberships.py, memberships_column).
@functools.cache
def _open_session_statement(dialect_name):
    memberships = memberships_column(dialect_name, UserSession.user_id, UserSession)
    return generic_plan(
        select(UserSession, reference.TOKEN, memberships)
        .where(UserSession.token_hash == bindparam("token_hash"), UserSession.ended_at.is_(None))
        .options(joinedload(UserSession.user))
    )


def start_session(user):
    """Sign the user in with a fresh random session id (no fixation)."""
    session.clear()
    token = new_token()
    now = utcnow()
    row = UserSession(
        user_id=user.id,
        token_hash=hash_token(token),
        created_at=now,
        last_seen_at=now,
        expires_at=now + current_app.config["SESSION_ABSOLUTE_LIFETIME"],
        ip_address=request.remote_addr,
        user_agent=(request.user_agent.string or "")[:300],
    )
    db.session.add(row)
    user.last_login_at = now
    session[SESSION_KEY] = token
    session.permanent = False
    _cache()["row"] = row
    return row


def _cache():
    """Per-request storage (request.environ, not g, which outlives a request)."""
    return request.environ.setdefault("askiso.session", {})


def current_session_row():
    """The open session row behind this request's cookie, or None."""
    cache = _cache()
    if "row" in cache:
        return cache["row"]
    token = session.get(SESSION_KEY)
    row = None
    if token:
        statement = _open_session_statement(db.session.get_bind().dialect.name)
        found = db.session.execute(statement, {"token_hash": hash_token(token)}).first()
        if found is not None:
            row, reference_token, memberships = found
            reference.note_token(reference_token)
            note_memberships(row.user_id, memberships)
        if row is not None and not _still_valid(row):
            end_session_row(row, "expired")
            row = None
        if row is None:
            session.pop(SESSION_KEY, None)
    cache["row"] = row
    return row


def _still_valid(row):
    now = utcnow()
    if now >= row.expires_at:
        return False
    if now - row.last_seen_at > current_app.config["SESSION_IDLE_TIMEOUT"]:
        return False
    return True


def load_user_from_session():
    """Flask-Login's request loader: the user of an open, valid session."""
    row = current_session_row()
    if row is None:
        return None
    user = db.session.get(User, row.user_id)
    if user is None or not user.is_active:
        return None
    if utcnow() - row.last_seen_at > TOUCH_EVERY:
        _cache()["touch"] = row.id
    return user


def init_app(app):
    """Touch the session row (last seen) after each request: once the request's own transaction
    has ended, before the answer is sent (askiso/core/unit_of_work.after_end). The touch uses a
    connection of its own, which would otherwise wait for the request's lock on the same row
    (PostgreSQL) or on the database (SQLite)."""
    unit_of_work.after_end(app, touch_session_after_request)


def touch_session_after_request():
    """Record the session's last use outside the request's own transaction."""
    row_id = _cache().pop("touch", None)
    if row_id is not None:
        with db.engine.begin() as conn:
            conn.execute(update(UserSession).where(UserSession.id == row_id).values(last_seen_at=utcnow()))


def end_session_row(row, reason):
    row.ended_at = utcnow()
    row.ended_reason = reason


def end_current_session(reason="logout"):
    row = current_session_row()
    if row is not None:
        end_session_row(row, reason)
    session.clear()
    _cache()["row"] = None


def end_all_sessions(user, reason, except_current=False):
    """End every open session of a user (password change, reset, deactivation)."""
    stmt = update(UserSession).where(UserSession.user_id == user.id, UserSession.ended_at.is_(None))
    if except_current:
        row = current_session_row()
        if row is not None:
            stmt = stmt.where(UserSession.id != row.id)
    db.session.execute(
        stmt.values(ended_at=utcnow(), ended_reason=reason), execution_options={"synchronize_session": False}
    )


def open_sessions(user):
    """The user's open sessions, most recently used first."""
    now = utcnow()
    idle = current_app.config["SESSION_IDLE_TIMEOUT"]
    return db.session.scalars(
        select(UserSession)
        .where(
            UserSession.user_id == user.id,
            UserSession.ended_at.is_(None),
            UserSession.expires_at > now,
            UserSession.last_seen_at > now - idle,
        )
        .order_by(UserSession.last_seen_at.desc())
    ).all()

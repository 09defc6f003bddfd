"""Retention: what is deleted after a while. Every purge is audited."""

from sqlalchemy import delete, or_

from askiso.audit.services import record
from askiso.auth.models import OneTimeToken, UserSession
from askiso.core.timeutil import utcnow
from askiso.extensions import db


def purge(sessions_before, tokens_before):
    """Delete sessions that ended or expired before a date, and dead one-time tokens."""
    now = utcnow()
    sessions = db.session.execute(
        delete(UserSession).where(
            or_(UserSession.ended_at < sessions_before, UserSession.expires_at < sessions_before)
        )
    ).rowcount
    tokens = db.session.execute(
        delete(OneTimeToken).where(
            or_(OneTimeToken.used_at < tokens_before, OneTimeToken.expires_at < min(tokens_before, now))
        )
    ).rowcount
    counts = {"sessions": sessions, "one_time_tokens": tokens}
    record("retention.purged", None, **counts)
    return counts

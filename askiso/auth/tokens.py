"""Single-use emailed links (reset, set password, email change).

The link carries a 256-bit random token; only its SHA-256 is stored. A token
is valid until it expires or is used, and issuing a new one for the same
purpose retires the older ones.
"""

from datetime import timedelta

from sqlalchemy import select, update

from askiso.auth.models import OneTimeToken
from askiso.core.timeutil import utcnow
from askiso.core.tokens import hash_token, new_token
from askiso.extensions import db

PURPOSES = {
    "reset_password": timedelta(hours=1),
    "set_password": timedelta(hours=72),
    "change_email": timedelta(hours=24),
}


def retire(user, purpose):
    """Make every unused link of this purpose for the user stop working."""
    db.session.execute(
        update(OneTimeToken)
        .where(OneTimeToken.user_id == user.id, OneTimeToken.purpose == purpose, OneTimeToken.used_at.is_(None))
        .values(used_at=utcnow())
    )


def issue(user, purpose, payload=None):
    """A new token for user and purpose; returns the plain token (shown once)."""
    now = utcnow()
    retire(user, purpose)
    token = new_token()
    db.session.add(
        OneTimeToken(
            user_id=user.id,
            purpose=purpose,
            token_hash=hash_token(token),
            created_at=now,
            expires_at=now + PURPOSES[purpose],
            payload=payload,
        )
    )
    return token


def peek(token, purpose):
    """The valid, unused token row for this link, or None. Does not use it."""
    if not token or len(token) > 200:
        return None
    row = db.session.scalar(
        select(OneTimeToken).where(OneTimeToken.token_hash == hash_token(token), OneTimeToken.purpose == purpose)
    )
    if row is None or row.used_at is not None or row.expires_at <= utcnow():
        return None
    if not row.user.is_active:
        return None
    return row


def consume(token, purpose):
    """Use the token once: returns its row, or None if invalid, expired or used."""
    row = peek(token, purpose)
    if row is None:
        return None
    # Conditional update: two simultaneous uses cannot both succeed.
    result = db.session.execute(
        update(OneTimeToken)
        .where(OneTimeToken.id == row.id, OneTimeToken.used_at.is_(None))
        .values(used_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        return None
    db.session.refresh(row)
    return row

"""Making, finding and revoking personal access tokens (pages and CLI share these)."""

import secrets
from datetime import timedelta

from sqlalchemy import func, select

from askiso.api.models import TOKEN_SCOPES, ApiToken
from askiso.audit.services import record
from askiso.core.timeutil import utcnow
from askiso.core.tokens import hash_token
from askiso.extensions import db

# A recognisable marker lets secret scanners spot a leaked token.
TOKEN_MARKER = "aiso_"
PREFIX_LENGTH = len(TOKEN_MARKER) + 6
DEFAULT_DAYS = 90
MAX_DAYS = 365
NAME_MAX = 100
MAX_ACTIVE_TOKENS = 20


class TokenRefused(ValueError):
    """A token cannot be made; `field` names the input at fault."""

    def __init__(self, message, field="name"):
        super().__init__(message)
        self.field = field


def _check_owner(user):
    if user is None or not user.is_active:
        raise TokenRefused("This account is deactivated.", field="user")
    if user.is_staff and not user.has_totp:
        raise TokenRefused(
            "Staff accounts must turn on two-factor authentication before making an API token.", field="user"
        )


def _check_request(user, name, scope, days):
    name = (name or "").strip()
    if not name:
        raise TokenRefused("Give the token a name, e.g. the script that will use it.")
    if len(name) > NAME_MAX:
        raise TokenRefused(f"Use at most {NAME_MAX} characters for the name.")
    if scope not in TOKEN_SCOPES:
        raise TokenRefused("Choose read or write access.", field="scope")
    if not isinstance(days, int) or not 1 <= days <= MAX_DAYS:
        raise TokenRefused(f"A token lasts from 1 to {MAX_DAYS} days.", field="days")
    if count_active(user) >= MAX_ACTIVE_TOKENS:
        raise TokenRefused(f"You already have {MAX_ACTIVE_TOKENS} active tokens: revoke one you no longer use first.")
    return name


def create_token(user, name, *, scope="write", days=DEFAULT_DAYS, actor=None, via="account"):
    """Make a token for `user`; returns (row, the token itself, which is shown only once)."""
    _check_owner(user)
    name = _check_request(user, name, scope, days)
    token = TOKEN_MARKER + secrets.token_urlsafe(32)
    now = utcnow()
    row = ApiToken(
        user_id=user.id,
        name=name,
        token_hash=hash_token(token),
        prefix=token[:PREFIX_LENGTH],
        scope=scope,
        created_at=now,
        expires_at=now + timedelta(days=days),
    )
    db.session.add(row)
    db.session.flush()
    record(
        "api.token_created",
        actor or user,
        subject_user=user,
        token_id=row.id,
        prefix=row.prefix,
        scope=scope,
        expires_at=row.expires_at.isoformat(),
        via=via,
    )
    return row, token


def revoke_token(row, actor, via="account"):
    """Stop a token working at once (revoking twice changes nothing)."""
    if row.revoked_at is not None:
        return row
    row.revoked_at = utcnow()
    db.session.flush()
    record("api.token_revoked", actor, subject_user=row.user_id, token_id=row.id, prefix=row.prefix, via=via)
    return row


def revoke_all_tokens(user, actor, via):
    """Stop every still-working token of a person at once (a password reset does: the account
    may have been used by someone else, who may have made one). Returns how many."""
    rows = db.session.scalars(
        select(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
    ).all()
    for row in rows:
        revoke_token(row, actor, via=via)
    return len(rows)


def find_token(token):
    """The token row for a presented token, whatever its state, or None."""
    if not token or not token.startswith(TOKEN_MARKER) or len(token) > 200:
        return None
    return db.session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_token(token)))


def tokens_of(user):
    """Every token of a person, newest first (revoked and expired ones too)."""
    return db.session.scalars(
        select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
    ).all()


def own_token(user, token_id):
    """One of the person's own tokens by id, or None (someone else's is None too)."""
    return db.session.scalar(select(ApiToken).where(ApiToken.id == token_id, ApiToken.user_id == user.id))


def count_active(user):
    now = utcnow()
    return db.session.scalar(
        select(func.count(ApiToken.id)).where(
            ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None), ApiToken.expires_at > now
        )
    )

"""The Idempotency-Key header: a retried POST returns what the first one made.

POST /cases uses the case's own `submission_key` (scoped to the person by
hashing their id with the key); other POSTs remember key -> resource in
ApiIdempotencyKey.
"""

import hashlib
import re

from flask import request
from sqlalchemy import select

from askiso.api.errors import ApiError, invalid
from askiso.api.models import ApiIdempotencyKey
from askiso.extensions import db

HEADER = "Idempotency-Key"
KEY_MAX = 200
_KEY = re.compile(rf"[!-~]{{1,{KEY_MAX}}}")


def idempotency_key():
    """The header's value, or None; 400 when it is unusable."""
    key = request.headers.get(HEADER)
    if key is None:
        return None
    key = key.strip()
    if not _KEY.fullmatch(key):
        raise invalid({HEADER: f"Use 1 to {KEY_MAX} printable ASCII characters without spaces, e.g. a UUID."})
    return key


def case_submission_key(user, key):
    """NewCase.submission_key for this person's key (64 hex characters)."""
    if key is None:
        return None
    return hashlib.sha256(f"api:{user.id}:{key}".encode()).hexdigest()


def earlier(user, key):
    """What an earlier request with this key made, or None; 422 if that was another request."""
    if key is None:
        return None
    row = db.session.scalar(
        select(ApiIdempotencyKey).where(ApiIdempotencyKey.user_id == user.id, ApiIdempotencyKey.key == key)
    )
    if row is not None and row.request_path != _request_path():
        raise ApiError(
            422,
            "idempotency_key_reused",
            f"This {HEADER} was already used for another request ({row.request_path}): use a new key.",
        )
    return row


def remember(user, key, status, resource):
    """Store what this request made under its key (same transaction as the change)."""
    if key is None:
        return None
    row = ApiIdempotencyKey(
        user_id=user.id, key=key, request_path=_request_path(), response_status=status, resource=resource
    )
    db.session.add(row)
    return row


def resource_id(row, kind):
    name, _, value = row.resource.partition(":")
    return int(value) if name == kind and value.isdigit() else None


def _request_path():
    return f"{request.method} {request.path}"[:300]

"""Cursor pagination over (updated_at, id), newest first.

The cursor is opaque to clients and signed, so it cannot be forged or edited;
it also carries a fingerprint of the filters it was made for.
"""

import hashlib
from datetime import datetime

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import and_, or_

from askiso.api.errors import refused
from askiso.cases.models import Case
from askiso.extensions import db

SALT = "askiso.api.cursor"


def _serializer():
    return URLSafeSerializer(current_app.secret_key, salt=SALT)


def _fingerprint(filters):
    text = repr(sorted((k, v) for k, v in filters.items() if v is not None))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def encode_cursor(case, filters):
    return _serializer().dumps([case.updated_at.isoformat(), case.id, _fingerprint(filters)])


def decode_cursor(cursor, filters):
    """(updated_at, id) from a cursor made for the same filters; 422 otherwise (its shape is the document's)."""
    try:
        stamp, case_id, fingerprint = _serializer().loads(cursor)
        updated_at = datetime.fromisoformat(stamp)
        case_id = int(case_id)
    except (BadSignature, ValueError, TypeError):
        raise refused({"cursor": "This cursor is not valid: start again without one."}) from None
    if fingerprint != _fingerprint(filters):
        raise refused({"cursor": "This cursor was made for other filters: start again without one."})
    return updated_at, case_id


def paginate(stmt, *, cursor, limit, filters):
    """One page of cases from a visibility-scoped SELECT; returns (items, next cursor or None)."""
    if cursor:
        updated_at, case_id = decode_cursor(cursor, filters)
        stmt = stmt.where(or_(Case.updated_at < updated_at, and_(Case.updated_at == updated_at, Case.id < case_id)))
    rows = db.session.scalars(stmt.order_by(Case.updated_at.desc(), Case.id.desc()).limit(limit + 1)).all()
    if len(rows) > limit:
        return rows[:limit], encode_cursor(rows[limit - 1], filters)
    return rows, None

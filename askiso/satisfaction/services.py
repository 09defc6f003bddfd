"""Who may rate a case, the signed one-click rating links, and recording a rating.

A rating link names one case and its submitter, signed with the app's secret
(itsdangerous, its own salt) and valid for RATING_LINK_DAYS. Whoever holds it can
rate that case as that submitter without signing in, and nothing else: the page
behind it shows only the case number, never the case's content or an earlier
rating's comment. The link stops working when the case is no longer resolved or
closed, or when its submitter may no longer see it (visibility.can_view_case).
"""

import functools

from flask import current_app
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import bindparam, select
from sqlalchemy.orm import joinedload

from askiso.audit.services import record
from askiso.auth.models import User
from askiso.cases.models import Case
from askiso.core.database import generic_plan
from askiso.core.timeutil import utcnow
from askiso.extensions import db
from askiso.satisfaction.models import SCORES, Rating
from askiso.visibility import can_view_case, unscoped

RATING_LINK_DAYS = 60
COMMENT_MAX = 2000
RATED_STATUSES = ("resolved", "closed")


class RatingError(Exception):
    """A rating that cannot be recorded, with a message for the person."""


def _serializer():
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="askiso-case-rating")


def rating_token(case):
    """The signed token of `case`'s rating link for its submitter."""
    return _serializer().dumps({"c": case.id, "u": case.submitter_id})


def rating_url(case, score=None):
    """The absolute one-click rating link (with the score chosen when given)."""
    # Built by hand: mail is also queued outside a request (CLI, workers), where url_for has no host.
    query = f"?score={score}" if score else ""
    return f"{current_app.config['EXTERNAL_URL'].rstrip('/')}/rate/{rating_token(case)}{query}"


def case_for_token(token):
    """(case, submitter) that a rating link names, or None when it is forged, expired or no longer valid."""
    try:
        data = _serializer().loads(token, max_age=RATING_LINK_DAYS * 86400)
        case_id, user_id = int(data["c"]), int(data["u"])
    except (BadSignature, KeyError, TypeError, ValueError):
        return None
    # The link's holder may be signed in as someone else (or no one): the signed token, not
    # the session, names the case; whether its submitter may still see it is asked below.
    with unscoped("rating link: the signed token names the case and its submitter"):
        case = db.session.get(Case, case_id)
        user = db.session.get(User, user_id)
        if case is None or user is None or not may_rate(user, case):
            return None
    return case, user


def may_rate(user, case):
    """The submitter of a resolved (or closed after resolution) case they may still see."""
    return (
        user is not None
        and user.is_authenticated
        and case.submitter_id == user.id
        and case.status in RATED_STATUSES
        and case.resolved_at is not None
        and can_view_case(user, case)
    )


def rating_of(case):
    """The case's rating with its author, or None (one statement)."""
    return db.session.scalar(_rating_statement(), {"case_id": case.id})


@functools.cache
def _rating_statement():
    # Built once: building it took longer than running it (every staff case page asks).
    return generic_plan(
        select(Rating).options(joinedload(Rating.user)).where(Rating.case_id == bindparam("case_id"))
    )


def rate(case, user, score, comment="", *, source="web"):
    """Record (or replace) `user`'s rating of `case`; raises RatingError on bad input."""
    if not may_rate(user, case):
        raise RatingError("This case cannot be rated now.")
    if score not in SCORES:
        raise RatingError("Choose Good or Bad.")
    comment = (comment or "").strip()
    if len(comment) > COMMENT_MAX:
        raise RatingError(f"Use at most {COMMENT_MAX} characters for the comment (you used {len(comment)}).")
    rating = rating_of(case)
    now = utcnow()
    if rating is None:
        rating = Rating(case_id=case.id, created_at=now)
        db.session.add(rating)
    rating.user_id, rating.score, rating.comment = user.id, score, comment
    rating.source, rating.updated_at = source, now
    db.session.flush()
    record("case.rated", user, case=case, score=score, source=source)
    return rating

"""Answers kept for one request, forgotten on any write.

A page asks several times about the same facts (may this person see this case, which
companies do they belong to); one query answers them all until something changes. Kept on
the request object, not `g`, which may outlive a request. Outside a request nothing is kept.
"""

from flask import has_request_context, request
from sqlalchemy import event
from sqlalchemy.orm import Session


def request_cache():
    """This request's dict of kept answers ({} outside a request: nothing is kept)."""
    if not has_request_context():
        return {}
    cache = getattr(request, "_visibility_cache", None)
    if cache is None:
        cache = request._visibility_cache = {}
    return cache


def forget_answers():
    """Empty this request's kept answers (any write does)."""
    if has_request_context():
        request._visibility_cache = {}


@event.listens_for(Session, "after_flush")
def _after_flush(session, flush_context):
    forget_answers()


@event.listens_for(Session, "do_orm_execute")
def _after_bulk_write(state):
    if state.is_update or state.is_delete or state.is_insert:
        forget_answers()

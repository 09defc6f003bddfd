"""Recording audit events from anywhere in the app."""

from flask import g, has_request_context, request

from askiso.audit.models import AuditEvent
from askiso.extensions import db


def record(action, actor=None, *, subject_user=None, participant=None, case=None, **details):
    """Add an audit event to the current transaction and return it."""
    event = AuditEvent(
        action=action,
        actor_id=_id(actor),
        subject_user_id=_id(subject_user),
        participant_id=_id(participant),
        case_id=_id(case),
        details=details,
    )
    if has_request_context():
        event.ip_address = request.remote_addr
        event.user_agent = (request.user_agent.string or "")[:300]
        event.request_id = g.get("request_id")
    db.session.add(event)
    return event


def _id(obj):
    if obj is None or isinstance(obj, int):
        return obj
    return obj.id

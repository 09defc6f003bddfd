"""The audit log, readable by staff admins."""

from flask import Blueprint, render_template, request
from sqlalchemy import select

from askiso.audit.models import AuditEvent
from askiso.core.access import staff_required
from askiso.extensions import db

bp = Blueprint("audit", __name__, url_prefix="/staff/audit")
PAGE_SIZE = 50


@bp.route("/")
@staff_required(role="admin")
def index():
    """Newest events first, keyset-paginated, filterable by action prefix."""
    stmt = select(AuditEvent).order_by(AuditEvent.id.desc())
    action = (request.args.get("action") or "").strip()
    if action:
        stmt = stmt.where(AuditEvent.action.startswith(action))
    before = request.args.get("before", type=int)
    if before:
        stmt = stmt.where(AuditEvent.id < before)
    events = db.session.scalars(stmt.limit(PAGE_SIZE + 1)).all()
    more = len(events) > PAGE_SIZE
    events = events[:PAGE_SIZE]
    next_before = events[-1].id if more and events else None
    return render_template("audit/index.html", events=events, action=action, next_before=next_before)

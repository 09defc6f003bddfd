"""The audit log, readable by staff admins."""

from flask import Blueprint, render_template, request
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from askiso.audit.models import AuditEvent
from askiso.audit.sentences import sentences
from askiso.cases.models import Case
from askiso.core.access import staff_required
from askiso.extensions import db

bp = Blueprint("audit", __name__, url_prefix="/staff/audit")
PAGE_SIZE = 50
# What the filter offers: the areas of the app, by the prefix of their actions.
AREAS = (
    ("", "Everything"),
    ("auth.", "Sign-in and security"),
    ("account.", "Profiles and preferences"),
    ("case.", "Cases"),
    ("cams.", "Participants and memberships"),
    ("users.", "Accounts"),
    ("staff.", "Staff administration"),
    ("api.", "API tokens"),
    ("mail.", "Email"),
    ("inquiries.", "Inquiries"),
    ("obligation.", "Obligations"),
)


@bp.route("/")
@staff_required(role="admin")
def index():
    """Newest events first as sentences, keyset-paginated, filterable by area."""
    stmt = (
        select(AuditEvent, Case.number)
        .outerjoin(Case, Case.id == AuditEvent.case_id)
        .options(joinedload(AuditEvent.actor), joinedload(AuditEvent.subject_user),
                 joinedload(AuditEvent.participant))
        .order_by(AuditEvent.id.desc())
    )
    action = (request.args.get("action") or "").strip()[:60]
    if action:
        stmt = stmt.where(AuditEvent.action.startswith(action, autoescape=True))
    before = request.args.get("before", type=int)
    if before:
        stmt = stmt.where(AuditEvent.id < before)
    rows = db.session.execute(stmt.limit(PAGE_SIZE + 1)).all()
    more = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    told = sentences([event for event, _ in rows])
    for said, (_, number) in zip(told, rows, strict=True):
        said.case_number = number or ""
    next_before = rows[-1][0].id if more and rows else None
    return render_template("audit/index.html", events=told, action=action, areas=AREAS, next_before=next_before)

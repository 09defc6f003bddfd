"""Reading obligations for staff pages, participants' pages and the API."""

import csv
import io
from typing import NamedTuple

from sqlalchemy import and_, func, or_, select

from askiso.cams.memberships import active_memberships
from askiso.cams.models import Participant
from askiso.cases.models import Case, RequestType
from askiso.core.formatting import format_local
from askiso.core.timeutil import utcnow
from askiso.extensions import db
from askiso.obligations.models import OUTSTANDING, STATES, Obligation, ObligationParticipant
from askiso.obligations.services import shown_state
from askiso.staff.sla import describe_due
from askiso.visibility import can_view_case, case_clause

# ---------------------------------------------------------------- staff


def obligations_overview():
    """Every obligation, latest due first, with {state: count} of its participants (overdue as shown)."""
    now = utcnow()
    obligations = db.session.scalars(select(Obligation).order_by(Obligation.due_at.desc(), Obligation.id)).all()
    counts = {o.id: dict.fromkeys(STATES, 0) for o in obligations}
    for obligation_id, state, due_at, n in db.session.execute(
        select(ObligationParticipant.obligation_id, ObligationParticipant.state, Obligation.due_at, func.count())
        .join(Obligation, Obligation.id == ObligationParticipant.obligation_id)
        .group_by(ObligationParticipant.obligation_id, ObligationParticipant.state, Obligation.due_at)
    ):
        shown = "overdue" if state in ("open", "returned") and due_at <= now else state
        counts[obligation_id][shown] += n
    return [(o, counts[o.id]) for o in obligations]


class StaffRow(NamedTuple):
    row: ObligationParticipant
    participant: Participant
    case_number: str | None
    state: str


def staff_rows(viewer, obligation, state="", q=""):
    """The obligation's participants with state (as shown), case number and last reminder; filtered.

    The case number only when the viewer may see the case (agents restricted to their queues).
    """
    stmt = (
        select(ObligationParticipant, Participant, Case.number)
        .join(Participant, Participant.id == ObligationParticipant.participant_id)
        .outerjoin(Case, and_(Case.id == ObligationParticipant.case_id, case_clause(viewer)))
        .where(ObligationParticipant.obligation_id == obligation.id)
        .order_by(Participant.code)
    )
    q = (q or "").strip()[:200]
    if q:
        like = f"%{q.lower()}%"
        stmt = stmt.where(or_(func.lower(Participant.code).like(like), func.lower(Participant.name).like(like)))
    now = utcnow()
    rows = [StaffRow(r, p, n, shown_state(r, obligation.due_at, now)) for r, p, n in db.session.execute(stmt)]
    return [r for r in rows if not state or r.state == state]


def staff_csv(obligation, rows):
    """The rows as CSV text (times in the ISO's local time)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["obligation", "due", "participant_code", "participant_name", "state", "case", "filed_at",
                     "last_reminder_at", "returned_reason"])
    stamp = "%Y-%m-%d %H:%M %Z"
    for r in rows:
        writer.writerow([
            _safe_cell(obligation.name), format_local(obligation.due_at, stamp), r.participant.code,
            _safe_cell(r.participant.name), r.state, r.case_number or "", format_local(r.row.filed_at, stamp),
            format_local(r.row.last_reminder_at, stamp), _safe_cell(r.row.returned_reason or ""),
        ])
    return out.getvalue()


def _safe_cell(text):
    """No spreadsheet formulas from data people typed."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


# ---------------------------------------------------------------- participants


class DueRow(NamedTuple):
    """One obligation of one of the viewer's companies, as their pages and the API show it."""

    name: str
    request_type_key: str
    request_type_name: str
    due_at: object
    state: str
    case_number: str | None
    participant_id: int
    participant_code: str
    participant_name: str
    countdown: str
    due_local: str
    description: str


def obligations_for(viewer, participant_id=None, outstanding_only=False):
    """The obligations of the viewer's companies (active memberships only), earliest due first.

    The case is named only when the viewer may see it. Staff have no companies here.
    """
    companies = {m.participant_id: m for m in active_memberships(viewer)}
    if participant_id is not None:
        companies = {k: v for k, v in companies.items() if k == participant_id}
    if not companies:
        return []
    stmt = (
        select(ObligationParticipant, Obligation, RequestType.key, RequestType.name)
        .join(Obligation, Obligation.id == ObligationParticipant.obligation_id)
        .join(RequestType, RequestType.id == Obligation.request_type_id)
        .where(ObligationParticipant.participant_id.in_(list(companies)))
        .order_by(Obligation.due_at, Obligation.id, ObligationParticipant.participant_id)
    )
    if outstanding_only:
        stmt = stmt.where(ObligationParticipant.state.in_(OUTSTANDING))
    now = utcnow()
    result = []
    for row, obligation, key, type_name in db.session.execute(stmt):
        company = companies[row.participant_id]
        result.append(DueRow(
            obligation.name, key, type_name, obligation.due_at, shown_state(row, obligation.due_at, now),
            _visible_number(viewer, row), row.participant_id, company.participant_code, company.participant_name,
            describe_due(obligation.due_at, now), format_local(obligation.due_at), obligation.description or "",
        ))
    return result


def _visible_number(viewer, row):
    if row.case_id is None:
        return None
    case = db.session.get(Case, row.case_id)
    return case.number if case is not None and can_view_case(viewer, case) else None

"""Notices of service levels about to be missed, or missed: each event once.

Run by the service-level cron (`flask --app wsgi cases autoclose`, or on its
own `cases service-level-alerts`). The cases come from askiso/staff/sla.py's
`at_risk_clause` (what the staff lists colour as near or overdue); each event
(a target, near or missed, for one due time) is written down in CaseReminder
(unique per case, kind and due time), so however often the job runs it tells
once. A due time that moves (a new priority, a wait) is a new event.
"""

from dataclasses import dataclass, field

from sqlalchemy import select

from askiso.auth.models import User
from askiso.cases.models import Case, QueueMember
from askiso.core.formatting import format_local
from askiso.core.timeutil import utcnow
from askiso.extensions import db
from askiso.notifications.services import notify
from askiso.staff.models import CaseReminder
from askiso.staff.sla import NEAR_WINDOW, at_risk_clause, describe_due
from askiso.visibility import all_cases

LABELS = {"first_response": "First response", "resolution": "Resolution"}


@dataclass
class AlertResult:
    events: list = field(default_factory=list)  # (case number, reminder kind)


def due_events(case, now):
    """(reminder kind, target, due time) of the case's targets that are near or missed now."""
    horizon = now + NEAR_WINDOW
    events = []
    targets = [("resolution", case.resolution_due_at)]
    if case.first_response_at is None:
        targets.insert(0, ("first_response", case.first_response_due_at))
    for target, due in targets:
        if due is not None and due <= horizon:
            events.append((f"sla_{target}_{'missed' if due < now else 'near'}", target, due))
    return events


def _summary(target, due, now):
    return f"{LABELS[target]} {describe_due(due, now)} (due {format_local(due)})"


def run_service_level_alerts(now=None):
    """Tell each at-risk case's assignee (or, unassigned, its queue) of each new event; flushes."""
    now = now or utcnow()
    cases = db.session.scalars(
        all_cases().where(at_risk_clause(now), Case.merged_into_id.is_(None)).order_by(Case.id)
    ).all()
    if not cases:
        return AlertResult()
    ids = [c.id for c in cases]
    done = set(
        db.session.execute(
            select(CaseReminder.case_id, CaseReminder.kind, CaseReminder.anchor_at).where(
                CaseReminder.case_id.in_(ids), CaseReminder.kind.like("sla_%")
            )
        ).all()
    )
    people = _recipients_by_case(cases)
    result = AlertResult()
    for case in cases:
        for kind, target, due in due_events(case, now):
            if (case.id, kind, due) in done:
                continue
            db.session.add(CaseReminder(case_id=case.id, kind=kind, anchor_at=due, sent_at=now))
            notify("service_level", case, people.get(case.id, []), _summary(target, due, now))
            result.events.append((case.number, kind))
    db.session.flush()
    return result


def _recipients_by_case(cases):
    """{case id: [people]}: the assignee, or every member of the case's queue when unassigned."""
    queue_ids = {c.queue_id for c in cases if c.assignee_id is None}
    assignee_ids = {c.assignee_id for c in cases if c.assignee_id is not None}
    members = (
        db.session.execute(
            select(QueueMember.queue_id, User)
            .join(User, User.id == QueueMember.user_id)
            .where(QueueMember.queue_id.in_(queue_ids), User.is_active.is_(True))
        ).all()
        if queue_ids
        else []
    )
    assignees = (
        {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(assignee_ids)))} if assignee_ids else {}
    )
    by_queue = {}
    for queue_id, user in members:
        by_queue.setdefault(queue_id, []).append(user)
    return {
        c.id: [assignees[c.assignee_id]] if c.assignee_id in assignees else by_queue.get(c.queue_id, []) for c in cases
    }

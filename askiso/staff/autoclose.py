"""Resolved cases close by themselves after N days without a reply (DESIGN §2).

Run from cron (`flask --app wsgi cases autoclose`). Idempotent: a reminder is
recorded in CaseReminder per resolution, and a closed case is no longer
Resolved, so running twice sends nothing twice.
"""

from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import func, select

from askiso.cases.models import Case, Message
from askiso.cases.services import change_status
from askiso.core.timeutil import utcnow
from askiso.extensions import db
from askiso.mail.case_mail import queue_case_email
from askiso.mail.notify import case_recipients, case_subject
from askiso.staff.models import CaseReminder
from askiso.staff.sla import get_settings
from askiso.visibility import all_cases

REMINDER = "autoclose_reminder"


class SystemActor:
    """The actor of automatic changes: staff-like, with no account behind it."""

    id = None
    name = "Ask ISO (automatic)"
    email = None
    staff_role = None
    is_staff = True
    is_authenticated = True
    is_active = True
    has_totp = False


SYSTEM = SystemActor()


@dataclass
class AutocloseResult:
    closed: list = field(default_factory=list)
    reminded: list = field(default_factory=list)


def _last_public_activity(case):
    last = db.session.scalar(
        select(func.max(Message.created_at)).where(Message.case_id == case.id, Message.is_internal.is_(False))
    )
    return max(case.resolved_at, last) if last else case.resolved_at


def _already_reminded(case):
    return db.session.scalar(select(CaseReminder.id).where(
        CaseReminder.case_id == case.id, CaseReminder.kind == REMINDER, CaseReminder.anchor_at == case.resolved_at
    )) is not None


def _remind(case, closes_at):
    queue_case_email("case_autoclose_reminder", case, case_recipients(case),
                     case_subject(case, f"Closing soon: {case.subject}"), "staff_autoclose_reminder",
                     closes_at=closes_at)
    db.session.add(CaseReminder(case_id=case.id, kind=REMINDER, anchor_at=case.resolved_at, sent_at=utcnow()))


def run_autoclose(now=None):
    """Remind, then close, Resolved cases that had no reply for the configured days."""
    now = now or utcnow()
    settings = get_settings()
    result = AutocloseResult()
    stmt = all_cases().where(Case.status == "resolved", Case.merged_into_id.is_(None),
                             Case.resolved_at <= now - timedelta(days=settings.reminder_days))
    for case in db.session.scalars(stmt.order_by(Case.id)).all():
        quiet_since = _last_public_activity(case)
        closes_at = quiet_since + timedelta(days=settings.autoclose_days)
        if now >= closes_at:
            reason = f"Closed automatically after {settings.autoclose_days} days without a reply."
            change_status(case, SYSTEM, "closed", reason=reason)
            result.closed.append(case.number)
        elif now >= quiet_since + timedelta(days=settings.reminder_days) and not _already_reminded(case):
            _remind(case, closes_at)
            result.reminded.append(case.number)
        db.session.flush()
    return result

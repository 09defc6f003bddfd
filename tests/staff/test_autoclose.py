"""Resolved cases: a reminder at day 5, closure at day 7, never twice."""

from datetime import timedelta

from sqlalchemy import select

from askiso.cases.services import change_status
from askiso.core.timeutil import utcnow
from askiso.extensions import db
from askiso.staff.autoclose import run_autoclose
from askiso.staff.models import CaseReminder
from tests.staff.helpers import new_case, outbox, staff_reply


def _resolved(people, days_ago):
    case = new_case(people.alpha_user, people.alpha)
    change_status(case, people.agent, "resolved")
    case.resolved_at = utcnow() - timedelta(days=days_ago)
    db.session.commit()
    return case


def _mails(kind):
    return [m for m in outbox() if m.kind == kind]


def test_reminder_then_close_and_idempotent(app, people, runner):
    reminded = _resolved(people, 5.5)
    closing = _resolved(people, 8)
    fresh = _resolved(people, 1)
    result = runner.invoke(args=["cases", "autoclose"])
    assert result.exit_code == 0, result.output
    assert "Closed 1 case(s)" in result.output and "Reminded 1 case(s)" in result.output
    db.session.expire_all()
    assert closing.status == "closed" and reminded.status == "resolved" and fresh.status == "resolved"
    assert len(_mails("case_autoclose_reminder")) == 1
    closed_mails = len(outbox())
    again = runner.invoke(args=["cases", "autoclose"])
    assert "Closed 0 case(s)" in again.output and "Reminded 0 case(s)" in again.output
    assert len(outbox()) == closed_mails
    assert db.session.scalar(select(db.func.count()).select_from(CaseReminder)) == 1


def test_a_reply_restarts_the_quiet_period(app, people):
    case = _resolved(people, 8)
    staff_reply(case, people.agent, "One more note for you")  # staff public reply keeps it resolved
    result = run_autoclose()
    db.session.commit()
    assert result.closed == [] and case.status == "resolved"


def test_a_new_resolution_gets_a_new_reminder(app, people):
    case = _resolved(people, 6)
    run_autoclose()
    db.session.commit()
    change_status(case, people.agent, "in_progress")
    change_status(case, people.agent, "resolved")
    case.resolved_at = utcnow() - timedelta(days=6)
    db.session.commit()
    assert run_autoclose().reminded == [case.number]

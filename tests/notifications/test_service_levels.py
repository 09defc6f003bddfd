"""Service-level notices: near and missed, to the assignee or the queue, each event once."""

from datetime import timedelta

from askiso.core.timeutil import utcnow
from askiso.extensions import db
from askiso.notifications.service_levels import run_service_level_alerts
from askiso.staff import services as staff_services
from tests.notifications.helpers import join_queue, mails, new_case, notices


def _due_in(case, delta):
    case.first_response_due_at = utcnow() + delta
    case.resolution_due_at = utcnow() + timedelta(days=20)
    db.session.commit()


def test_near_then_missed_each_once_to_the_assignee(app, people, runner):
    join_queue(people.supervisor)
    case = new_case(people.alpha_user, people.alpha)
    staff_services.assign(case, people.supervisor, people.agent.id)
    db.session.commit()
    _due_in(case, timedelta(hours=2))
    result = runner.invoke(args=["cases", "service-level-alerts"])
    assert result.exit_code == 0 and "1 event(s)" in result.output
    [near] = notices(people.agent, "service_level")
    assert near.summary.startswith("First response due in 1 h") or near.summary.startswith("First response due in 2 h")
    assert notices(people.supervisor, "service_level") == []  # assigned: the assignee only
    assert "0 event(s)" in runner.invoke(args=["cases", "autoclose"]).output  # the cron: nothing twice
    assert len(mails(people.agent, "notice_service_level")) == 1
    later = utcnow() + timedelta(hours=3)
    run_service_level_alerts(later)
    run_service_level_alerts(later + timedelta(minutes=5))
    db.session.commit()
    summaries = [n.summary for n in notices(people.agent, "service_level")]
    assert len(summaries) == 2 and summaries[1].startswith("First response overdue by")


def test_an_unassigned_case_tells_its_queue_and_a_moved_due_time_is_a_new_event(app, people):
    join_queue(people.agent)
    case = new_case(people.alpha_user, people.alpha)
    _due_in(case, -timedelta(minutes=30))  # first seen already missed: "missed" only
    run_service_level_alerts()
    db.session.commit()
    [missed] = notices(people.agent, "service_level")
    assert "overdue" in missed.summary
    _due_in(case, -timedelta(minutes=10))
    run_service_level_alerts()
    db.session.commit()
    assert len(notices(people.agent, "service_level")) == 2


def test_answered_or_waiting_cases_are_not_at_risk(app, people):
    from askiso.cases import services as case_services

    join_queue(people.agent)
    case = new_case(people.alpha_user, people.alpha)
    case_services.add_message(case, people.supervisor, "Answered.")
    db.session.commit()
    _due_in(case, -timedelta(minutes=30))
    waiting = new_case(people.alpha_user, people.alpha)
    case_services.change_status(waiting, people.supervisor, "waiting")
    _due_in(waiting, -timedelta(minutes=30))
    assert run_service_level_alerts().events == []

"""Reminders: only the obligated company's SAs and External Managers, once per point, whoever runs them."""

from datetime import timedelta

from sqlalchemy import func, select

from askiso.extensions import db
from askiso.mail.models import OutboxEmail
from askiso.obligations import reminders
from askiso.obligations.models import ObligationReminder
from tests import factories
from tests.obligations.conftest import make_obligation, row_of
from tests.obligations.helpers import file_certification, outbox

ALPHA_TOLD = ["meg.manager@alpha.test", "sara.admin@alpha.test"]


def _at(obligation, delta):
    return obligation.due_at + delta


def test_each_point_once_to_the_obligated_company_sa_and_em_only(app, people, obligation):
    # a former SA of ALPHA and BETA's SA and EM must never hear of it
    factories.add_member(people.former, people.alpha, security_admin=True, active=False)
    db.session.commit()
    assert reminders.run_reminders(_at(obligation, -timedelta(days=31))).sent == []
    first = reminders.run_reminders(_at(obligation, -timedelta(days=29)))
    assert first.sent == [("ALPHA", "30d")]
    assert sorted(outbox()) == ALPHA_TOLD
    again = reminders.run_reminders(_at(obligation, -timedelta(days=28)))
    assert again.sent == [] and len(outbox()) == 2
    assert reminders.run_reminders(_at(obligation, -timedelta(days=13))).sent == [("ALPHA", "14d")]
    assert reminders.run_reminders(_at(obligation, -timedelta(days=6))).sent == [("ALPHA", "7d")]
    assert reminders.run_reminders(_at(obligation, -timedelta(hours=23))).sent == [("ALPHA", "1d")]
    assert reminders.run_reminders(_at(obligation, -timedelta(hours=22))).sent == []
    assert len(outbox()) == 8
    assert set(outbox()) == set(ALPHA_TOLD)
    body = db.session.scalars(select(OutboxEmail.body_text)).first()
    assert f"/cases/new?type=ftr_certification&participant={people.alpha.id}" in body
    assert "Beta" not in body


def test_a_late_obligation_sends_only_its_latest_point(app, people):
    obligation = make_obligation([people.alpha], days=10)
    result = reminders.run_reminders(_at(obligation, -timedelta(days=10)))
    assert result.sent == [("ALPHA", "14d")]
    assert reminders.run_reminders(_at(obligation, -timedelta(days=9))).sent == []


def test_overdue_when_the_due_time_passes_then_one_reminder(app, people, obligation):
    assert reminders.run_reminders(_at(obligation, -timedelta(seconds=1))).overdue == 0
    assert row_of(obligation, people.alpha).state == "open"
    outbox_before = len(outbox())
    result = reminders.run_reminders(_at(obligation, timedelta(seconds=1)))
    assert result.overdue == 1 and result.sent == [("ALPHA", "overdue")]
    row = row_of(obligation, people.alpha)
    assert row.state == "overdue" and row.overdue_at is not None and row.last_reminder_at is not None
    assert len(outbox()) == outbox_before + 2
    later = reminders.run_reminders(_at(obligation, timedelta(days=3)))
    assert later.overdue == 0 and later.sent == []
    [subject] = set(db.session.scalars(select(OutboxEmail.subject).where(OutboxEmail.subject.like("Overdue%"))))
    assert "ALPHA" in subject


def test_participants_who_filed_get_none(app, people):
    obligation = make_obligation([people.alpha, people.beta])
    file_certification(people.alpha_user, people.alpha)
    result = reminders.run_reminders(_at(obligation, -timedelta(days=1, hours=-1)))
    assert result.sent == [("BETA", "1d")]
    assert sorted(outbox()) == ["max.manager@beta.test", "sam.admin@beta.test"]
    assert reminders.run_reminders(_at(obligation, timedelta(hours=1))).sent == [("BETA", "overdue")]
    assert row_of(obligation, people.alpha).state == "filed"


def test_two_runners_that_read_the_same_due_list_send_once(app, people, obligation):
    """Both runners read the due reminders before either sends: the unique (row, point) decides."""
    now = _at(obligation, -timedelta(days=20))
    seen_by_first = reminders.due_reminders(now)
    seen_by_second = reminders.due_reminders(now)
    assert seen_by_first == seen_by_second == [(row_of(obligation, people.alpha).id, "30d")]
    db.session.commit()
    for row_id, point in seen_by_first:
        assert reminders.send_reminder(row_id, point, now) is not None
        db.session.commit()
    for row_id, point in seen_by_second:
        assert reminders.send_reminder(row_id, point, now) is None  # the insert failed: nothing queued
        db.session.commit()
    assert sorted(outbox()) == ALPHA_TOLD
    assert db.session.scalar(select(func.count(ObligationReminder.id))) == 1


def test_a_runner_on_another_connection_that_committed_first_wins(app, people, obligation):
    """The second runner's list is stale: another connection sent and committed in between."""
    from sqlalchemy.orm import Session

    now = _at(obligation, -timedelta(days=20))
    [(row_id, point)] = reminders.due_reminders(now)
    db.session.commit()
    with Session(db.engine) as other:
        other.add(ObligationReminder(obligation_participant_id=row_id, point=point, sent_at=now))
        other.commit()
    assert reminders.send_reminder(row_id, point, now) is None
    db.session.commit()
    assert outbox() == []


def test_remind_command_twice_sends_once(app, people, runner):
    make_obligation([people.alpha], days=10)
    first = runner.invoke(args=["obligations", "remind"])
    assert first.exit_code == 0, first.output
    assert "Sent 1 reminder(s): ALPHA 14d" in first.output
    second = runner.invoke(args=["obligations", "remind"])
    assert second.exit_code == 0 and "Sent 0 reminder(s)" in second.output
    assert sorted(outbox()) == ALPHA_TOLD


def test_configured_reminder_days(app, people):
    app.config["OBLIGATION_REMINDER_DAYS"] = "3"
    try:
        obligation = make_obligation([people.alpha], days=20)
    finally:
        app.config["OBLIGATION_REMINDER_DAYS"] = "30,14,7,1"
    assert obligation.reminder_days == [3]
    assert reminders.run_reminders(_at(obligation, -timedelta(days=4))).sent == []
    assert reminders.run_reminders(_at(obligation, -timedelta(days=2))).sent == [("ALPHA", "3d")]


def test_two_runners_at_the_same_time_send_once(app, people, obligation):
    """Runner one has inserted the reminder and not committed; runner two (another thread and
    connection) tries the same point. Whichever order the threads run in, runner two must wait for
    runner one's commit and then send nothing."""
    import threading

    from sqlalchemy.orm import Session

    now = _at(obligation, -timedelta(days=20))
    [(row_id, point)] = reminders.due_reminders(now)
    db.session.commit()
    first = Session(db.engine)
    first.add(ObligationReminder(obligation_participant_id=row_id, point=point, sent_at=now))
    first.flush()  # holds the unique key (PostgreSQL) or the write lock (SQLite) until it commits
    outcome = {}

    def second_runner():
        with app.app_context():
            try:
                outcome["reminder"] = reminders.send_reminder(row_id, point, now)
                db.session.commit()
            finally:
                db.session.remove()

    thread = threading.Thread(target=second_runner)
    thread.start()
    first.commit()
    first.close()
    thread.join(timeout=60)
    assert not thread.is_alive() and outcome == {"reminder": None}
    assert outbox() == []
    assert db.session.scalar(select(func.count(ObligationReminder.id))) == 1


def test_the_background_round_sends_and_survives_a_failure(app, people, monkeypatch):
    make_obligation([people.alpha], days=5)
    result = reminders.run_once(app)
    assert result.sent == [("ALPHA", "7d")]
    assert sorted(outbox()) == ALPHA_TOLD

    def broken(now=None):
        raise RuntimeError("database went away")

    monkeypatch.setattr(reminders, "run_reminders", broken)
    assert reminders.run_once(app) is None  # logged, not raised: the thread lives on


def test_the_thread_starts_with_the_embedded_default_only(app):
    from askiso import create_app

    # The test configuration with TESTING off (a development app would switch the shared limiter on).
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    on = create_app("testing", SQLALCHEMY_DATABASE_URI=url, TESTING=False, OBLIGATIONS_REMIND_IN_PROCESS=True)
    off = create_app("testing", SQLALCHEMY_DATABASE_URI=url, TESTING=False, OBLIGATIONS_REMIND_IN_PROCESS=False)
    names = lambda a: [f.__name__ for f in a.before_request_funcs.get(None, [])]  # noqa: E731
    assert "_start_obligation_reminders" in names(on)
    assert "_start_obligation_reminders" not in names(off)

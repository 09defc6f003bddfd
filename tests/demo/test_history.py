"""The demo's 90 days of history: spread over business hours, added once, and enough for every report."""

import re
from collections import Counter

from sqlalchemy import func, select

from askiso.cases.models import Case
from askiso.core.timeutil import LOCAL_TZ
from askiso.demo.data import load_demo
from askiso.extensions import db
from askiso.mail.models import OutboxEmail
from askiso.satisfaction.models import Rating
from askiso.staff import report_page, reports
from askiso.visibility import unscoped


def _history():
    return db.session.scalars(select(Case).where(Case.submission_key.like("demo-history-%"))).all()


def test_history_is_spread_over_business_hours_and_loaded_once(app):
    load_demo()
    cases = _history()
    assert len(cases) > 150
    local = [c.received_at.replace(tzinfo=reports.UTC).astimezone(LOCAL_TZ) for c in cases]
    assert len({t.date() for t in local}) > 55
    assert sum(t.weekday() < 5 and 8 <= t.hour < 17 for t in local) / len(local) > 0.8
    answered = [c for c in cases if c.first_response_at]
    assert all(c.first_response_at > c.received_at for c in answered)
    assert Counter(c.status for c in cases)["closed"] > 50 and {"new", "in_progress"} <= {c.status for c in cases}
    assert db.session.scalar(select(func.count()).select_from(Rating)) > 20

    gone = cases[0]
    db.session.delete(gone)
    db.session.commit()
    load_demo()
    assert len(_history()) == len(cases) - 1
    assert db.session.scalar(select(Case.id).where(Case.submission_key == gone.submission_key)) is None


def test_every_report_shows_something_on_the_demo(app, people):
    load_demo()
    with app.test_request_context("/staff/reports"), unscoped("tests: the report as the supervisor reads it"):
        report = report_page.build_report(people.supervisor, reports.parse_report_filters({"period": "90d"}))
    for section in report["sections"]:
        assert section.rows, section.key
    figures = {label: value for label, value, _ in report["figures"]}
    assert int(figures["Cases received"]) > 150
    assert figures["First response, median"].endswith(" h") and figures["First response, median"] != "0 h"
    for name in ("First response within target", "Resolution within target", "Rated good"):
        assert 50 < float(figures[name].rstrip(" %")) < 100, (name, figures[name])


def test_a_resolved_demo_case_can_be_rated_from_its_email(app, client):
    load_demo()
    mail = db.session.scalars(select(OutboxEmail).where(OutboxEmail.kind == "case_status")).all()
    link = next(m for m in mail if "/rate/" in m.body_text)
    path = re.search(r"http://[^/\s]+(/rate/\S+)\?score=good", link.body_text).group(1)
    assert client.get(path + "?score=good").status_code == 200
    assert db.session.get(Rating, link.case_id) is None
    assert client.post(path, data={"score": "good"}).status_code == 200
    rating = db.session.get(Rating, link.case_id)
    assert rating.score == "good" and rating.user_id == db.session.get(Case, link.case_id).submitter_id

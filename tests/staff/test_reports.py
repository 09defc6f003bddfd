"""Supervisor reports on a small known data set: numbers, drill-downs, charts and CSVs."""

import csv
import io
import re
from datetime import date, datetime, timedelta

import pytest

from askiso.extensions import db
from askiso.staff import report_charts, report_page, reports, sla
from askiso.staff.report_times import BusinessCalendar
from askiso.visibility import unscoped
from tests.staff.helpers import new_case
from tests.statements import recorded_statements

MON_9 = datetime(2026, 1, 5, 14, 0)  # Monday 09:00 EST
TODAY = date(2026, 1, 31)


@pytest.fixture(autouse=True)
def _frozen_today(monkeypatch):
    monkeypatch.setattr(reports, "today_local", lambda: TODAY)
    monkeypatch.setattr(reports, "now_utc", lambda: datetime(2026, 1, 31, 20, 0))


def _known_cases(people):
    answered = [datetime(2026, 1, 5, 15, 0), datetime(2026, 1, 5, 17, 0), datetime(2026, 1, 6, 16, 0)]
    cases = []
    for i, first in enumerate(answered):
        case = new_case(
            people.alpha_user if i < 2 else people.beta_user,
            people.alpha if i < 2 else people.beta,
            commit=False,
            subject=f"Known {i}",
        )
        case.received_at = MON_9
        sla.apply_due_times(case)
        case.first_response_at = first
        cases.append(case)
    cases[0].status, cases[0].resolved_at, cases[0].closed_at = (
        "closed",
        datetime(2026, 1, 7, 14, 0),
        datetime(2026, 1, 7, 14, 0),
    )
    db.session.commit()
    return cases


ARGS = {"period": "custom", "start": "2026-01-01", "end": "2026-01-31"}


def _section(report, key):
    return next(s for s in report["sections"] if s.key == key)


@pytest.fixture
def in_request(app):
    with app.test_request_context("/staff/reports"), unscoped("tests: the report as the supervisor reads it"):
        yield


def test_report_numbers(app, people, in_request):
    _known_cases(people)
    f = reports.parse_report_filters(ARGS)
    report = report_page.build_report(people.supervisor, f)
    times = _section(report, "times").extra
    assert times["first_response"] == {"count": 3, "median": 3.0, "p90": 9.4}
    assert times["resolution"] == {"count": 1, "median": 18.0, "p90": 18.0}
    figures = {label: value for label, value, _ in report["figures"]}
    assert figures["Cases received"] == "3"
    assert figures["First response within target"] == "66.7 %"
    # The two unresolved cases are past their January resolution due time: missed.
    assert figures["Resolution within target"] == "33.3 %"
    volume = _section(report, "volume")
    week = next(row for row in volume.rows if row[0] == "Mon Jan 05")
    assert week[1][0] == "3"
    backlog = _section(report, "backlog")
    assert backlog.extra["total"] == 2
    assert [row[1][0] for row in backlog.rows] == ["0", "0", "0", "2", "0"]  # received 26 days before TODAY


def test_filters_by_participant_and_periods(app, people, in_request):
    _known_cases(people)
    report = report_page.build_report(people.supervisor, reports.parse_report_filters({**ARGS, "participant": "beta"}))
    assert _section(report, "times").extra["first_response"]["count"] == 1
    quarter = reports.parse_report_filters({"period": "quarter"}, today=date(2026, 5, 20))
    assert (quarter.start, quarter.end) == (date(2026, 4, 1), date(2026, 5, 20))
    last7 = reports.parse_report_filters({"period": "7d"}, today=date(2026, 5, 20))
    assert (last7.start, last7.end) == (date(2026, 5, 14), date(2026, 5, 20))
    assert reports.parse_report_filters({}, today=date(2026, 5, 20)).period == "90d"
    # The form sends the dates it showed: dates changed by hand make it a custom period.
    shown = {
        "period": "7d",
        "start": "2026-02-20",
        "end": "2026-05-20",
        "shown_start": "2026-02-20",
        "shown_end": "2026-05-20",
    }
    assert reports.parse_report_filters(shown, today=date(2026, 5, 20)).period == "7d"
    typed = reports.parse_report_filters({**shown, "start": "2026-05-01"}, today=date(2026, 5, 20))
    assert (typed.period, typed.start, typed.end) == ("custom", date(2026, 5, 1), date(2026, 5, 20))
    assert len(reports.buckets(last7)) == 7
    assert [b.start for b in reports.buckets(reports.parse_report_filters(ARGS))][:2] == [
        date(2026, 1, 1),
        date(2026, 1, 2),
    ]
    weeks = reports.buckets(reports.parse_report_filters({"period": "90d"}, today=date(2026, 5, 20)))
    assert all(b.start.weekday() == 0 for b in weeks[1:]) and weeks[-1].end == date(2026, 5, 20)


def test_page_has_integer_axes_drilldowns_and_csvs(app, people, client_for):
    _known_cases(people)
    client = client_for(people.supervisor)
    with recorded_statements() as statements:
        page = client.get("/staff/reports", query_string=ARGS).get_data(as_text=True)
    assert len(statements) < 40
    assert "66.7 %" in page and "<svg" in page and "<script" not in page.split("<main")[1].split("</main>")[0]
    ticks = re.findall(r'text-anchor="end">([^<]*)</text>', page)
    assert ticks and all(t.isdigit() for t in ticks)
    drill = re.search(r'<a href="(/staff/cases\?[^"]*received_from=2026-01-05[^"]*)" aria-label="[^"]*: 3"', page)
    assert drill, "the volume bar links to the case list"
    listed = client.get(drill.group(1).replace("&amp;", "&")).get_data(as_text=True)
    assert all(f"Known {i}" in listed for i in range(3))
    for name in report_page.SECTIONS:
        response = client.get(f"/staff/reports/{name}.csv", query_string=ARGS)
        assert response.status_code == 200 and response.mimetype == "text/csv"
        rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
        assert rows[0] and all(len(row) == len(rows[0]) for row in rows)
    volume = list(
        csv.reader(io.StringIO(client.get("/staff/reports/volume.csv", query_string=ARGS).get_data(as_text=True)))
    )
    assert volume[0] == ["period_start", "period_end", "request_type", "cases_received"]
    assert sum(int(row[3]) for row in volume[1:]) == 3
    assert client.get("/staff/reports/nope.csv").status_code == 404


def test_bad_report_dates_are_explained(app, people, client_for):
    response = client_for(people.supervisor).get("/staff/reports?period=custom&start=yesterday")
    assert response.status_code == 400 and "Use a date like" in response.get_data(as_text=True)
    assert 'value="yesterday"' in response.get_data(as_text=True)


def test_agents_see_no_reports(app, people, client_for):
    assert client_for(people.agent).get("/staff/reports").status_code == 403
    assert client_for(people.agent).get("/staff/reports/volume.csv").status_code == 403


def test_integer_ticks():
    assert report_charts.integer_ticks(0) == [0, 1]
    assert report_charts.integer_ticks(3) == [0, 1, 2, 3]
    assert report_charts.integer_ticks(7) == [0, 2, 4, 6, 8]
    assert report_charts.integer_ticks(100) == [0, 20, 40, 60, 80, 100]
    assert report_charts.integer_ticks(0.4) == [0, 1]


def test_calendar_matches_the_service_level_rule():
    holidays = frozenset({date(2026, 1, 19)})
    cal = BusinessCalendar(date(2026, 1, 1), date(2026, 4, 1), holidays)
    start = datetime(2026, 1, 2, 12, 30)
    for hours in (0, 1, 5, 30, 49, 200, 1500):
        end = start + timedelta(hours=hours, minutes=17)
        assert cal.minutes_between(start, end) == pytest.approx(sla.business_minutes_between(start, end, holidays))
    # Across the March DST change.
    a, b = datetime(2026, 3, 6, 20, 0), datetime(2026, 3, 9, 14, 0)
    assert cal.minutes_between(a, b) == pytest.approx(sla.business_minutes_between(a, b, holidays))

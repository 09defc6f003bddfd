"""Service-level arithmetic across nights, weekends, holidays and DST, and the receivers."""

from datetime import date, datetime, timedelta

import pytest

from askiso.cases import services as case_services
from askiso.extensions import db
from askiso.staff import sla
from askiso.staff.models import CaseClock, Holiday
from tests.staff.helpers import new_case, staff_reply


def utc(*args):
    return datetime(*args)


NO_HOLIDAYS = set()


@pytest.mark.parametrize(
    ("start", "minutes", "expected", "why"),
    [
        # EST (UTC-5): Tue 2026-01-06 09:00 local = 14:00Z, +2 h = 11:00 local.
        (utc(2026, 1, 6, 14, 0), 120, utc(2026, 1, 6, 16, 0), "within the day"),
        # Tue 16:00 local + 2 h -> Wed 09:00 local (across the night).
        (utc(2026, 1, 6, 21, 0), 120, utc(2026, 1, 7, 14, 0), "overnight"),
        # Received at 22:00 local: the clock starts next morning at 08:00.
        (utc(2026, 1, 7, 3, 0), 60, utc(2026, 1, 7, 14, 0), "after hours"),
        # Fri 16:00 local + 4 h -> Mon 11:00 local (weekend skipped).
        (utc(2026, 1, 9, 21, 0), 240, utc(2026, 1, 12, 16, 0), "weekend"),
        # Saturday: nothing counts until Monday 08:00.
        (utc(2026, 1, 10, 15, 0), 540, utc(2026, 1, 12, 22, 0), "received on Saturday"),
        # One business day (540 min) from Mon 08:00 local ends Mon 17:00 local.
        (utc(2026, 1, 12, 13, 0), 540, utc(2026, 1, 12, 22, 0), "one business day"),
        # Ten business days from Mon 08:00 EST: two weeks later, Friday 17:00.
        (utc(2026, 1, 12, 13, 0), 5400, utc(2026, 1, 23, 22, 0), "resolution target"),
    ],
)
def test_add_business_minutes(app, start, minutes, expected, why):
    assert sla.add_business_minutes(start, minutes, NO_HOLIDAYS) == expected, why


def test_spring_forward_march(app):
    # Fri 2026-03-06 16:00 EST (21:00Z) + 2 h -> Mon 2026-03-09 09:00 EDT = 13:00Z (UTC-4 now).
    assert sla.add_business_minutes(utc(2026, 3, 6, 21, 0), 120, NO_HOLIDAYS) == utc(2026, 3, 9, 13, 0)
    # Business minutes over the change weekend: 1 h Friday + 1 h Monday.
    assert sla.business_minutes_between(utc(2026, 3, 6, 21, 0), utc(2026, 3, 9, 13, 0), NO_HOLIDAYS) == 120


def test_fall_back_november(app):
    # Fri 2026-10-30 16:00 EDT (20:00Z) + 2 h -> Mon 2026-11-02 09:00 EST = 14:00Z (UTC-5 now).
    assert sla.add_business_minutes(utc(2026, 10, 30, 20, 0), 120, NO_HOLIDAYS) == utc(2026, 11, 2, 14, 0)
    # A whole business day on the Monday after: 08:00-17:00 EST = 13:00Z-22:00Z.
    assert sla.add_business_minutes(utc(2026, 11, 2, 13, 0), 540, NO_HOLIDAYS) == utc(2026, 11, 2, 22, 0)


def test_holidays_are_skipped(app):
    holidays = {date(2026, 12, 25)}
    # Thu 2026-12-24 16:00 EST + 2 h: Christmas Friday is a holiday -> Mon 28 09:00 EST.
    assert sla.add_business_minutes(utc(2026, 12, 24, 21, 0), 120, holidays) == utc(2026, 12, 28, 14, 0)
    assert sla.add_business_minutes(utc(2026, 12, 24, 21, 0), 120, NO_HOLIDAYS) == utc(2026, 12, 25, 14, 0)
    assert sla.business_minutes_between(utc(2026, 12, 24, 13, 0), utc(2026, 12, 28, 22, 0), holidays) == 1080


def test_holidays_come_from_the_database(app):
    db.session.add(Holiday(day=date(2026, 7, 3), name="Independence Day (observed)"))
    db.session.commit()
    # Thu 2026-07-02 16:00 EDT (20:00Z) + 2 h -> Mon 07-06 09:00 EDT (13:00Z).
    assert sla.add_business_minutes(utc(2026, 7, 2, 20, 0), 120) == utc(2026, 7, 6, 13, 0)


def test_between_is_zero_backwards_and_outside_hours(app):
    assert sla.business_minutes_between(utc(2026, 1, 7, 0, 0), utc(2026, 1, 6, 0, 0), NO_HOLIDAYS) == 0
    # Saturday to Sunday.
    assert sla.business_minutes_between(utc(2026, 1, 10, 12, 0), utc(2026, 1, 11, 20, 0), NO_HOLIDAYS) == 0


def test_describe_due():
    now = datetime(2026, 1, 6, 12, 0)
    assert sla.describe_due(now + timedelta(hours=3, minutes=10), now) == "due in 3 h 10 m"
    assert sla.describe_due(now - timedelta(days=1, hours=2), now) == "overdue by 1 d 2 h"
    assert sla.describe_due(now + timedelta(minutes=5), now) == "due in 5 m"
    assert sla.describe_due(None, now) == ""


def test_new_case_gets_due_times_and_priority_change_recomputes(app, people):
    case = new_case(people.alpha_user, people.alpha)
    holidays = sla.holiday_dates()
    assert case.first_response_due_at == sla.add_business_minutes(case.received_at, 540, holidays)
    assert case.resolution_due_at == sla.add_business_minutes(case.received_at, 5400, holidays)
    case_services.update_case(case, people.agent, priority="urgent")
    db.session.commit()
    assert case.first_response_due_at == sla.add_business_minutes(case.received_at, 120, holidays)
    assert case.resolution_due_at == sla.add_business_minutes(case.received_at, 5400, holidays)


def test_waiting_pauses_the_clock(app, people, monkeypatch):
    received = utc(2026, 1, 5, 14, 0)  # Mon 09:00 EST
    monkeypatch.setattr(sla, "utcnow", lambda: received)
    case = new_case(people.alpha_user, people.alpha)
    case.received_at = received
    sla.apply_due_times(case)
    db.session.commit()
    original_resolution = case.resolution_due_at
    # Waiting from Mon 10:00 to Tue 10:00 local: 9 business hours.
    monkeypatch.setattr(sla, "utcnow", lambda: utc(2026, 1, 5, 15, 0))
    case_services.change_status(case, people.agent, "waiting")
    db.session.commit()
    assert db.session.get(CaseClock, case.id).paused_at == utc(2026, 1, 5, 15, 0)
    monkeypatch.setattr(sla, "utcnow", lambda: utc(2026, 1, 6, 15, 0))
    staff_reply(case, people.alpha_user, "Here is the information")  # participant reply resumes
    db.session.refresh(case)
    assert case.status == "in_progress"
    clock = db.session.get(CaseClock, case.id)
    assert clock.paused_at is None and clock.paused_minutes == 540
    assert case.resolution_due_at == sla.add_business_minutes(original_resolution, 540, set())


def test_settings_change_targets(app, people, client_for):
    response = client_for(people.supervisor).post("/staff/admin/service-levels", data={
        "urgent_first_response_minutes": 60, "high_first_response_minutes": 240,
        "normal_first_response_minutes": 300, "low_first_response_minutes": 1620,
        "resolution_minutes": 2700, "autoclose_days": 7, "reminder_days": 5})
    assert response.status_code == 302
    case = new_case(people.alpha_user, people.alpha)
    assert case.first_response_due_at == sla.add_business_minutes(case.received_at, 300, set())
    assert case.resolution_due_at == sla.add_business_minutes(case.received_at, 2700, set())


def test_home_lists_cases_at_risk(app, people, client_for):
    case = new_case(people.alpha_user, people.alpha, subject="Late one")
    case.first_response_due_at = datetime(2020, 1, 1)
    db.session.commit()
    html = client_for(people.agent).get("/staff").get_data(as_text=True)
    assert "Late one" in html and "overdue by" in html

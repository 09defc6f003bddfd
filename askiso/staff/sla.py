"""Service levels: business-time arithmetic and the receivers that keep due times.

Business hours are Mon-Fri 08:00-17:00 America/New_York minus the configured
holidays. Each day's window is built in local wall-clock time with zoneinfo
and only then converted to UTC, so the DST changes need no special case (8:00
and 17:00 never fall in the skipped or repeated hour).

Due times are always computed from scratch:
    due = received_at + (target + business minutes spent waiting)
counted in business time. The pause is kept in CaseClock (askiso/staff/models.py):
entering Waiting on Participant stores `paused_at`; leaving it adds the
business minutes waited to `paused_minutes`. See docs/service-levels.md.

Receivers run inside the case service's transaction and only change the
case (and its CaseClock row) in the session; they never commit or send.
"""

from collections import namedtuple
from datetime import UTC, datetime, time, timedelta
from typing import NamedTuple

from sqlalchemy import and_, or_, select

from askiso.cases import signals
from askiso.cases.models import OPEN_STATUSES, Case
from askiso.core import reference
from askiso.core.formatting import format_local
from askiso.core.timeutil import LOCAL_TZ, utcnow
from askiso.extensions import db
from askiso.staff.models import CaseClock, Holiday, ServiceLevelSettings

DAY_START = time(8, 0)
DAY_END = time(17, 0)
BUSINESS_DAY_MINUTES = 9 * 60
# "Near" a breach: due within this much wall-clock time.
NEAR_WINDOW = timedelta(hours=4)
_MAX_DAYS = 3660  # no target is ten years long; stops runaway loops on bad input

DEFAULTS = {
    "urgent_first_response_minutes": 2 * 60,
    "high_first_response_minutes": 4 * 60,
    "normal_first_response_minutes": BUSINESS_DAY_MINUTES,
    "low_first_response_minutes": 3 * BUSINESS_DAY_MINUTES,
    "resolution_minutes": 10 * BUSINESS_DAY_MINUTES,
    "autoclose_days": 7,
    "reminder_days": 5,
}


# ---------------------------------------------------------------- settings


class ServiceLevels(namedtuple("ServiceLevels", list(DEFAULTS))):
    """The stored targets as read (immutable: kept per process by askiso/core/reference.py)."""

    __slots__ = ()

    def first_response_minutes(self, priority):
        return getattr(self, f"{priority}_first_response_minutes", self.normal_first_response_minutes)


_SETTINGS = select(*(getattr(ServiceLevelSettings, name) for name in DEFAULTS)).where(ServiceLevelSettings.id == 1)


def _read_settings():
    row = db.session.execute(_SETTINGS).first()
    return ServiceLevels(*row) if row is not None else ServiceLevels(**DEFAULTS)


def get_settings():
    """The service-level targets (the defaults when none were stored)."""
    return reference.cached("service_levels", _read_settings)


def holiday_dates():
    """Every configured holiday as a frozenset of dates."""
    return reference.cached("holidays", lambda: frozenset(db.session.scalars(select(Holiday.day))))


# ---------------------------------------------------------------- arithmetic


def _aware(value):
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _naive(value):
    return value.astimezone(UTC).replace(tzinfo=None)


def is_business_day(day, holidays):
    return day.weekday() < 5 and day not in holidays


def business_window(day):
    """The business window of a local date, as aware UTC datetimes."""
    start = datetime.combine(day, DAY_START, tzinfo=LOCAL_TZ).astimezone(UTC)
    end = datetime.combine(day, DAY_END, tzinfo=LOCAL_TZ).astimezone(UTC)
    return start, end


def _days_from(moment):
    day = moment.astimezone(LOCAL_TZ).date()
    for offset in range(_MAX_DAYS):
        yield day + timedelta(days=offset)


def add_business_minutes(start, minutes, holidays=None):
    """The naive-UTC moment `minutes` business minutes after `start` (naive UTC)."""
    holidays = holiday_dates() if holidays is None else holidays
    cursor = _aware(start)
    remaining = timedelta(minutes=max(0, minutes))
    for day in _days_from(cursor):
        if not is_business_day(day, holidays):
            continue
        open_at, close_at = business_window(day)
        if cursor >= close_at:
            continue
        cursor = max(cursor, open_at)
        if remaining <= close_at - cursor:
            return _naive(cursor + remaining)
        remaining -= close_at - cursor
        cursor = close_at
    raise ValueError("service-level target too far in the future")


def business_minutes_between(start, end, holidays=None):
    """Business minutes between two naive-UTC moments (0 when end <= start)."""
    holidays = holiday_dates() if holidays is None else holidays
    start, end = _aware(start), _aware(end)
    if end <= start:
        return 0.0
    total = timedelta()
    for day in _days_from(start):
        open_at, close_at = business_window(day)
        if open_at >= end:
            break
        if is_business_day(day, holidays):
            overlap = min(close_at, end) - max(open_at, start)
            if overlap > timedelta():
                total += overlap
    return total.total_seconds() / 60


# ---------------------------------------------------------------- due times


def clock_for(case):
    """The case's pause record (created on first use, in the session)."""
    clock = db.session.get(CaseClock, case.id)
    if clock is None:
        clock = CaseClock(case_id=case.id, paused_minutes=0)
        db.session.add(clock)
    return clock


def paused_minutes(case):
    clock = db.session.get(CaseClock, case.id)
    return (clock.paused_minutes or 0) if clock is not None else 0


def compute_due_times(case, settings=None, holidays=None, paused=0):
    """(first_response_due_at, resolution_due_at) for the case as it is now."""
    settings = settings or get_settings()
    holidays = holiday_dates() if holidays is None else holidays
    received = case.received_at or utcnow()
    first = add_business_minutes(received, settings.first_response_minutes(case.priority) + paused, holidays)
    resolution = add_business_minutes(received, settings.resolution_minutes + paused, holidays)
    return first, resolution


def apply_due_times(case, first=True, resolution=True):
    """Set the case's due times from its priority, received time and pauses."""
    paused = paused_minutes(case) if case.id is not None else 0  # a case not yet inserted never waited
    first_due, resolution_due = compute_due_times(case, paused=paused)
    if first:
        case.first_response_due_at = first_due
    if resolution:
        case.resolution_due_at = resolution_due


# ---------------------------------------------------------------- receivers


@signals.case_receiving.connect
def on_case_receiving(case, **_):
    """A new case gets its first-response and resolution due times before it is inserted (one
    INSERT with them rather than an UPDATE after)."""
    apply_due_times(case)


@signals.case_changed.connect
def on_case_changed(case, changes=None, **_):
    """A new priority means a new first-response target."""
    if changes and "priority" in changes:
        apply_due_times(case, resolution=False)


@signals.status_changed.connect
def on_status_changed(case, old_status=None, new_status=None, **_):
    """Waiting on Participant stops the clock; leaving it moves the due times on."""
    if new_status == "waiting" and old_status != "waiting":
        clock = clock_for(case)
        clock.paused_at = clock.paused_at or utcnow()
    elif old_status == "waiting" and new_status != "waiting":
        clock = clock_for(case)
        if clock.paused_at is not None:
            waited = business_minutes_between(clock.paused_at, utcnow())
            clock.paused_minutes = (clock.paused_minutes or 0) + round(waited)
            clock.paused_at = None
            apply_due_times(case)


# ---------------------------------------------------------------- queries and display


def at_risk_clause(now=None):
    """Open, running cases whose first response or resolution is due soon or overdue."""
    now = now or utcnow()
    horizon = now + NEAR_WINDOW
    return and_(
        Case.status.in_(("new", "in_progress")),
        or_(
            and_(Case.first_response_at.is_(None), Case.first_response_due_at <= horizon),
            Case.resolution_due_at <= horizon,
        ),
    )


def next_due(case):
    """The due time that matters now: first response until it is given, then resolution."""
    if case.first_response_at is None and case.first_response_due_at is not None:
        return case.first_response_due_at
    return case.resolution_due_at


class ShownDue(NamedTuple):
    """What a service-level cell says of a case (a Case or a row with its status and due columns)."""

    state: str  # "waiting", "closed", "due", or "" (open without a due time)
    label: str = ""  # "First response" or "Resolution"
    text: str = ""  # "due in 3 h 10 m" / "overdue by 1 d 2 h"
    local: str = ""  # the due time in the ISO's local time
    overdue: bool = False


def shown_due(case, now=None):
    if case.status == "waiting":
        return ShownDue("waiting")
    if case.status not in OPEN_STATUSES:
        return ShownDue("closed")
    due = next_due(case)
    if due is None:
        return ShownDue("")
    now = now or utcnow()
    label = "First response" if case.first_response_at is None else "Resolution"
    return ShownDue("due", label, describe_due(due, now), format_local(due), is_overdue(due, now))


def _span(delta):
    minutes = int(delta.total_seconds() // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        return f"{days} d {hours} h"
    if hours:
        return f"{hours} h {mins} m"
    return f"{mins} m"


def describe_due(due, now=None):
    """'due in 3 h 10 m' or 'overdue by 1 d 2 h' (wall-clock time)."""
    if due is None:
        return ""
    now = now or utcnow()
    if due >= now:
        return f"due in {_span(due - now)}"
    return f"overdue by {_span(now - due)}"


def is_overdue(due, now=None):
    return due is not None and due < (now or utcnow())


def business_hours_label(minutes):
    """A business-minute target for people: '2 h', '1 business day', '3 business days'."""
    if minutes % BUSINESS_DAY_MINUTES == 0 and minutes >= BUSINESS_DAY_MINUTES:
        days = minutes // BUSINESS_DAY_MINUTES
        return f"{days} business day{'s' if days != 1 else ''}"
    hours, mins = divmod(minutes, 60)
    return f"{hours} h" + (f" {mins} m" if mins else "")



def upcoming_day(value):
    """A naive-UTC moment's date in the ISO's local time."""
    return _aware(value).astimezone(LOCAL_TZ).date()

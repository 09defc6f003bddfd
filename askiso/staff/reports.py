"""Supervisor reports over a period: the filters, the period's buckets and the SQL behind each table.

Every count is one GROUP BY over the cases received in the period (the
(received_at, id) index bounds the scan) or over the open cases (the status
indexes). Business-hour durations need the holiday calendar, so the period's
(received, answered, resolved) triples are read in one statement and measured
in Python by askiso/staff/report_times.py. Days, weeks and months are cut at
midnight in the ISO's time zone: bucket boundaries are computed here as UTC
instants and the database only compares. See docs/reports.md.
"""

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from flask import url_for
from sqlalchemy import Float, and_, cast, func, or_, select
from sqlalchemy import case as sql_case

from askiso.cams.models import Participant
from askiso.cases.models import OPEN_STATUSES, Case, RequestType
from askiso.core.timeutil import LOCAL_TZ, utcnow
from askiso.extensions import db
from askiso.visibility import case_clause

PERIODS = {
    "7d": ("Last 7 days", 7),
    "30d": ("Last 30 days", 30),
    "90d": ("Last 90 days", 90),
    "quarter": ("This quarter", None),
    "custom": ("Custom dates", None),
}
DEFAULT_PERIOD = "90d"
MAX_DAYS = 3 * 366
VOLUME_BY = {"request_type": "Request type", "queue": "Queue", "participant": "Participant"}


@dataclass
class ReportFilters:
    period: str
    start: date
    end: date  # inclusive
    queue: str = ""
    request_type: str = ""
    participant: str = ""
    by: str = "request_type"
    errors: dict = field(default_factory=dict)

    @property
    def period_label(self):
        return PERIODS[self.period][0]

    def query_args(self, **changes):
        """The filters as query-string arguments (for links, charts' drill-downs and the CSVs)."""
        args = {"period": self.period}
        if self.period == "custom":
            args.update(start=self.start.isoformat(), end=self.end.isoformat())
        for key in ("queue", "request_type", "participant"):
            if getattr(self, key):
                args[key] = getattr(self, key)
        if self.by != "request_type":
            args["by"] = self.by
        args.update(changes)
        return args

    def case_list_url(self, start=None, end=None, **extra):
        """The staff case list filtered like this report (received start..end), plus `extra`."""
        args = {
            "status": "all",
            "received_from": (start or self.start).isoformat(),
            "received_to": (end or self.end).isoformat(),
        }
        for key in ("queue", "request_type", "participant"):
            if getattr(self, key):
                args[key] = getattr(self, key)
        args.update({k: v for k, v in extra.items() if v is not None})
        return url_for("staff.cases", **args)


def today_local():
    return datetime.now(LOCAL_TZ).date()


def parse_report_filters(args, today=None):
    """Report filters from request.args (the last 90 days unless told otherwise)."""
    today = today or today_local()
    errors = {}
    period = (args.get("period") or "").strip()
    if period not in PERIODS:
        period = "custom" if (args.get("start") or args.get("end")) else DEFAULT_PERIOD
    if period != "custom":
        start, end = _named_period(period, today)
        # The form also sends the dates it showed (shown_start, shown_end): dates changed by
        # hand mean a custom period; a changed period with untouched dates is that period.
        for name in ("start", "end"):
            if args.get(f"shown_{name}") and (args.get(name) or "") != args.get(f"shown_{name}"):
                period = "custom"
    if period == "custom":
        start, end = _custom_period(args, today, errors)
    queue = (args.get("queue") or "").strip()
    by = (args.get("by") or "").strip()
    return ReportFilters(
        period=period,
        start=start,
        end=end,
        queue=queue if queue.isdigit() else "",
        request_type=(args.get("request_type") or "").strip()[:60],
        participant=(args.get("participant") or "").strip().upper()[:32],
        by=by if by in VOLUME_BY else "request_type",
        errors=errors,
    )


def _named_period(period, today):
    if period == "quarter":
        return date(today.year, 3 * ((today.month - 1) // 3) + 1, 1), today
    return today - timedelta(days=PERIODS[period][1] - 1), today


def _custom_period(args, today, errors):
    end = _date_arg(args.get("end"), today, "end", errors)
    start = _date_arg(args.get("start"), end - timedelta(days=89), "start", errors)
    if start > end:
        errors["start"] = "The start must be on or before the end."
        start = end - timedelta(days=89)
    if (end - start).days >= MAX_DAYS:
        errors["start"] = f"Choose at most {MAX_DAYS} days."
        start = end - timedelta(days=MAX_DAYS - 1)
    return start, end


def _date_arg(text, default, name, errors):
    if not text:
        return default
    try:
        return datetime.strptime(text.strip(), "%Y-%m-%d").date()
    except ValueError:
        errors[name] = "Use a date like 2026-03-31."
        return default


def utc_midnight(day):
    """The naive-UTC instant of local midnight at the start of `day`."""
    return datetime.combine(day, time(0), tzinfo=LOCAL_TZ).astimezone(UTC).replace(tzinfo=None)


def scope(viewer, f):
    """Conditions for visibility and the queue / request type / participant filters."""
    conditions = [case_clause(viewer)]
    if f.queue:
        conditions.append(Case.queue_id == int(f.queue))
    if f.request_type:
        conditions.append(
            Case.request_type_id == select(RequestType.id).where(RequestType.key == f.request_type).scalar_subquery()
        )
    if f.participant:
        conditions.append(
            Case.participant_id == select(Participant.id).where(Participant.code == f.participant).scalar_subquery()
        )
    return conditions


def received_in(f):
    return and_(Case.received_at >= utc_midnight(f.start), Case.received_at < utc_midnight(f.end + timedelta(days=1)))


# ---------------------------------------------------------------- buckets


@dataclass(frozen=True)
class Bucket:
    label: str
    start: date
    end: date  # inclusive


def buckets(f):
    """The period cut into days (up to 31 days), weeks from Monday (up to 200 days) or months."""
    days = (f.end - f.start).days + 1
    out, day = [], f.start
    while day <= f.end:
        if days <= 31:
            last = day
            label = day.strftime("%b %d")
        elif days <= 200:
            last = min(f.end, day + timedelta(days=6 - day.weekday()))
            label = day.strftime("%b %d")
        else:
            following = date(day.year + (day.month == 12), day.month % 12 + 1, 1)
            last = min(f.end, following - timedelta(days=1))
            label = day.strftime("%b %Y")
        out.append(Bucket(label, day, last))
        day = last + timedelta(days=1)
    return out


def bucket_of(column, cuts):
    """SQL: the index of the bucket `column` falls in (the column is already within the period)."""
    if len(cuts) == 1:
        return sql_case((column.is_(None), 0), else_=0)
    return sql_case(
        *[(column < utc_midnight(b.end + timedelta(days=1)), i) for i, b in enumerate(cuts[:-1])], else_=len(cuts) - 1
    )


# ---------------------------------------------------------------- service levels


def attainment_columns(now):
    """SUMs: first response measured, met; resolution measured, met (a case counts once it is done or late)."""
    fr_measured = or_(Case.first_response_at.isnot(None), Case.first_response_due_at < now)
    fr_met = and_(Case.first_response_at.isnot(None), Case.first_response_at <= Case.first_response_due_at)
    res_measured = or_(Case.resolved_at.isnot(None), Case.resolution_due_at < now)
    res_met = and_(Case.resolved_at.isnot(None), Case.resolved_at <= Case.resolution_due_at)
    as_int = lambda cond: func.coalesce(func.sum(sql_case((cond, 1), else_=0)), 0)  # noqa: E731
    return as_int(fr_measured), as_int(fr_met), as_int(res_measured), as_int(res_met)


def epoch(column):
    """SQL: the naive-UTC timestamp `column` as seconds since 1970 (a float; NULL stays NULL)."""
    if db.engine.dialect.name == "postgresql":
        return cast(func.extract("epoch", column), Float)  # numeric (Decimal) otherwise
    return (func.julianday(column) - 2440587.5) * 86400.0


def rate(met, measured):
    return round(100.0 * met / measured, 1) if measured else None


def now_utc():
    return utcnow()


OPEN = OPEN_STATUSES

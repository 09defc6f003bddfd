"""Supervisor reports: volumes, backlog, response and resolution times, compliance.

Counts are SQL aggregates. Times are in business hours, which depend on
holidays and the wall clock, so they are computed in Python from two columns
of the (date-bounded) cases. Weeks start on Monday and are cut in UTC.
"""

import csv
import io
import re
import statistics
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import and_, func, or_, select
from sqlalchemy import case as sql_case

from askiso.cams.models import Participant
from askiso.cases.models import OPEN_STATUSES, Case, Queue, RequestType
from askiso.core.timeutil import LOCAL_TZ, utcnow
from askiso.extensions import db
from askiso.staff.models import CaseClock
from askiso.staff.sla import business_minutes_between, holiday_dates
from askiso.visibility import case_clause

DEFAULT_WEEKS = 12


@dataclass
class ReportFilters:
    start: date
    end: date  # inclusive
    queue: str = ""
    request_type: str = ""
    participant: str = ""
    errors: dict = field(default_factory=dict)

    def query_args(self):
        args = {"start": self.start.isoformat(), "end": self.end.isoformat()}
        for key in ("queue", "request_type", "participant"):
            if getattr(self, key):
                args[key] = getattr(self, key)
        return args


def parse_report_filters(args, today=None):
    """Report filters from request.args, defaulting to the last 12 weeks."""
    today = today or datetime.now(LOCAL_TZ).date()
    errors = {}
    end = _date_arg(args.get("end"), today, "end", errors)
    start = _date_arg(args.get("start"), end - timedelta(weeks=DEFAULT_WEEKS) + timedelta(days=1), "start", errors)
    if start > end:
        errors["start"] = "The start must be on or before the end."
        start = end - timedelta(weeks=DEFAULT_WEEKS) + timedelta(days=1)
    queue = (args.get("queue") or "").strip()
    return ReportFilters(
        start=start, end=end, queue=queue if queue.isdigit() else "",
        request_type=(args.get("request_type") or "").strip()[:60],
        participant=(args.get("participant") or "").strip().upper()[:32], errors=errors,
    )


def _date_arg(text, default, name, errors):
    if not text:
        return default
    try:
        return datetime.strptime(text.strip(), "%Y-%m-%d").date()
    except ValueError:
        errors[name] = "Use a date like 2026-03-31."
        return default


def _utc(day):
    return datetime.combine(day, time(0), tzinfo=LOCAL_TZ).astimezone(UTC).replace(tzinfo=None)


def _scope(viewer, f):
    """Conditions for visibility and the queue / request type / participant filters."""
    conditions = [case_clause(viewer)]
    if f.queue:
        conditions.append(Case.queue_id == int(f.queue))
    if f.request_type:
        conditions.append(Case.request_type_id == select(RequestType.id)
                          .where(RequestType.key == f.request_type).scalar_subquery())
    if f.participant:
        conditions.append(Case.participant_id == select(Participant.id)
                          .where(Participant.code == f.participant).scalar_subquery())
    return conditions


def _in_range(column, f):
    return and_(column >= _utc(f.start), column < _utc(f.end + timedelta(days=1)))


def _week(column):
    if db.engine.dialect.name == "postgresql":
        return func.to_char(func.date_trunc("week", column), "YYYY-MM-DD")
    return func.date(column, "weekday 0", "-6 days")


def _monday(day):
    return day - timedelta(days=day.weekday())


def weekly_counts(viewer, f):
    """[(week starting, opened, closed)] for every week of the range."""
    def counts(column):
        week = _week(column)
        stmt = (select(week, func.count()).where(*_scope(viewer, f), _in_range(column, f))
                .group_by(week))
        return {str(k)[:10]: n for k, n in db.session.execute(stmt)}

    opened, closed = counts(Case.received_at), counts(Case.closed_at)
    rows, week = [], _monday(f.start)
    while week <= f.end:
        key = week.isoformat()
        rows.append((key, opened.get(key, 0), closed.get(key, 0)))
        week += timedelta(weeks=1)
    return rows


def backlog_by_queue(viewer, f):
    """[(queue name, open cases)] right now."""
    stmt = (
        select(Queue.name, func.count(Case.id))
        .join(Case, Case.queue_id == Queue.id)
        .where(*_scope(viewer, f), Case.status.in_(OPEN_STATUSES))
        .group_by(Queue.name)
        .order_by(func.count(Case.id).desc(), Queue.name)
    )
    return [(name, n) for name, n in db.session.execute(stmt)]


def _hours(viewer, f, done_column, holidays):
    stmt = (
        select(Case.received_at, done_column, func.coalesce(CaseClock.paused_minutes, 0))
        .outerjoin(CaseClock, CaseClock.case_id == Case.id)
        .where(*_scope(viewer, f), _in_range(Case.received_at, f), done_column.isnot(None))
    )
    return [
        max(0.0, business_minutes_between(received, done, holidays) - paused) / 60
        for received, done, paused in db.session.execute(stmt)
    ]


def _percentiles(values):
    if not values:
        return {"count": 0, "median": None, "p90": None}
    p90 = statistics.quantiles(values, n=10, method="inclusive")[-1] if len(values) > 1 else values[0]
    return {"count": len(values), "median": round(statistics.median(values), 1), "p90": round(p90, 1)}


def response_times(viewer, f):
    """Median and 90th percentile first-response and resolution times, in business hours."""
    holidays = holiday_dates()
    return {
        "first_response": _percentiles(_hours(viewer, f, Case.first_response_at, holidays)),
        "resolution": _percentiles(_hours(viewer, f, Case.resolved_at, holidays)),
    }


def _compliance_columns(now):
    fr_measured = or_(Case.first_response_at.isnot(None), Case.first_response_due_at < now)
    fr_met = and_(Case.first_response_at.isnot(None), Case.first_response_at <= Case.first_response_due_at)
    res_measured = or_(Case.resolved_at.isnot(None), Case.resolution_due_at < now)
    res_met = and_(Case.resolved_at.isnot(None), Case.resolved_at <= Case.resolution_due_at)
    as_int = lambda cond: func.sum(sql_case((cond, 1), else_=0))  # noqa: E731
    return as_int(fr_measured), as_int(fr_met), as_int(res_measured), as_int(res_met)


def _rate(met, measured):
    return round(100.0 * met / measured, 1) if measured else None


def compliance(viewer, f, now=None):
    """Service-level compliance overall and per queue, for cases received in the range."""
    now = now or utcnow()
    columns = _compliance_columns(now)
    base = select(*columns).where(*_scope(viewer, f), _in_range(Case.received_at, f))
    fr_n, fr_met, res_n, res_met = (int(v or 0) for v in db.session.execute(base).one())
    per_queue = (
        select(Queue.name, func.count(Case.id), *columns)
        .join(Queue, Queue.id == Case.queue_id)
        .where(*_scope(viewer, f), _in_range(Case.received_at, f))
        .group_by(Queue.name)
        .order_by(Queue.name)
    )
    queues = [
        {"queue": name, "received": n, "first_response": _rate(int(b or 0), int(a or 0)),
         "resolution": _rate(int(d or 0), int(c or 0))}
        for name, n, a, b, c, d in db.session.execute(per_queue)
    ]
    return {
        "first_response": {"measured": fr_n, "met": fr_met, "rate": _rate(fr_met, fr_n)},
        "resolution": {"measured": res_n, "met": res_met, "rate": _rate(res_met, res_n)},
        "queues": queues,
    }


def build_report(viewer, f):
    return {
        "weeks": weekly_counts(viewer, f),
        "backlog": backlog_by_queue(viewer, f),
        "times": response_times(viewer, f),
        "compliance": compliance(viewer, f),
    }


# ---------------------------------------------------------------- charts and CSV

CHART_STYLE = {
    "background": "white",
    "plot_background": "white",
    "colors": ("#1d4ed8", "#15803d", "#b45309"),
    "font_family": "system-ui, sans-serif",
}


def _chart(kind, title):
    """A pygal chart of class `kind` ("Bar", "HorizontalBar") in the site's style.

    pygal (70+ modules) is imported here, by the reports page, not by every worker at start-up.
    """
    import pygal
    from pygal.style import Style

    return getattr(pygal, kind)(
        style=Style(**CHART_STYLE), title=title, js=[], disable_xml_declaration=False, show_legend=True,
        width=800, height=360, x_label_rotation=30, print_values=False, legend_at_bottom=True,
    )


_SCRIPT = re.compile(r"<script\b.*?</script>", re.S)


def _render(chart):
    """The chart's SVG without pygal's config script (shown as an image: static, no JS)."""
    return _SCRIPT.sub("", chart.render(is_unicode=True))


def weekly_chart_svg(weeks):
    chart = _chart("Bar", "Cases opened and closed per week")
    chart.x_labels = [w for w, _, _ in weeks]
    chart.add("Opened", [o for _, o, _ in weeks])
    chart.add("Closed", [c for _, _, c in weeks])
    return _render(chart)


def backlog_chart_svg(backlog):
    chart = _chart("HorizontalBar", "Open cases by queue")
    for name, n in backlog:
        chart.add(name, n)
    return _render(chart)


def report_csv(report, f):
    """The report's numbers as one CSV with a section column."""
    buffer = io.StringIO()
    w = csv.writer(buffer)
    w.writerow(["section", "key", "value 1", "value 2", "value 3"])
    w.writerow(["range", f.start.isoformat(), f.end.isoformat(), "", ""])
    for week, opened, closed in report["weeks"]:
        w.writerow(["week", week, opened, closed, ""])
    for name, n in report["backlog"]:
        w.writerow(["backlog", _safe(name), n, "", ""])
    for key, t in report["times"].items():
        w.writerow([f"{key}_business_hours", "count/median/p90", t["count"], t["median"], t["p90"]])
    c = report["compliance"]
    for key in ("first_response", "resolution"):
        w.writerow([f"{key}_compliance", "measured/met/rate%", c[key]["measured"], c[key]["met"], c[key]["rate"]])
    for q in c["queues"]:
        w.writerow(["queue_compliance", _safe(q["queue"]), q["received"], q["first_response"], q["resolution"]])
    return buffer.getvalue()


def _safe(text):
    text = str(text)
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text

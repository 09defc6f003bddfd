"""The report's sections: one SQL aggregate each (constant statements), a chart, a table, a tidy CSV.

Each builder returns a Section whose `csv_header` / `csv_rows` are tidy (one
observation per row, one variable per column) and whose `header` / `rows` are
what the page shows under the chart. Links are drill-downs into the staff case
list with the same filters.
"""

from dataclasses import dataclass, field
from datetime import timedelta
from itertools import chain

from flask import url_for
from sqlalchemy import func, select

from askiso.auth.models import User
from askiso.cams.models import Participant
from askiso.cases.models import PRIORITIES, STATUS_LABELS, Case, Queue, RequestType
from askiso.extensions import db
from askiso.staff import report_charts as charts
from askiso.staff import reports as r
from askiso.staff.models import CaseClock
from askiso.staff.report_times import BusinessCalendar, percentiles
from askiso.staff.sla import holiday_dates

TOP_GROUPS = 6
OTHER = "Other"


@dataclass
class Section:
    key: str
    title: str
    chart: str = ""
    header: list = field(default_factory=list)
    rows: list = field(default_factory=list)  # each a list of cells: text, or (text, link)
    csv_header: list = field(default_factory=list)
    csv_rows: list = field(default_factory=list)
    note: str = ""
    extra: dict = field(default_factory=dict)


# ---------------------------------------------------------------- volume


def _volume_statement(viewer, f, cuts):
    group = {"request_type": Case.request_type_id, "queue": Case.queue_id, "participant": Case.participant_id}[f.by]
    inner = (
        select(r.bucket_of(Case.received_at, cuts).label("bucket"), group.label("g"))
        .where(*r.scope(viewer, f), r.received_in(f))
        .subquery()
    )
    counts = select(inner.c.bucket, inner.c.g, func.count().label("n")).group_by(inner.c.bucket, inner.c.g).subquery()
    table, key = {
        "request_type": (RequestType, RequestType.key),
        "queue": (Queue, Queue.id),
        "participant": (Participant, Participant.code),
    }[f.by]
    return (
        select(counts.c.bucket, counts.c.g, key, table.name, counts.c.n)
        .outerjoin(table, table.id == counts.c.g)
        .order_by(counts.c.bucket)
    )


def _group_filter(by, key):
    if by == "participant":
        return {"participant": key} if key else {"non_participant": "1"}
    return {by: str(key)}


def volume(viewer, f):
    """Cases received per day/week/month, split by request type, queue or participant."""
    cuts = r.buckets(f)
    totals, names, cells = {}, {}, {}
    for bucket, g, key, name, n in db.session.execute(_volume_statement(viewer, f, cuts)):
        names[g] = (key, name or ("No participant (inquiry)" if f.by == "participant" else "?"))
        totals[g] = totals.get(g, 0) + n
        cells[(int(bucket), g)] = n
    top = sorted(totals, key=lambda g: (-totals[g], names[g][1]))[:TOP_GROUPS]
    series = []
    for g in top:
        extra = _group_filter(f.by, names[g][0])
        series.append(
            charts.Series(
                names[g][1],
                [cells.get((i, g), 0) for i in range(len(cuts))],
                [f.case_list_url(b.start, b.end, **extra) for b in cuts],
            )
        )
    rest = [g for g in totals if g not in top]
    if rest:
        series.append(
            charts.Series(
                OTHER,
                [sum(cells.get((i, g), 0) for g in rest) for i in range(len(cuts))],
                [f.case_list_url(b.start, b.end) for b in cuts],
                color=charts.PALETTE[-1],
            )
        )
    label = r.VOLUME_BY[f.by].lower()
    section = Section("volume", f"Cases received by {label}")
    section.chart = charts.column_chart(section.title, [b.label for b in cuts], series)
    section.header = ["Period", "Total", *[s.name for s in series]]
    for i, b in enumerate(cuts):
        total = sum(s.values[i] for s in series)
        section.rows.append(
            [
                _period_label(b),
                (str(total), f.case_list_url(b.start, b.end)) if total else "0",
                *[(str(s.values[i]), s.links[i]) if s.values[i] else "0" for s in series],
            ]
        )
    section.csv_header = ["period_start", "period_end", f.by, "cases_received"]
    section.csv_rows = [[cuts[i].start, cuts[i].end, names[g][1], n] for (i, g), n in sorted(cells.items())]
    section.extra["total"] = sum(totals.values())
    return section


def _period_label(b):
    if b.start == b.end:
        return b.start.strftime("%a %b %d")
    if b.start.day == 1 and (b.end + timedelta(days=1)).day == 1:
        return b.start.strftime("%B %Y")
    return f"{b.start.strftime('%b %d')} – {b.end.strftime('%b %d')}"


# ---------------------------------------------------------------- times and service levels


def durations(viewer, f):
    """Business hours to first response and to resolution, overall (key None) and per assignee
    (key ("a", id)), as arrays; one statement, measured with numpy."""
    import numpy as np  # only the reports need it: not loaded by every worker at start-up

    calendar = BusinessCalendar(f.start, r.today_local() + timedelta(days=1), holiday_dates())
    # Epoch seconds from the database (-1: not yet), so that the rows need no datetime parsing.
    stmt = (
        select(
            r.epoch(Case.received_at),
            func.coalesce(r.epoch(Case.first_response_at), -1.0),
            func.coalesce(r.epoch(Case.resolved_at), -1.0),
            func.coalesce(CaseClock.paused_minutes, 0),
            func.coalesce(Case.assignee_id, -1),
        )
        .outerjoin(CaseClock, CaseClock.case_id == Case.id)
        .where(*r.scope(viewer, f), r.received_in(f))
    )
    rows = db.session.connection().execute(stmt).all()
    data = np.fromiter(chain.from_iterable(rows), dtype=np.float64, count=5 * len(rows)).reshape(-1, 5)
    received, answered, resolved, paused, assignee = data.T
    start = calendar.positions(received)
    first, resolution = {}, {}
    for done, into in ((answered, first), (resolved, resolution)):
        has = done >= 0
        hours = np.maximum(0.0, (calendar.positions(np.where(has, done, received)) - start) / 60 - paused) / 60
        into[None] = hours[has]
        for aid in np.unique(assignee[has]):
            into[("a", None if aid < 0 else int(aid))] = hours[has & (assignee == aid)]
    return first, resolution


def times(f, first, resolution, attainment):
    """Median and 90th percentile business hours, with the share within target."""
    fr, res = percentiles(first[None]), percentiles(resolution[None])
    section = Section("times", "First response and resolution times")
    section.chart = charts.bar_chart(
        section.title,
        ["First response", "Resolution"],
        [
            charts.Series("Median", [fr["median"], res["median"]]),
            charts.Series("90th percentile", [fr["p90"], res["p90"]]),
        ],
        stacked=False,
        unit=" h",
    )
    section.header = [
        "Measure",
        "Cases",
        "Median (business hours)",
        "90th percentile (business hours)",
        "Within target",
    ]
    section.csv_header = [
        "measure",
        "cases",
        "median_business_hours",
        "p90_business_hours",
        "measured",
        "within_target",
        "percent_within_target",
    ]
    for name, key, t in (("First response", "first_response", fr), ("Resolution", "resolution", res)):
        a = attainment["overall"][key]
        section.rows.append(
            [name, (str(t["count"]), f.case_list_url()), _dash(t["median"]), _dash(t["p90"]), _share(a)]
        )
        section.csv_rows.append([key, t["count"], t["median"], t["p90"], a["measured"], a["met"], a["rate"]])
    section.extra.update(first_response=fr, resolution=res)
    section.note = (
        "Business hours: Mon–Fri 08:00–17:00 Eastern minus holidays, without the time spent waiting on the participant."
    )
    return section


def attainment_data(viewer, f):
    """Within-target counts by queue, priority and assignee: one GROUP BY, summed here for the
    overall, per-queue, per-priority and per-agent figures."""
    columns = r.attainment_columns(r.now_utc())
    keys = (Case.queue_id, Case.priority, Case.assignee_id)
    stmt = (
        select(*keys, func.count(Case.id), func.count(Case.resolved_at), *columns)
        .where(*r.scope(viewer, f), r.received_in(f))
        .group_by(*keys)
    )
    totals = {"overall": {}, "queues": {}, "priorities": {}, "agents": {}}
    for queue_id, priority, assignee_id, *counts in db.session.execute(stmt):
        for kind, key in (("overall", None), ("queues", queue_id), ("priorities", priority),
                          ("agents", assignee_id)):
            into = totals[kind].setdefault(key, [0] * len(counts))
            for i, n in enumerate(counts):
                into[i] += int(n or 0)
    queue_names = dict(db.session.execute(select(Queue.id, Queue.name)).all())
    return {
        "overall": _shares(totals["overall"].get(None, [0] * 6)),
        "queues": [(queue_names.get(q, "?"), q, _shares(c)) for q, c in totals["queues"].items()],
        "priorities": {p: _shares(c) for p, c in totals["priorities"].items()},
        "agents": {a: _shares(c) for a, c in totals["agents"].items()},
    }


def _shares(counts):
    received, resolved, fr_n, fr_met, res_n, res_met = counts
    return {
        "received": received,
        "resolved": resolved,
        "first_response": {"measured": fr_n, "met": fr_met, "rate": r.rate(fr_met, fr_n)},
        "resolution": {"measured": res_n, "met": res_met, "rate": r.rate(res_met, res_n)},
    }


def attainment(f, data):
    """Service-level attainment by queue (chart) and by priority (table rows too)."""
    section = Section("attainment", "Service levels met, by queue")
    queues = sorted(data["queues"], key=lambda q: q[0])
    section.chart = charts.bar_chart(
        section.title,
        [q[0] for q in queues],
        [
            charts.Series(
                "First response within target",
                [q[2]["first_response"]["rate"] for q in queues],
                [f.case_list_url(queue=str(q[1])) for q in queues],
            ),
            charts.Series(
                "Resolution within target",
                [q[2]["resolution"]["rate"] for q in queues],
                [f.case_list_url(queue=str(q[1])) for q in queues],
            ),
        ],
        stacked=False,
        unit=" %",
        maximum=100,
    )
    section.header = ["Queue or priority", "Received", "First response within target", "Resolution within target"]
    section.csv_header = ["group", "value", "measure", "measured", "within_target", "percent_within_target"]
    rows = [("queue", name, f.case_list_url(queue=str(qid)), s) for name, qid, s in queues]
    rows += [
        ("priority", p, f.case_list_url(priority=p), data["priorities"][p])
        for p in PRIORITIES
        if p in data["priorities"]
    ]
    for kind, name, link, s in rows:
        label = name if kind == "queue" else f"Priority: {name}"
        section.rows.append([label, (str(s["received"]), link), _share(s["first_response"]), _share(s["resolution"])])
        for measure in ("first_response", "resolution"):
            m = s[measure]
            section.csv_rows.append([kind, name, measure, m["measured"], m["met"], m["rate"]])
    section.note = "A case counts once it was answered (resolved) or its due time passed unanswered (unresolved)."
    return section


# ---------------------------------------------------------------- backlog, agents


AGE_BANDS = (
    ("Under 2 days", 0, 1),
    ("2–6 days", 2, 6),
    ("1–2 weeks", 7, 13),
    ("2–4 weeks", 14, 29),
    ("30 days or more", 30, None),
)
BACKLOG_STATUSES = ("new", "in_progress", "waiting")


def backlog(viewer, f):
    """Open cases now, by age (local days since received) and status."""
    today = r.today_local()
    band = r.sql_case(
        *[
            (Case.received_at >= r.utc_midnight(today - timedelta(days=hi)), i)
            for i, (_, _, hi) in enumerate(AGE_BANDS)
            if hi is not None
        ],
        else_=len(AGE_BANDS) - 1,
    )
    inner = (
        select(band.label("band"), Case.status.label("status"))
        .where(*r.scope(viewer, f), Case.status.in_(BACKLOG_STATUSES))
        .subquery()
    )
    counts = {
        (int(b), s): n
        for b, s, n in db.session.execute(
            select(inner.c.band, inner.c.status, func.count()).group_by(inner.c.band, inner.c.status)
        )
    }

    def link(lo, hi, status):
        return url_for(
            "staff.cases",
            status=status,
            **{
                k: v
                for k, v in {
                    "received_from": (today - timedelta(days=hi)).isoformat() if hi is not None else None,
                    "received_to": (today - timedelta(days=lo)).isoformat(),
                    "queue": f.queue or None,
                    "request_type": f.request_type or None,
                    "participant": f.participant or None,
                }.items()
                if v
            },
        )

    series = [
        charts.Series(
            STATUS_LABELS[s],
            [counts.get((i, s), 0) for i in range(len(AGE_BANDS))],
            [link(lo, hi, s) for _, lo, hi in AGE_BANDS],
        )
        for s in BACKLOG_STATUSES
    ]
    section = Section("backlog", "Open cases by age (now)")
    section.chart = charts.bar_chart(section.title, [b[0] for b in AGE_BANDS], series)
    section.header = ["Age", "Open", *[s.name for s in series]]
    for i, (name, lo, hi) in enumerate(AGE_BANDS):
        total = sum(s.values[i] for s in series)
        section.rows.append(
            [
                name,
                (str(total), link(lo, hi, "open")) if total else "0",
                *[(str(s.values[i]), s.links[i]) if s.values[i] else "0" for s in series],
            ]
        )
    section.csv_header = ["age_band", "min_days", "max_days", "status", "open_cases"]
    section.csv_rows = [
        [name, lo, "" if hi is None else hi, s, counts.get((i, s), 0)]
        for i, (name, lo, hi) in enumerate(AGE_BANDS)
        for s in BACKLOG_STATUSES
    ]
    section.extra["total"] = sum(counts.values())
    section.note = (
        "Not limited to the period: every case open now, with the queue, request type and participant filters."
    )
    return section


def agents(f, data, first, resolution):
    """Per assignee: cases received in the period, resolved, response times, first responses within target."""
    agents = data["agents"]
    ids = [a for a in agents if a is not None]
    names = dict(db.session.execute(select(User.id, User.name).where(User.id.in_(ids))).all()) if ids else {}
    rows = [(a, s["received"], s["resolved"], s["first_response"]) for a, s in agents.items()]
    rows.sort(key=lambda row: (row[0] is None, -row[1], names.get(row[0], "")))
    label = lambda aid: names.get(aid, "?") if aid is not None else "Unassigned"  # noqa: E731
    link = lambda aid: f.case_list_url(assignee=str(aid) if aid is not None else "unassigned")  # noqa: E731
    section = Section("agents", "Cases handled per agent")
    section.chart = charts.bar_chart(
        section.title,
        [label(row[0]) for row in rows],
        [
            charts.Series("Resolved", [row[2] for row in rows], [link(row[0]) for row in rows]),
            charts.Series("Not resolved yet", [row[1] - row[2] for row in rows], [link(row[0]) for row in rows]),
        ],
    )
    section.header = [
        "Agent",
        "Cases",
        "Resolved",
        "First response median / 90th (h)",
        "Resolution median / 90th (h)",
        "First response within target",
    ]
    section.csv_header = [
        "agent",
        "cases",
        "resolved",
        "first_response_median_h",
        "first_response_p90_h",
        "resolution_median_h",
        "resolution_p90_h",
        "first_response_measured",
        "first_response_within_target",
        "percent_within_target",
    ]
    for aid, n, resolved, share in rows:
        fr, res = percentiles(first.get(("a", aid), [])), percentiles(resolution.get(("a", aid), []))
        section.rows.append(
            [
                label(aid),
                (str(n), link(aid)),
                str(resolved),
                f"{_dash(fr['median'])} / {_dash(fr['p90'])}",
                f"{_dash(res['median'])} / {_dash(res['p90'])}",
                _share(share),
            ]
        )
        section.csv_rows.append(
            [
                label(aid),
                n,
                resolved,
                fr["median"],
                fr["p90"],
                res["median"],
                res["p90"],
                share["measured"],
                share["met"],
                share["rate"],
            ]
        )
    return section


def _dash(value):
    return "—" if value is None else f"{value:g}"


def _share(a):
    return "—" if a["rate"] is None else f"{a['rate']:g} % ({a['met']} of {a['measured']})"


# ---------------------------------------------------------------- obligations


def obligations(f):
    """Each obligation due on or after the period's start: its participants by state (one GROUP BY)."""
    from askiso.obligations.models import STATE_LABELS, STATES, Obligation, ObligationParticipant

    stmt = (
        select(Obligation.id, Obligation.name, Obligation.due_at, ObligationParticipant.state, func.count())
        .join(ObligationParticipant, ObligationParticipant.obligation_id == Obligation.id)
        .where(Obligation.due_at >= r.utc_midnight(f.start))
        .group_by(Obligation.id, Obligation.name, Obligation.due_at, ObligationParticipant.state)
        .order_by(Obligation.due_at, Obligation.id)
    )
    if f.participant:
        stmt = stmt.join(Participant, Participant.id == ObligationParticipant.participant_id).where(
            Participant.code == f.participant
        )
    if f.request_type:
        stmt = stmt.join(RequestType, RequestType.id == Obligation.request_type_id).where(
            RequestType.key == f.request_type
        )
    info, counts = {}, {}
    for oid, name, due_at, state, n in db.session.execute(stmt):
        info[oid] = (name, due_at)
        counts[(oid, state)] = n
    order = list(info)
    links = [url_for("obligations.show", obligation_id=oid) for oid in order]
    section = Section("obligations", "Obligations by state")
    section.chart = charts.bar_chart(
        section.title,
        [info[o][0] for o in order],
        [charts.Series(STATE_LABELS[s], [counts.get((o, s), 0) for o in order], links) for s in STATES],
    )
    section.header = ["Obligation", "Due", *[STATE_LABELS[s] for s in STATES]]
    for o, link in zip(order, links, strict=True):
        section.rows.append(
            [(info[o][0], link), info[o][1].strftime("%Y-%m-%d"), *[str(counts.get((o, s), 0)) for s in STATES]]
        )
    section.csv_header = ["obligation", "due_at_utc", "state", "participants"]
    section.csv_rows = [[info[o][0], info[o][1].isoformat(), s, counts.get((o, s), 0)] for o in order for s in STATES]
    section.note = "Obligations due on or after the period's start; the drill-down opens the obligation."
    return section

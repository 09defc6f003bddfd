"""The staff case list: filters, keyset pagination and CSV export.

Pages are cut with a cursor on (sort column, id), never OFFSET and never a
COUNT over everything, so the list stays fast at millions of cases; the
sort columns have (column, id) indexes (askiso/staff/models.py).
"""

import base64
import csv
import io
import json
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from urllib.parse import quote, urlencode

from flask import url_for
from sqlalchemy import or_, select, tuple_
from sqlalchemy.orm import aliased

from askiso.auth.models import User
from askiso.cams.models import Participant
from askiso.cases.models import OPEN_STATUSES, PRIORITIES, STATUS_LABELS, STATUSES, Case, Queue, RequestType
from askiso.core.formatting import format_local
from askiso.core.timeutil import LOCAL_TZ, utcnow
from askiso.extensions import db
from askiso.staff import sla
from askiso.visibility import visible_cases

PAGE_SIZE = 50
# sort key -> (column, ascending, label)
SORTS = {
    "due": (Case.resolution_due_at, True, "Resolution due (soonest first)"),
    "due_desc": (Case.resolution_due_at, False, "Resolution due (latest first)"),
    "first_due": (Case.first_response_due_at, True, "First response due (soonest first)"),
    "received": (Case.received_at, False, "Received (newest first)"),
    "received_asc": (Case.received_at, True, "Received (oldest first)"),
}
# Sortable columns of the list: column -> (sort when first clicked, the other direction).
SORTABLE = {"due": ("due", "due_desc"), "received": ("received", "received_asc")}
STATUS_CHOICES = ("open", "all", *STATUSES)
FILTER_KEYS = ("queue", "status", "priority", "assignee", "participant", "request_type", "non_participant",
               "received_from", "received_to", "q", "sort", "rating")
RATINGS = ("good", "bad")


@dataclass
class Filters:
    queue: str = ""
    status: str = "open"
    priority: str = ""
    assignee: str = ""
    participant: str = ""
    request_type: str = ""
    non_participant: bool = False
    received_from: str = ""
    received_to: str = ""
    q: str = ""
    sort: str = "due"
    errors: dict = None
    # The submitter's satisfaction rating (askiso/satisfaction): the reports drill into it.
    rating: str = ""

    def query_args(self):
        """The filters as query-string arguments (defaults left out)."""
        args = {}
        for key in FILTER_KEYS:
            value = getattr(self, key)
            if key == "non_participant":
                value = "1" if value else ""
            if value and not (key == "status" and value == "open") and not (key == "sort" and value == "due"):
                args[key] = value
        return args


def _local_date(text, errors, name):
    if not text:
        return None
    try:
        return datetime.strptime(text, "%Y-%m-%d").date()
    except ValueError:
        errors[name] = "Use a date like 2026-03-31."
        return None


def parse_filters(args):
    """Filters from request.args; bad values are dropped with a message."""
    get = lambda k: (args.get(k) or "").strip()[:100]  # noqa: E731
    errors = {}
    f = Filters(
        queue=get("queue") if get("queue").isdigit() else "",
        status=get("status") if get("status") in STATUS_CHOICES else "open",
        priority=get("priority") if get("priority") in PRIORITIES else "",
        assignee=get("assignee") if get("assignee") in ("me", "unassigned") or get("assignee").isdigit() else "",
        participant=get("participant").upper(),
        request_type=get("request_type"),
        non_participant=get("non_participant") in ("1", "on", "true"),
        received_from=get("received_from"),
        received_to=get("received_to"),
        q=get("q"),
        sort=get("sort") if get("sort") in SORTS else "due",
        rating=get("rating") if get("rating") in RATINGS else "",
    )
    for name in ("received_from", "received_to"):
        if _local_date(getattr(f, name), errors, name) is None:
            setattr(f, name, "")
    f.errors = errors
    return f


def _utc_start(day):
    return datetime.combine(day, time(0), tzinfo=LOCAL_TZ).astimezone(UTC).replace(tzinfo=None)


def filtered(viewer, f):
    """The visible cases matching the filters (unordered)."""
    stmt = visible_cases(viewer)
    if f.queue:
        stmt = stmt.where(Case.queue_id == int(f.queue))
    if f.status == "open":
        stmt = stmt.where(Case.status.in_(OPEN_STATUSES))
    elif f.status != "all":
        stmt = stmt.where(Case.status == f.status)
    if f.priority:
        stmt = stmt.where(Case.priority == f.priority)
    if f.assignee == "me":
        stmt = stmt.where(Case.assignee_id == viewer.id)
    elif f.assignee == "unassigned":
        stmt = stmt.where(Case.assignee_id.is_(None))
    elif f.assignee:
        stmt = stmt.where(Case.assignee_id == int(f.assignee))
    if f.participant:
        stmt = stmt.where(Case.participant_id == select(Participant.id).where(Participant.code == f.participant)
                          .scalar_subquery())
    if f.non_participant:
        stmt = stmt.where(Case.participant_id.is_(None))
    if f.request_type:
        stmt = stmt.where(Case.request_type_id == select(RequestType.id).where(RequestType.key == f.request_type)
                          .scalar_subquery())
    if f.received_from:
        stmt = stmt.where(Case.received_at >= _utc_start(_local_date(f.received_from, {}, "")))
    if f.received_to:
        stmt = stmt.where(Case.received_at < _utc_start(_local_date(f.received_to, {}, "") + timedelta(days=1)))
    if f.rating:
        from askiso.satisfaction.models import Rating

        stmt = stmt.where(Case.id.in_(select(Rating.case_id).where(Rating.score == f.rating)))
    if f.q:
        like = "%" + f.q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        stmt = stmt.where(or_(Case.subject.ilike(like, escape="\\"), Case.number.ilike(like, escape="\\")))
    return stmt


def ordered(stmt, sort):
    column, ascending, _ = SORTS[sort]
    if ascending:
        return stmt.order_by(column.asc().nulls_last(), Case.id.asc())
    return stmt.order_by(column.desc().nulls_last(), Case.id.desc())


# ---------------------------------------------------------------- cursor


def encode_cursor(sort, case):
    column = SORTS[sort][0]
    value = getattr(case, column.key)
    payload = {"s": sort, "v": value.isoformat() if value else None, "i": case.id}
    return base64.urlsafe_b64encode(json.dumps(payload).encode()).decode().rstrip("=")


def decode_cursor(text, sort):
    """(value, id) from a cursor made for this sort; None when absent or malformed."""
    if not text:
        return None
    try:
        payload = json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
        if payload["s"] != sort:
            return None
        value = datetime.fromisoformat(payload["v"]) if payload["v"] else None
        return value, int(payload["i"])
    except (ValueError, KeyError, TypeError):
        return None


def after_cursor(stmt, sort, cursor):
    """Rows after the cursor in (sort column NULLS LAST, id) order."""
    column, ascending, _ = SORTS[sort]
    value, last_id = cursor
    if value is None:  # already in the trailing NULLs
        return stmt.where(column.is_(None), Case.id > last_id if ascending else Case.id < last_id)
    if ascending:
        return stmt.where(or_(tuple_(column, Case.id) > tuple_(value, last_id), column.is_(None)))
    return stmt.where(or_(tuple_(column, Case.id) < tuple_(value, last_id), column.is_(None)))


def page(viewer, f, cursor_text=None, size=PAGE_SIZE):
    """(rows of ROW_COLUMNS, next cursor or None) for one page of the list (shown_cases makes them
    ready to show)."""
    stmt = filtered(viewer, f)
    cursor = decode_cursor(cursor_text, f.sort)
    if cursor is not None:
        stmt = after_cursor(stmt, f.sort, cursor)
    rows = db.session.execute(with_row_columns(ordered(stmt, f.sort).limit(size + 1))).all()
    next_cursor = encode_cursor(f.sort, rows[size - 1]) if len(rows) > size else None
    return rows[:size], next_cursor


# ---------------------------------------------------------------- rows as the tables show them

_ASSIGNEE = aliased(User)
# What a staff case table shows of each case: plain columns with the names joined in, in one
# statement (ORM objects with their participant, queue and assignee cost twice the CPU).
ROW_COLUMNS = (
    Case.id, Case.number, Case.subject, Case.status, Case.priority, Case.version, Case.received_at,
    Case.first_response_at, Case.first_response_due_at, Case.resolution_due_at,
    Participant.code.label("participant_code"), Queue.name.label("queue_name"),
    _ASSIGNEE.name.label("assignee_name"),
)


def with_row_columns(stmt):
    """`stmt` (cases: filters, order and limit) reading ROW_COLUMNS instead of Case objects."""
    return (
        stmt.with_only_columns(*ROW_COLUMNS, maintain_column_froms=True)
        .outerjoin(Participant, Participant.id == Case.participant_id)
        .outerjoin(Queue, Queue.id == Case.queue_id)
        .outerjoin(_ASSIGNEE, _ASSIGNEE.id == Case.assignee_id)
    )


@dataclass(slots=True)
class ShownCase:
    """One row of a staff case table, every value prepared for the template."""

    id: int
    number: str
    subject: str
    version: int
    status: str
    status_label: str
    priority: str
    url: str
    participant_code: str | None
    participant_url: str | None
    queue_name: str
    assignee_name: str | None
    due: sla.ShownDue
    received_local: str
    sla_state: str = ""  # "breached", "near" (due within sla.NEAR_WINDOW) or ""


def shown_cases(rows):
    """ShownCase for each row of ROW_COLUMNS (links built once, then per row by substitution)."""
    case_url = url_for("staff.case", number="NUMBER")
    participant_url = url_for("staff.participant_cases", code="CODE")
    now = utcnow()
    return [
        ShownCase(
            id=row.id,
            number=row.number,
            subject=row.subject,
            version=row.version,
            status=row.status,
            status_label=STATUS_LABELS.get(row.status, row.status),
            priority=row.priority,
            url=case_url.replace("NUMBER", quote(row.number, safe="")),
            participant_code=row.participant_code,
            participant_url=(
                participant_url.replace("CODE", quote(row.participant_code, safe="")) if row.participant_code else None
            ),
            queue_name=row.queue_name,
            assignee_name=row.assignee_name,
            due=sla.shown_due(row, now),
            received_local=format_local(row.received_at),
            sla_state=sla_state(row, now),
        )
        for row in rows
    ]


def sla_state(row, now):
    """'breached' when the due time that matters has passed, 'near' within sla.NEAR_WINDOW, else ''
    (and '' whenever the clock is paused or stopped)."""
    if row.status not in ("new", "in_progress"):
        return ""
    due = sla.next_due(row)
    if due is None:
        return ""
    if due < now:
        return "breached"
    return "near" if due <= now + sla.NEAR_WINDOW else ""


def sort_links(f):
    """{column: (url of the list sorted by it, aria-sort value of the header)} for the sortable headers."""
    base = f.query_args()
    links = {}
    for column, (first, other) in SORTABLE.items():
        target = other if f.sort == first else first
        args = {**base, "sort": target}
        if target == "due":
            args.pop("sort")
        state = "none"
        if f.sort in (first, other):
            state = "ascending" if SORTS[f.sort][1] else "descending"
        links[column] = (url_for("staff.cases") + ("?" + urlencode(args) if args else ""), state)
    return links


# ---------------------------------------------------------------- CSV

CSV_HEADER = ["Number", "Subject", "Participant", "Request type", "Queue", "Status", "Priority", "Assignee",
              "Received", "First response due", "First response", "Resolution due", "Resolved", "Closed"]


def _cell(value):
    """Text a spreadsheet will not run as a formula."""
    if isinstance(value, datetime):
        return format_local(value, "%Y-%m-%d %H:%M")
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def csv_rows(viewer, f):
    """The CSV of the current view, row by row (case fields only: no message text)."""
    assignee = aliased(User)
    stmt = ordered(filtered(viewer, f), f.sort).with_only_columns(
        Case.number, Case.subject, Participant.code, RequestType.name, Queue.name, Case.status, Case.priority,
        assignee.name, Case.received_at, Case.first_response_due_at, Case.first_response_at,
        Case.resolution_due_at, Case.resolved_at, Case.closed_at, maintain_column_froms=True,
    )
    stmt = (
        stmt.outerjoin(Participant, Participant.id == Case.participant_id)
        .join(RequestType, RequestType.id == Case.request_type_id)
        .join(Queue, Queue.id == Case.queue_id)
        .outerjoin(assignee, assignee.id == Case.assignee_id)
    )
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_HEADER)
    yield _drain(buffer)
    for row in db.session.execute(stmt.execution_options(yield_per=500)):
        writer.writerow([_cell(v) for v in row])
        if buffer.tell() > 16384:
            yield _drain(buffer)
    yield _drain(buffer)


def _drain(buffer):
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return text

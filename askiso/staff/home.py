"""The staff home: my open cases, unassigned cases of my queues, cases at risk, with counts.

Fast at millions of cases because every list and count is cut into branches
that are each one range of an index, already in the order shown:

    (assignee_id, status, resolution_due_at)            my open cases by due time
    (queue_id, status, assignee_id, first_response_due_at)  unassigned of a queue
    (queue_id, status, resolution_due_at)                at risk: resolution due
    (queue_id, status, first_response_at, resolution_due_at, first_response_due_at)
                                                         at risk: no first response yet

Each branch reads at most `limit` rows; the branches (which never overlap) are
joined with UNION ALL and the few rows they give are sorted again. So one list costs one statement
whatever the number of cases, and the counts of all sections (and of the saved
views, askiso/staff/tabs.py) are one statement of capped counts: past
COUNT_CAP a count reads "1,000+" (a person's home does not need the exact size
of a backlog of thousands; the case list pages through all of them).
"""

import functools
from dataclasses import dataclass

from sqlalchemy import bindparam, func, literal, select, union_all

from askiso.cases.models import OPEN_STATUSES, Case, Queue
from askiso.core import reference
from askiso.extensions import db
from askiso.staff import caselist, sla
from askiso.visibility import kept_case_clause

HOME_LIMIT = 10
COUNT_CAP = 1000
AT_RISK_STATUSES = ("new", "in_progress")  # sla.at_risk_clause: the clock runs in these
VIEWER = bindparam("viewer_id")
HORIZON = bindparam("horizon")
# The everyday case-list tabs (askiso/staff/tabs.py), counted with the sections.
EVERYDAY_TABS = ("open", "mine", "unassigned")


def count_text(n):
    """'1,000+' past the cap, else the number with thousands separators."""
    return f"{COUNT_CAP:,}+" if n > COUNT_CAP else f"{n:,}"


@dataclass
class Section:
    key: str
    title: str
    link_args: dict
    count: int = 0
    cases: list = None
    link: str = ""

    @property
    def count_text(self):
        return count_text(self.count)


SECTIONS = (
    ("mine", "My open cases", {"assignee": "me"}),
    ("unassigned", "Unassigned in my queues", {"assignee": "unassigned"}),
    ("at_risk", "Breaching or near their service level", {}),
)


def _queue(i):
    return bindparam(f"home_queue_{i}")


def _branches(visible, n_queues, n_risk):
    """{section: (base, [conditions of each branch], order column)} with the viewer, queues and
    horizon as parameters."""
    mine = [[Case.assignee_id == VIEWER, Case.status == s] for s in OPEN_STATUSES]
    unassigned = [[Case.assignee_id.is_(None), Case.queue_id == _queue(i), Case.status == s]
                  for i in range(n_queues) for s in OPEN_STATUSES]
    due_soon = [[Case.queue_id == _queue(i), Case.status == s, Case.resolution_due_at <= HORIZON]
                for i in range(n_risk) for s in AT_RISK_STATUSES]
    # Not yet answered and first response due soon, resolution not (those are in due_soon): the
    # branches never overlap, so their rows are counted without removing duplicates.
    unanswered = [[Case.queue_id == _queue(i), Case.status == s, Case.first_response_at.is_(None),
                   Case.resolution_due_at > HORIZON, Case.first_response_due_at <= HORIZON]
                  for i in range(n_risk) for s in AT_RISK_STATUSES]
    return {
        "mine": (mine, Case.resolution_due_at),
        "unassigned": (unassigned, Case.first_response_due_at),
        "at_risk": (due_soon + unanswered, Case.resolution_due_at),
    }


def _ids(visible, branches, order, limit):
    """The ids of the branches, each one index range read in `order` (None for a count: any order, so
    the planner may read whichever index answers alone), at most `limit` each."""
    parts = []
    for conditions in branches:
        inner = visible.where(*conditions).with_only_columns(Case.id)
        if order is not None:
            inner = inner.order_by(order.asc().nulls_last(), Case.id)
        inner = inner.limit(limit).subquery()
        parts.append(select(inner.c.id))
    return parts[0] if len(parts) == 1 else union_all(*parts)


def _capped(stmt):
    """count(*) of at most COUNT_CAP + 1 rows of `stmt` (the reading stops there)."""
    ids = stmt.subquery()
    return select(func.count()).select_from(select(ids.c.id).limit(COUNT_CAP + 1).subquery()).scalar_subquery()


def _everyday(visible):
    open_cases = visible.where(Case.status.in_(OPEN_STATUSES))
    return [
        open_cases,
        open_cases.where(Case.assignee_id == VIEWER),
        open_cases.where(Case.assignee_id.is_(None)),
    ]


@functools.lru_cache(maxsize=64)
def _statements(visibility_key, visible_clause, n_queues, n_risk):
    """The home's statements for one shape (kind of viewer, number of queues), built once: building a
    UNION of a few dozen branches costs more than running it."""
    visible = select(Case).where(visible_clause)
    counts, lists = [], {}
    for key, (branches, order) in _branches(visible, n_queues, n_risk).items():
        if not branches:
            counts.append(literal(0))
            lists[key] = None
            continue
        counts.append(_capped(_ids(visible, branches, None, COUNT_CAP + 1)))
        ids = _ids(visible, branches, order, HOME_LIMIT)
        ordered = (select(Case).where(Case.id.in_(ids))
                   .order_by(order.asc().nulls_last(), Case.id).limit(HOME_LIMIT))
        lists[key] = caselist.with_row_columns(ordered)
    for stmt in _everyday(visible):
        counts.append(_capped(stmt.with_only_columns(Case.id)))
    return select(*counts), lists


def _all_queue_ids():
    return reference.cached("all_queue_ids", lambda: tuple(db.session.scalars(select(Queue.id).order_by(Queue.id))))


def read(user, queue_ids, now):
    """(sections with their counts and first cases, {everyday tab: count}) in four statements."""
    risk_queues = list(queue_ids) or list(_all_queue_ids())
    key, clause, values = kept_case_clause(user)
    counts_stmt, lists = _statements(key, clause, len(queue_ids), len(risk_queues))
    params = {**values, "viewer_id": user.id, "horizon": now + sla.NEAR_WINDOW}
    # The unassigned branches read the person's queues; the at-risk ones the same queues
    # (the person's queues, or for someone in none every queue; both lists name them home_queue_N)
    params.update({f"home_queue_{i}": q for i, q in enumerate(risk_queues)})
    values = db.session.execute(counts_stmt, params).one()
    sections = []
    for (name, title, link_args), count in zip(SECTIONS, values, strict=False):
        section = Section(name, title, link_args, count=int(count))
        stmt = lists[name]
        rows = db.session.execute(stmt, params).all() if stmt is not None else []
        section.cases = caselist.shown_cases(rows)
        sections.append(section)
    everyday = dict(zip(EVERYDAY_TABS, (int(v) for v in values[len(SECTIONS):]), strict=True))
    return sections, everyday


def everyday_counts(user, now):
    """{everyday tab: capped count} for the case list page (one statement)."""
    key, clause, values = kept_case_clause(user)
    counts_stmt, _ = _statements(key, clause, 0, 0)
    row = db.session.execute(counts_stmt, {**values, "viewer_id": user.id, "horizon": now}).one()
    return dict(zip(EVERYDAY_TABS, (int(v) for v in row[len(SECTIONS):]), strict=True))


def capped_counts(stmts):
    """Capped counts of these SELECTs of cases, in one statement (none when there are none)."""
    if not stmts:
        return []
    columns = [_capped(s.with_only_columns(Case.id).order_by(None)) for s in stmts]
    return [int(v) for v in db.session.execute(select(*columns)).one()]

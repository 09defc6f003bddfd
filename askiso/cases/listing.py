"""The participant case lists: filters, counts per status and keyset pagination.

Every query starts from askiso/visibility.py's rule for the viewer, cut
into the list's scope there (kept_own_cases for my cases, kept_managed_clause
for the company list); the person's filters only narrow it further. Pages
are cut with a cursor on the sort key and the id (no OFFSET). The status
counts are one GROUP BY over the filtered visible set, or, for whole
companies, their kept counts (askiso/cases/counts.py).

The statements are kept: built once for each shape of list (which kind of viewer,
scope, filters, sort and cursor are in play) with every value a bound
parameter, and reused with this request's values. A kept statement holds no
value of anyone's: the values travel beside it (`_values`).
"""

import base64
import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import NamedTuple

from sqlalchemy import bindparam, func, or_, select, tuple_, union_all

from askiso import visibility
from askiso.auth.models import User
from askiso.cams.memberships import active_memberships
from askiso.cams.models import Participant
from askiso.cases import catalog
from askiso.cases.counts import participant_counts, submitted_statement
from askiso.cases.models import STATUSES, Case, RequestType
from askiso.core.database import generic_plan
from askiso.extensions import db

PAGE_SIZE = 25
# What a list row shows, in one statement: the columns of the table and the
# submitter's name (not the description or field values, which a list never
# shows). The company's code and name come from the viewer's memberships (every
# case a list shows is in one of them), the request type's name from the kept
# catalogue: two joins fewer to plan (PostgreSQL plans a list's statement for
# its values each time: 0.72 -> 0.37 ms).
ROW_COLUMNS = (
    Case.id, Case.number, Case.subject, Case.status, Case.participant_id, Case.submitter_id,
    Case.request_type_id, Case.created_at, Case.updated_at, User.name.label("submitter_name"),
)
ROW_FROM = Case.__table__.outerjoin(User, User.id == Case.submitter_id)


class ListRow(NamedTuple):
    """A row of a list as the page shows it."""

    id: int
    number: str
    subject: str
    status: str
    participant_id: int | None
    submitter_id: int | None
    request_type_id: int
    created_at: datetime
    updated_at: datetime
    submitter_name: str | None
    participant_code: str | None
    participant_name: str | None
    request_type_name: str | None


SORTS = {
    "updated": Case.updated_at,
    "created": Case.created_at,
    "number": Case.number,
}
LIKE_ESCAPE = "/"
_KEPT = {}  # shape -> statement; shapes are few (scope x kind of viewer x filters x sort x cursor)


@dataclass
class CaseFilters:
    status: str = ""
    participant_id: int | None = None
    request_type_key: str = ""
    q: str = ""
    sort: str = "updated"

    @classmethod
    def from_args(cls, args):
        participant = args.get("participant", "")
        status = args.get("status", "")
        sort = args.get("sort", "updated")
        return cls(
            status=status if status in STATUSES else "",
            participant_id=int(participant) if participant.isdigit() else None,
            request_type_key=args.get("request_type", "")[:60],
            q=args.get("q", "").strip()[:200],
            sort=sort if sort in SORTS else "updated",
        )


@dataclass
class CasePage:
    rows: list
    counts: dict
    total: int
    next_cursor: str | None
    is_first: bool
    extra: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Scope:
    """Which cases a list shows, within what the viewer may see.

    `kind` is "my" (submitted or followed as a contact) or "company" (every
    case of the participants the viewer manages as External Manager); `key`,
    `groups` and `values` come from askiso/visibility.py: disjoint groups, each
    (clause to read it by, clauses to count it by), already within the
    viewer's rule, with bound parameters, and this viewer's values for them.
    Each group is read in index order on its own and the groups merged (one OR
    over all would make the database collect and sort every case of the
    person for each page); each counting clause is counted on its own.
    """

    kind: str
    key: str
    groups: tuple
    values: dict

    @property
    def walks(self):
        return tuple(walk for walk, _counted in self.groups)

    @property
    def counted(self):
        return tuple(clause for _walk, counted in self.groups for clause in counted)


def my_scope(viewer):
    """Cases the person submitted or follows as a contact (their own inquiries included)."""
    key, groups, values = visibility.kept_own_cases(viewer)
    return Scope("my", key, tuple(groups), values)


def company_scope(viewer):
    """Every case of the participants where the person is an active External Manager."""
    key, clause, values = visibility.kept_managed_clause(viewer)
    return Scope("company", key, ((clause, (clause,)),), values)


def _shape(scope, filters, with_status, with_cursor):
    return (
        scope.kind, scope.key, filters.participant_id is not None, bool(filters.request_type_key),
        bool(filters.q), with_status, filters.sort, with_cursor,
    )


def _conditions(scope, shape, branch):
    """The branch (within the viewer's rule) and the filters of a shape, every value a bound parameter."""
    _kind, _key, participant, request_type, q, with_status, sort, with_cursor = shape
    conditions = [branch]
    if participant:
        conditions.append(Case.participant_id == bindparam("f_participant"))
    if request_type:
        type_id = select(RequestType.id).where(RequestType.key == bindparam("f_request_type")).scalar_subquery()
        conditions.append(Case.request_type_id == type_id)
    if q:
        pattern = bindparam("f_q")
        conditions.append(
            or_(
                func.lower(Case.subject).like(pattern, escape=LIKE_ESCAPE),
                func.lower(Case.number).like(pattern, escape=LIKE_ESCAPE),
            )
        )
    if with_status:
        conditions.append(Case.status == bindparam("f_status"))
    if with_cursor:
        key = SORTS[sort]
        position = tuple_(bindparam("c_key", type_=key.type), bindparam("c_id", type_=Case.id.type))
        conditions.append(tuple_(key, Case.id) < position)
    return conditions


def _kept(shape, build):
    stmt = _KEPT.get(shape)
    if stmt is None:
        # Built on the clauses of visibility.kept_own_cases / kept_managed_clause (my_scope,
        # company_scope): scoped by the rule already, the guard need not add it again.
        stmt = visibility.scoped(build())
        kind, _key, participant, request_type, q, with_status, _sort, _cursor = shape[-8:]
        if kind.startswith("my") and not (participant or request_type or q or with_status):
            # Unfiltered, "my cases" is a walk of the submitter's index (and of their few followed
            # cases) for any person, so PostgreSQL may plan it once (askiso/core/database.py).
            # Measured at 1,000,000 cases with a plan made without the values: the rows of the
            # three heaviest submitters (up to 4,978 cases) and of three with under five, 0.12-0.24
            # ms, the same plan as with the values; planning it each time was 0.4-0.7 ms. Not the
            # company list: for a manager of several companies the best plan depends on their size.
            # A filter's selectivity varies by value, so a filtered list is planned each time.
            stmt = generic_plan(stmt)
        _KEPT[shape] = stmt
    return stmt


def _counts_statement(scope, shape):
    branches = scope.counted
    if len(branches) == 1:
        # count(*), not count(id): lets the database answer from an index alone.
        return (
            select(Case.status, func.count())
            .where(*_conditions(scope, shape, branches[0]))
            .group_by(Case.status)
        )
    parts = [select(Case.status).where(*_conditions(scope, shape, branch)) for branch in branches]
    rows = union_all(*parts).subquery()
    return select(rows.c.status, func.count()).group_by(rows.c.status)


def _rows_statement(scope, shape, page_size):
    key = SORTS[shape[6]]
    branches = scope.walks
    if len(branches) == 1:
        stmt = select(*ROW_COLUMNS).select_from(ROW_FROM).where(*_conditions(scope, shape, branches[0]))
    else:
        # Each branch walks its own index in order and gives at most
        # (page_size + 1) ids; the page is the best of those, loaded once.
        ids = [
            select(Case.id.label("id"), key.label("k"))
            .where(*_conditions(scope, shape, branch))
            .order_by(key.desc(), Case.id.desc())
            .limit(page_size + 1)
            .subquery()
            .select()
            for branch in branches
        ]
        merged = union_all(*ids).subquery()
        best = select(merged.c.id).order_by(merged.c.k.desc(), merged.c.id.desc()).limit(page_size + 1)
        stmt = select(*ROW_COLUMNS).select_from(ROW_FROM).where(Case.id.in_(best))
    return stmt.order_by(key.desc(), Case.id.desc()).limit(page_size + 1)


def _values(scope, filters, position):
    values = dict(scope.values)
    if filters.participant_id is not None:
        values["f_participant"] = filters.participant_id
    if filters.request_type_key:
        values["f_request_type"] = filters.request_type_key
    if filters.q:
        text = filters.q.lower()
        for special in (LIKE_ESCAPE, "%", "_"):
            text = text.replace(special, LIKE_ESCAPE + special)
        values["f_q"] = f"%{text}%"
    if filters.status:
        values["f_status"] = filters.status
    if position is not None:
        values["c_key"], values["c_id"] = position
    return values


def status_counts(scope, filters, values=None):
    """{status: count} over the filtered visible set (the status filter aside), in one statement.

    With several disjoint scope branches the counts are summed over a UNION ALL
    of the branches, so each branch is counted from its own index.
    """
    whole = not filters.request_type_key and not filters.q
    if scope.kind == "company" and whole:
        # Every case of whole participants: their kept counts (askiso/cases/counts.py), not a count of
        # each case. The managed ids come from the visibility rule; a participant filter only narrows them.
        ids = scope.values["managed_ids"]
        if filters.participant_id is not None:
            ids = [i for i in ids if i == filters.participant_id]
        return participant_counts(ids)
    if scope.kind == "my" and scope.key == "participant" and whole:
        # What they submitted (visibility.kept_own_cases: the first group) from the kept counts, in their
        # participants and, without a participant filter, their own inquiries; what they follow, counted.
        members = scope.values["member_ids"]
        if filters.participant_id is not None:
            members = [i for i in members if i == filters.participant_id]
        # One statement: the kept counts of what they submitted, then a count of what they follow.
        followed = Scope("my-followed", scope.key, scope.groups[1:], scope.values)
        shape = _shape(followed, filters, False, False)
        stmt = _kept(
            ("my-counts", *shape), lambda: union_all(submitted_statement(), _counts_statement(followed, shape))
        )
        values = {
            **(values or _values(scope, filters, None)),
            "submitter_id": scope.values["viewer_id"],
            "participant_ids": members,
            "with_inquiries": filters.participant_id is None,
        }
        counts = dict.fromkeys(STATUSES, 0)
        for status, n in db.session.execute(stmt, values).all():
            if status in counts:
                counts[status] += int(n)
        return counts
    shape = _shape(scope, filters, False, False)
    stmt = _kept(("counts", *shape), lambda: _counts_statement(scope, shape))
    counts = dict.fromkeys(STATUSES, 0)
    counts.update(db.session.execute(stmt, values or _values(scope, filters, None)).all())
    return counts


def list_cases(viewer, scope, filters, cursor=None, page_size=PAGE_SIZE):
    """One page of the list (plain rows: ROW_COLUMNS), its status counts and the cursor of the next page.

    `scope` is my_scope(viewer) or company_scope(viewer).
    """
    position = decode_cursor(cursor, filters.sort)
    values = _values(scope, filters, position)
    counts = status_counts(scope, filters, values)
    shape = _shape(scope, filters, bool(filters.status), position is not None)
    stmt = _kept(("rows", page_size, *shape), lambda: _rows_statement(scope, shape, page_size))
    rows = _named(viewer, db.session.execute(stmt, values).all())
    next_cursor = encode_cursor(rows[page_size - 1], filters.sort) if len(rows) > page_size else None
    total = counts.get(filters.status, 0) if filters.status else sum(counts.values())
    return CasePage(rows[:page_size], counts, total, next_cursor, position is None)


def _named(viewer, rows):
    """The rows with their company's code and name and their request type's name."""
    companies = {m.participant_id: (m.participant_code, m.participant_name)
                 for m in active_memberships(viewer)}
    missing = {r.participant_id for r in rows if r.participant_id is not None} - companies.keys()
    if missing:  # not expected (a list shows cases of the viewer's companies), but never a wrong name
        found = db.session.execute(select(Participant.id, Participant.code, Participant.name)
                                   .where(Participant.id.in_(missing)))
        companies.update((i, (code, name)) for i, code, name in found)
    type_names = catalog.request_type_names_by_id()
    return [
        ListRow(*row, *companies.get(row.participant_id, (None, None)), type_names.get(row.request_type_id))
        for row in rows
    ]


def encode_cursor(case, sort):
    value = getattr(case, SORTS[sort].key)
    if isinstance(value, datetime):
        value = value.isoformat()
    raw = json.dumps([sort, value, case.id]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor, sort):
    """(sort value, id) from a cursor of the same sort; None for a bad or foreign cursor."""
    if not cursor or len(cursor) > 200:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        kind, value, case_id = json.loads(raw)
        if kind != sort or not isinstance(case_id, int) or not isinstance(value, str):
            return None
        if sort != "number":
            value = datetime.fromisoformat(value)
    except (ValueError, TypeError):
        return None
    return value, case_id

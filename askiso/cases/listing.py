"""The participant case lists: filters, counts per status and keyset pagination.

Every query starts from visibility.visible_cases(viewer); the list's own scope
(my cases, company cases) and the person's filters only narrow it further.
Pages are cut with a cursor on the sort key and the id (no OFFSET), and the
status counts are one GROUP BY over the filtered visible set.
"""

import base64
import json
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import and_, func, or_, select, tuple_, union_all
from sqlalchemy.orm import joinedload, load_only

from askiso import visibility
from askiso.auth.models import User
from askiso.cams.models import Participant
from askiso.cases.models import STATUSES, Case, CaseContact, RequestType
from askiso.extensions import db
from askiso.visibility import visible_cases

PAGE_SIZE = 25
# What a list row shows, in one statement: the columns of the table and the
# names of its company, submitter and request type (not the description or
# field values, which a list never shows).
LIST_LOAD = (
    load_only(
        Case.id, Case.number, Case.subject, Case.status, Case.participant_id, Case.submitter_id,
        Case.request_type_id, Case.created_at, Case.updated_at,
    ),
    joinedload(Case.participant).load_only(Participant.id, Participant.code, Participant.name),
    joinedload(Case.submitter).load_only(User.id, User.name),
    joinedload(Case.request_type).load_only(RequestType.id, RequestType.name),
)
SORTS = {
    "updated": Case.updated_at,
    "created": Case.created_at,
    "number": Case.number,
}


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


def my_scope(viewer):
    """Cases the person submitted or follows as a contact (their own inquiries included).

    Two disjoint branches (submitted; followed but not submitted), each read in
    index order on its own and merged: one OR over both would make the
    database collect and sort every case of the person for each page.
    """
    contact_of = select(CaseContact.case_id).where(CaseContact.user_id == viewer.id)
    submitted = Case.submitter_id == viewer.id
    followed = and_(Case.id.in_(contact_of), or_(Case.submitter_id != viewer.id, Case.submitter_id.is_(None)))
    return (submitted, followed)


def managed_participant_ids(viewer):
    """Participants where the person is an active External Manager (askiso/visibility.py)."""
    return list(visibility.managed_participant_ids(viewer))


def company_scope(participant_ids):
    return Case.participant_id.in_(participant_ids)


def _branches(scope):
    """A scope is one condition or a tuple of disjoint conditions (see my_scope)."""
    return tuple(scope) if isinstance(scope, (tuple, list)) else (scope,)


def _filtered(filters):
    """Conditions of the list's filters, the status filter aside (the counts need the rest)."""
    conditions = []
    if filters.participant_id is not None:
        conditions.append(Case.participant_id == filters.participant_id)
    if filters.request_type_key:
        type_id = select(RequestType.id).where(RequestType.key == filters.request_type_key).scalar_subquery()
        conditions.append(Case.request_type_id == type_id)
    if filters.q:
        text = filters.q.lower()
        conditions.append(
            or_(
                func.lower(Case.subject).contains(text, autoescape=True),
                func.lower(Case.number).contains(text, autoescape=True),
            )
        )
    return conditions


def status_counts(viewer, conditions, base=None, scope=None):
    """{status: count} over the filtered visible set, in one statement.

    With several disjoint scope branches the counts are summed over a UNION ALL
    of the branches, so each branch is counted from its own index.
    """
    base = visible_cases(viewer) if base is None else base
    parts = [base.with_only_columns(Case.status).where(branch, *conditions) for branch in _branches(scope)]
    if len(parts) == 1:
        # count(*), not count(id): lets the database answer from an index alone.
        stmt = base.with_only_columns(Case.status, func.count()).where(*_branches(scope), *conditions)
        stmt = stmt.group_by(Case.status)
    else:
        rows = union_all(*parts).subquery()
        stmt = select(rows.c.status, func.count()).group_by(rows.c.status)
    counts = dict.fromkeys(STATUSES, 0)
    counts.update({status: n for status, n in db.session.execute(stmt)})
    return counts


def list_cases(viewer, scope, filters, cursor=None, page_size=PAGE_SIZE, base=None):
    """One page of the list, its status counts and the cursor of the next page.

    `base` is a statement from askiso/visibility.py (visible_cases by default;
    managed_cases for the company list); `scope` one condition or a tuple of
    disjoint ones (my_scope).
    """
    base = visible_cases(viewer) if base is None else base
    conditions = _filtered(filters)
    counts = status_counts(viewer, conditions, base, scope)
    if filters.status:
        conditions.append(Case.status == filters.status)
    key = SORTS[filters.sort]
    position = decode_cursor(cursor, filters.sort)
    if position is not None:
        conditions.append(tuple_(key, Case.id) < tuple_(*position))
    branches = _branches(scope)
    if len(branches) == 1:
        stmt = base.where(branches[0], *conditions)
    else:
        # Each branch walks its own index in order and gives at most
        # (page_size + 1) ids; the page is the best of those, loaded once.
        ids = [
            base.with_only_columns(Case.id.label("id"), key.label("k"))
            .where(branch, *conditions)
            .order_by(key.desc(), Case.id.desc())
            .limit(page_size + 1)
            .subquery()
            .select()
            for branch in branches
        ]
        merged = union_all(*ids).subquery()
        best = select(merged.c.id).order_by(merged.c.k.desc(), merged.c.id.desc()).limit(page_size + 1)
        stmt = select(Case).where(Case.id.in_(best))
    stmt = stmt.order_by(key.desc(), Case.id.desc()).limit(page_size + 1).options(*LIST_LOAD)
    rows = db.session.scalars(stmt).all()
    next_cursor = encode_cursor(rows[page_size - 1], filters.sort) if len(rows) > page_size else None
    total = counts.get(filters.status, 0) if filters.status else sum(counts.values())
    return CasePage(rows[:page_size], counts, total, next_cursor, position is None)


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

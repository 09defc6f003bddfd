"""Searching cases for a signed-in person: scoped, re-checked, paginated."""

from dataclasses import dataclass, field

from markupsafe import Markup
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from askiso.cases.models import Case
from askiso.extensions import db
from askiso.search.backends import MoreThan, get_backend
from askiso.search.documents import load_documents_bulk
from askiso.search.query import parse_query, plain_snippet, sql_filters
from askiso.search.scope import scope_clause, viewer_scope
from askiso.visibility import can_see_internal, visible_cases

PAGE_SIZE = 20


@dataclass
class SearchResult:
    case: Case
    snippet: Markup | None = None
    # True when the snippet comes from an internal note (staff only).
    snippet_is_internal: bool = False


@dataclass
class SearchPage:
    results: list = field(default_factory=list)
    total: int = 0
    page: int = 1
    per_page: int = PAGE_SIZE

    @property
    def total_is_partial(self):
        """True when the engine stopped counting: more than `total` cases match."""
        return isinstance(self.total, MoreThan)

    @property
    def pages(self):
        return max(1, -(-self.total // self.per_page))

    @property
    def has_prev(self):
        return self.page > 1

    @property
    def has_next(self):
        return self.page < self.pages


def search_cases(viewer, parsed, page=1, per_page=PAGE_SIZE):
    """The viewer's cases matching `parsed` (see search/query.py), best first."""
    page = max(1, int(page or 1))
    offset = (page - 1) * per_page
    if parsed.errors or parsed.is_empty:
        return SearchPage(page=page, per_page=per_page)
    if not parsed.text:
        return _filtered_listing(viewer, parsed, page, per_page)
    backend = get_backend()
    hits, total = backend.search(viewer, parsed, offset, per_page)
    cases = _recheck(viewer, parsed, [hit.case_id for hit in hits])
    staff = can_see_internal(viewer)
    docs = load_documents_bulk(cases, include_internal=staff)  # plain rows: the same documents, a fifth of the work
    shown = [hit for hit in hits if hit.case_id in cases and hit.case_id in docs]
    if hasattr(backend, "snippets"):  # all at once (PostgreSQL: one statement, not one per hit)
        snippets = backend.snippets(shown, docs, staff)
    else:
        snippets = {hit.case_id: backend.snippet(hit, docs[hit.case_id], staff) for hit in shown}
    results = []
    for hit in shown:
        snippet, internal = snippets[hit.case_id]
        results.append(SearchResult(cases[hit.case_id], snippet, internal and staff))
    return SearchPage(results, total, page, per_page)


def search(viewer, q, *, status=None, participant=None, request_type=None, page=1):
    """Parse the typed query and the form's filters, then search."""
    parsed = parse_query(q, status=status, participant=participant, request_type=request_type)
    return parsed, search_cases(viewer, parsed, page)


def _recheck(viewer, parsed, case_ids):
    """Every hit again through visibility.py (and the filters, against fresh rows)."""
    if not case_ids:
        return {}
    stmt = visible_cases(viewer).where(Case.id.in_(case_ids), _scope(viewer), *sql_filters(parsed))
    stmt = stmt.options(selectinload(Case.participant))  # (the page shows the company, not the submitter)
    return {case.id: case for case in db.session.scalars(stmt)}


def _filtered_listing(viewer, parsed, page, per_page):
    """Filters without words: the viewer's matching cases, newest first."""
    stmt = visible_cases(viewer).where(_scope(viewer), *sql_filters(parsed))
    total = db.session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    stmt = stmt.options(selectinload(Case.participant))  # (the page shows the company, not the submitter)
    cases = db.session.scalars(
        stmt.order_by(Case.updated_at.desc(), Case.id.desc()).offset((page - 1) * per_page).limit(per_page)
    ).all()
    results = [SearchResult(case, plain_snippet(case.description)) for case in cases]
    return SearchPage(results, total, page, per_page)


def _scope(viewer):
    """The search scope on top of visibility.py: both must admit a case."""
    return scope_clause(viewer_scope(viewer)[1])

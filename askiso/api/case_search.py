"""`q` on GET /cases: the search feature's engine, re-scoped by visibility.

The search service ranks by relevance; the API pages by activity. So `q`
becomes a set of matching case ids (at most MAX_MATCHES, best first), which
then only narrows the person's visible cases.
"""

from sqlalchemy import false, or_, select

from askiso.api.errors import ApiError, refused
from askiso.cases.models import Case

MAX_MATCHES = 1000


def matching_case_ids(viewer, q):
    """Ids (or a SELECT of ids) of cases that match `q`; the caller scopes them by visibility."""
    try:
        from askiso.search.backends import SearchUnavailable
        from askiso.search.query import parse_query
        from askiso.search.services import search_cases
    except ImportError:  # the search feature is not installed: subject and number only
        return _subject_or_number(q)
    parsed = parse_query(q)
    if parsed.errors:
        raise refused({"q": " ".join(parsed.errors)})
    try:
        page = search_cases(viewer, parsed, page=1, per_page=MAX_MATCHES)
    except SearchUnavailable:
        raise ApiError(503, "search_unavailable", "Search is unavailable right now; try again shortly.") from None
    return [result.case.id for result in page.results]


def _subject_or_number(q):
    words = q.strip()[:200]
    if not words:
        return select(Case.id).where(false())
    pattern = "%" + words.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    return select(Case.id).where(or_(Case.subject.ilike(pattern, escape="\\"), Case.number.ilike(pattern, escape="\\")))

"""Answers before asking: articles and the person's own similar resolved cases for a subject."""

from flask import url_for

from askiso.articles.audience import is_staff
from askiso.articles.search import search_articles, words_of

MAX_ARTICLES = 5
MAX_CASES = 5
MIN_LETTERS = 3


def suggest(viewer, subject):
    """{"articles": [...], "cases": [...]} for the subject typed so far; both lists empty for
    fewer than MIN_LETTERS letters. Articles: published ones `viewer` may read. Cases: the
    viewer's resolved or closed cases that search finds (visibility re-checked by the search)."""
    words = words_of(subject)
    if len("".join(words)) < MIN_LETTERS:
        return {"articles": [], "cases": []}
    articles = search_articles(viewer, subject, limit=MAX_ARTICLES, published_only=True)
    return {
        "articles": [
            {"slug": a.slug, "title": a.title, "summary": a.summary, "url": url_for("articles.show", slug=a.slug)}
            for a in articles
        ],
        "cases": _similar_cases(viewer, words),
    }


def _similar_cases(viewer, words):
    if viewer is None or not viewer.is_authenticated or is_staff(viewer):
        return []
    from askiso.search.backends import SearchUnavailable
    from askiso.search.query import parse_query
    from askiso.search.services import search_cases

    parsed = parse_query(" OR ".join(words[:10]), status="closed")
    try:
        page = search_cases(viewer, parsed, per_page=MAX_CASES)
    except SearchUnavailable:
        return []
    return [
        {
            "number": r.case.number,
            "subject": r.case.subject,
            "status": r.case.status,
            "url": url_for("cases.view", number=r.case.number),
        }
        for r in page.results[:MAX_CASES]
    ]

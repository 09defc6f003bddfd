"""Searching articles through the same engines as cases, in indexes of their own.

- Whoosh (embedded, askiso/articles/whoosh_index.py): a small index under SEARCH_INDEX_DIR/articles, beside
  (never inside) the case index. Articles are few and change rarely, so the
  index is rebuilt whole, in a fresh folder swapped in by rename, whenever the
  articles' stamp (count, last change, last id: one statement) differs from
  the one it was built for. Every process thus sees the same articles
  without a queue or hooks, and a lost index heals itself.
- PostgreSQL (SEARCH_BACKEND=postgres): full-text search in SQL over the
  articles table (weighted title, summary, body vectors), ranked by ts_rank,
  so several web hosts share it.

Both pre-filter by audience and then keep only what askiso/articles/audience.py
says the viewer may read, against fresh rows: an index can never show an
article outside its audience.
"""

import re

from sqlalchemy import func, literal, literal_column, select
from sqlalchemy.orm import selectinload

from askiso.articles.audience import readable_clause
from askiso.articles.models import Article
from askiso.extensions import db
from askiso.search.backends import backend_name

MAX_QUERY = 200
_WORD = re.compile(r"\w+", re.UNICODE)


def words_of(text):
    """The words of a typed query (punctuation and operators dropped)."""
    return _WORD.findall((text or "")[:MAX_QUERY])


def search_articles(viewer, q, *, limit=20, published_only=False, topic_id=None):
    """The articles `viewer` may read that match `q`, best first (all readable ones, by title,
    when `q` has no words)."""
    words = words_of(q)
    if not words:
        return _listing(viewer, limit, published_only, topic_id)
    if backend_name() == "postgres" and db.engine.dialect.name == "postgresql":
        return _postgres(viewer, words, limit, published_only, topic_id)
    from askiso.articles.whoosh_index import search  # (Whoosh loads on the first search, not at start-up)

    return search(viewer, words, limit, published_only, topic_id)


def _filters(viewer, published_only, topic_id):
    clauses = [readable_clause(viewer)]
    if published_only:
        clauses.append(Article.status == "published")
    if topic_id is not None:
        clauses.append(Article.topic_id == topic_id)
    return clauses


def _listing(viewer, limit, published_only, topic_id):
    stmt = select(Article).where(*_filters(viewer, published_only, topic_id)).options(selectinload(Article.topic))
    return db.session.scalars(stmt.order_by(Article.title).limit(limit)).all()


# ---------------------------------------------------------------- PostgreSQL


def _vector():
    def part(column, weight):
        # (setweight takes a "char": a literal, not a bound VARCHAR parameter)
        return func.setweight(func.to_tsvector("english", func.coalesce(column, "")), literal_column(f"'{weight}'"))

    return part(Article.title, "A").op("||")(part(Article.summary, "B")).op("||")(part(Article.body, "C"))


def _postgres(viewer, words, limit, published_only, topic_id):
    query = None
    for word in words[:20]:
        term = func.plainto_tsquery("english", literal(word))
        query = term if query is None else query.op("||")(term)
    vector = _vector()
    rank = func.ts_rank(vector, query)
    stmt = (
        select(Article)
        .where(vector.op("@@")(query), *_filters(viewer, published_only, topic_id))
        .options(selectinload(Article.topic))
        .order_by(rank.desc(), Article.id)
        .limit(limit)
    )
    return db.session.scalars(stmt).all()

"""Searching articles through the same engines as cases, in indexes of their own.

- Whoosh (embedded): a small index under SEARCH_INDEX_DIR/articles, beside
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

import hashlib
import os
import re
import secrets
import shutil
import threading
from pathlib import Path

from flask import current_app
from sqlalchemy import func, literal, literal_column, select
from sqlalchemy.orm import selectinload
from whoosh import index, qparser
from whoosh.analysis import StemmingAnalyzer
from whoosh.fields import ID, TEXT, Schema
from whoosh.query import And, Or, Term

from askiso.articles.audience import is_staff, only_readable, readable_audiences, readable_clause
from askiso.articles.models import Article
from askiso.articles.rendering import plain_text
from askiso.extensions import db
from askiso.search.backends import backend_name

MAX_QUERY = 200
_WORD = re.compile(r"\w+", re.UNICODE)
SCHEMA = Schema(
    article_id=ID(stored=True, unique=True),
    title=TEXT(analyzer=StemmingAnalyzer(), field_boost=3.0),
    summary=TEXT(analyzer=StemmingAnalyzer(), field_boost=2.0),
    body=TEXT(analyzer=StemmingAnalyzer()),
    status=ID,
    audience=ID,
)
_lock = threading.Lock()
_open = {}


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
    return _whoosh(viewer, words, limit, published_only, topic_id)


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


# ---------------------------------------------------------------- Whoosh


def _root():
    return Path(current_app.config["SEARCH_INDEX_DIR"]) / "articles"


def _stamp():
    count, last_change, last_id = db.session.execute(
        select(func.count(Article.id), func.max(Article.updated_at), func.max(Article.id))
    ).one()
    return hashlib.sha1(f"{count}|{last_change}|{last_id}".encode()).hexdigest()[:16]  # noqa: S324 (a name, not security)


def _documents():
    rows = db.session.execute(
        select(Article.id, Article.title, Article.summary, Article.body, Article.status, Article.audience)
    )
    for article_id, title, summary, body, status, audience in rows:
        yield {
            "article_id": str(article_id),
            "title": title,
            "summary": summary or "",
            "body": plain_text(body),
            "status": status,
            "audience": audience,
        }


def _build(target):
    root = target.parent
    root.mkdir(parents=True, exist_ok=True)
    building = root / f"tmp-{secrets.token_hex(6)}"
    building.mkdir()
    ix = index.create_in(str(building), SCHEMA)
    with ix.writer() as writer:
        for doc in _documents():
            writer.add_document(**doc)
    try:
        os.rename(building, target)
    except OSError:  # another process built the same stamp first: theirs is as good
        shutil.rmtree(building, ignore_errors=True)
    for old in root.iterdir():
        if old.name != target.name and old.name.startswith("idx-"):
            shutil.rmtree(old, ignore_errors=True)


def current_index():
    """The article index for the articles as they are now (built when missing or stale)."""
    target = _root() / f"idx-{_stamp()}"
    key = str(target)
    with _lock:
        if key in _open and target.exists():
            return _open[key]
        if not target.exists():
            _build(target)
        _open.clear()
        _open[key] = index.open_dir(key)
        return _open[key]


def _whoosh(viewer, words, limit, published_only, topic_id):
    ix = current_index()
    parser = qparser.MultifieldParser(["title", "summary", "body"], SCHEMA, group=qparser.OrGroup.factory(0.9))
    parser.remove_plugin_class(qparser.WildcardPlugin)
    parsed = parser.parse(" ".join(words))
    audiences = Or([Term("audience", a) for a in readable_audiences(viewer)])
    published = Term("status", "published")
    scope = And([audiences, published]) if (published_only or not is_staff(viewer)) else audiences
    with ix.searcher() as searcher:
        hits = searcher.search(parsed, filter=scope, limit=limit * 2)
        ids = [int(hit["article_id"]) for hit in hits]
    readable = only_readable(viewer, ids, selectinload(Article.topic))
    ordered = [readable[i] for i in ids if i in readable]
    if published_only:
        ordered = [a for a in ordered if a.is_published]
    if topic_id is not None:
        ordered = [a for a in ordered if a.topic_id == topic_id]
    return ordered[:limit]

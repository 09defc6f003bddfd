"""The embedded article index (Whoosh): see askiso/articles/search.py for how and when it is built."""

import hashlib
import os
import secrets
import shutil
import threading
from pathlib import Path

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload
from whoosh import index, qparser
from whoosh.analysis import StemmingAnalyzer
from whoosh.fields import ID, TEXT, Schema
from whoosh.query import And, Or, Term

from askiso.articles.audience import is_staff, only_readable, readable_audiences
from askiso.articles.models import Article
from askiso.articles.rendering import plain_text
from askiso.extensions import db

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


def search(viewer, words, limit, published_only, topic_id):
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

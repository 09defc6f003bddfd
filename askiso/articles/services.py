"""Writing, publishing and revising articles; recording and counting deflections.

Services flush; the request commits. Permission is checked here too (not only
in the views), so the API or a CLI cannot publish what a view would refuse.
"""

import re
import unicodedata
from datetime import datetime

from sqlalchemy import func, select

from askiso.articles.audience import can_edit, can_publish, can_write
from askiso.articles.models import AUDIENCES, DEFLECTION_SOURCES, Article, ArticleRevision, Deflection
from askiso.audit.services import record
from askiso.core.timeutil import utcnow
from askiso.extensions import db

# Slugs that would collide with a fixed URL (/staff/articles/new).
RESERVED_SLUGS = {"new"}
EDITABLE = ("title", "summary", "body", "topic_id", "audience")


class ArticleRefused(PermissionError):
    """The person may not make this change; the message says why."""


def slugify(title):
    """A URL-safe slug from a title: lowercase ASCII words joined by hyphens."""
    text = unicodedata.normalize("NFKD", title or "").encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:100].strip("-")
    return slug or "article"


def _unique_slug(base):
    taken = set(db.session.scalars(select(Article.slug).where(Article.slug.like(f"{base}%")))) | RESERVED_SLUGS
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    return slug


def _revise(article, author, changed, note=""):
    last = db.session.scalar(select(func.max(ArticleRevision.number)).where(ArticleRevision.article_id == article.id))
    revision = ArticleRevision(
        article_id=article.id,
        number=(last or 0) + 1,
        author_id=author.id if author else None,
        title=article.title,
        summary=article.summary,
        body=article.body,
        topic_id=article.topic_id,
        audience=article.audience,
        status=article.status,
        changed=list(changed),
        note=note[:300],
    )
    db.session.add(revision)
    return revision


def create_article(author, *, title, body, summary="", topic_id=None, audience="everyone"):
    """A new draft by a staff member, with its first revision."""
    if not can_write(author):
        raise ArticleRefused("Only staff write articles.")
    if audience not in AUDIENCES:
        raise ValueError(f"audience must be one of {AUDIENCES}")
    article = Article(
        slug=_unique_slug(slugify(title)),
        title=title.strip(),
        summary=(summary or "").strip(),
        body=body or "",
        topic_id=topic_id,
        audience=audience,
        status="draft",
        created_by_id=author.id,
    )
    db.session.add(article)
    db.session.flush()
    _revise(article, author, ["created"])
    record("article.created", author, article=article.slug)
    return article


def update_article(article, author, note="", **values):
    """Change the given fields; a revision names what changed. Returns the changed field names."""
    if not can_edit(author, article):
        raise ArticleRefused("A published article is changed by a supervisor or an admin.")
    if values.get("audience", article.audience) not in AUDIENCES:
        raise ValueError(f"audience must be one of {AUDIENCES}")
    changed = [name for name in EDITABLE if name in values and values[name] != getattr(article, name)]
    if not changed:
        return []
    for name in changed:
        setattr(article, name, values[name])
    article.updated_at = utcnow()
    db.session.flush()
    _revise(article, author, changed, note)
    record("article.updated", author, article=article.slug, changed=changed)
    return changed


def set_published(article, author, published):
    """Publish or take back to draft (supervisors and admins)."""
    if not can_publish(author):
        raise ArticleRefused("Only a supervisor or an admin publishes or unpublishes articles.")
    status = "published" if published else "draft"
    if article.status == status:
        return False
    article.status = status
    article.updated_at = utcnow()
    if published:
        article.published_at = article.updated_at
    db.session.flush()
    _revise(article, author, ["status"])
    record("article.published" if published else "article.unpublished", author, article=article.slug)
    return True


def revisions_of(article):
    """The article's revisions, newest first, with their authors (one statement)."""
    from sqlalchemy.orm import selectinload

    return db.session.scalars(
        select(ArticleRevision)
        .where(ArticleRevision.article_id == article.id)
        .options(selectinload(ArticleRevision.author))
        .order_by(ArticleRevision.number.desc())
    ).all()


def record_deflection(article, user, source):
    """Someone said `article` answered their question (the caller checked they may read it)."""
    if source not in DEFLECTION_SOURCES:
        source = "article"
    deflection = Deflection(
        article_id=article.id,
        user_id=user.id if user is not None and user.is_authenticated else None,
        source=source,
    )
    db.session.add(deflection)
    db.session.flush()
    return deflection


def count_deflections(start: datetime, end: datetime, *, article_id=None):
    """How many deflections were recorded in [start, end) (naive UTC), optionally of one article."""
    stmt = select(func.count(Deflection.id)).where(Deflection.created_at >= start, Deflection.created_at < end)
    if article_id is not None:
        stmt = stmt.where(Deflection.article_id == article_id)
    return db.session.scalar(stmt) or 0


def deflections_by_article(start: datetime, end: datetime):
    """{article_id: count} of deflections in [start, end) (one statement, for lists and reports)."""
    rows = db.session.execute(
        select(Deflection.article_id, func.count(Deflection.id))
        .where(Deflection.created_at >= start, Deflection.created_at < end)
        .group_by(Deflection.article_id)
    )
    return dict(rows.all())

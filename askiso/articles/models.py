"""Help articles, their revisions (who changed what), their files, and deflections."""

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from askiso.core.timeutil import utcnow
from askiso.extensions import db

AUDIENCES = ("everyone", "participants", "staff")
AUDIENCE_LABELS = {
    "everyone": "Everyone (public)",
    "participants": "Signed-in participants",
    "staff": "Staff only",
}
STATUSES = ("draft", "published")
# Where a "This answered my question" came from.
DEFLECTION_SOURCES = ("new_case", "inquiry", "article")


class Article(db.Model):
    """A help article: Markdown body, topic, audience, draft or published."""

    __tablename__ = "articles"
    __table_args__ = (Index("ix_articles_status_audience", "status", "audience"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    # A sentence or two shown in lists and suggestions.
    summary: Mapped[str] = mapped_column(String(500), default="")
    body: Mapped[str] = mapped_column(Text, default="")
    topic_id: Mapped[int | None] = mapped_column(ForeignKey("topics.id", ondelete="SET NULL"), index=True)
    audience: Mapped[str] = mapped_column(String(20), default="everyone")
    status: Mapped[str] = mapped_column(String(20), default="draft")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    published_at: Mapped[datetime | None] = mapped_column()

    topic = relationship("Topic")
    created_by = relationship("User")

    @property
    def is_published(self):
        return self.status == "published"


class ArticleRevision(db.Model):
    """One saved state of an article: the fields as they were after the change, who made it,
    and which fields it changed."""

    __tablename__ = "article_revisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column()
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(String(500), default="")
    body: Mapped[str] = mapped_column(Text, default="")
    topic_id: Mapped[int | None] = mapped_column()
    audience: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20))
    # Names of the fields this revision changed, e.g. ["title", "body"]; ["created"] for the first.
    changed: Mapped[list] = mapped_column(JSON, default=list)
    note: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    author = relationship("User")


class ArticleFile(db.Model):
    """An image or file attached to an article; readable by whoever may read the article."""

    __tablename__ = "article_files"

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"), index=True)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    filename: Mapped[str] = mapped_column(String(255))
    stored_name: Mapped[str] = mapped_column(String(80), unique=True)
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column()
    content_type: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    @property
    def is_image(self):
        return self.content_type in ("image/png", "image/jpeg")


class Deflection(db.Model):
    """Someone said an article answered their question instead of (or before) filing a case."""

    __tablename__ = "article_deflections"

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"), index=True)
    # None for a visitor of the public inquiry form.
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    source: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)

"""The search queue and the PostgreSQL full-text table.

`search_queue` is written in the same transaction as the change it reports
(see askiso/search/tracking.py), so an update reaches the index only after a
commit and never after a rollback. A row is deleted only after the index has
committed the case it names.
"""

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Text, text
from sqlalchemy.dialects.postgresql import TSVECTOR
from sqlalchemy.orm import Mapped, mapped_column

from askiso.core.timeutil import utcnow
from askiso.extensions import db

# A real tsvector on PostgreSQL; plain text on SQLite, where the table exists
# only so that one schema (and one migration) serves both databases.
TsVector = TSVECTOR().with_variant(Text(), "sqlite")


class SearchQueue(db.Model):
    """One case whose index entry must be refreshed (or removed)."""

    __tablename__ = "search_queue"

    id: Mapped[int] = mapped_column(primary_key=True)
    # No foreign key on purpose: a deleted case still needs its entry removed.
    case_id: Mapped[int] = mapped_column(index=True)
    enqueued_at: Mapped[datetime] = mapped_column(default=utcnow)


class CaseSearch(db.Model):
    """Full-text vectors of one case for the "postgres" search backend."""

    __tablename__ = "case_search"
    __table_args__ = (
        # Participants search `public`; staff search `public || internal`
        # (an expression index: it also gives the planner statistics for it).
        Index("ix_case_search_public", "public", postgresql_using="gin"),
        Index("ix_case_search_all", text("(public || internal)"), postgresql_using="gin"),
        # Staff searches walk the newest cases first (see postgres_backend).
        Index("ix_case_search_updated", "updated_at", "case_id"),
    )

    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True)
    # Everything a participant who may see the case may read.
    public: Mapped[str] = mapped_column(TsVector)
    # Internal notes and their files: searched for staff only.
    internal: Mapped[str] = mapped_column(TsVector)
    # The case's updated_at when it was indexed (the queue refreshes it on
    # every change of the case).
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

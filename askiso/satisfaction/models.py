"""A submitter's rating of a resolved case (one per case; rating again replaces it)."""

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from askiso.core.timeutil import utcnow
from askiso.extensions import db

SCORES = ("good", "bad")
SCORE_LABELS = {"good": "Good", "bad": "Bad"}
SOURCES = ("email", "web")


class Rating(db.Model):
    """How the submitter found the handling of a case: good or bad, with an optional comment."""

    __tablename__ = "case_ratings"
    __table_args__ = (Index("ix_case_ratings_score_case", "score", "case_id"),)

    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    score: Mapped[str] = mapped_column(String(10))
    comment: Mapped[str] = mapped_column(Text, default="")
    # "email" (the signed link) or "web" (the case page, signed in).
    source: Mapped[str] = mapped_column(String(10), default="web")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    user = relationship("User")
    # Read only: `Case.rating` lets the staff case page load the rating in the case's own row
    # (joinedload); ratings are written through askiso/satisfaction/services.py only.
    case = relationship("Case", backref=db.backref("rating", uselist=False, viewonly=True), viewonly=True)

    @property
    def score_label(self):
        return SCORE_LABELS.get(self.score, self.score)

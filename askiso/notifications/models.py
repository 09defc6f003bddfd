"""A notice to one person about one case: read or unread."""

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from askiso.core.timeutil import utcnow
from askiso.extensions import db


class Notification(db.Model):
    """An in-app notice (askiso/notifications/kinds.py names the kinds).

    Shown only while its person may see the case: the list, the count and the
    link to the case ask the visibility rule each time, so a notice of a case
    whose access ended disappears.
    """

    __tablename__ = "notifications"
    __table_args__ = (
        # The bell's unread count on every page: one range of this index.
        Index("ix_notifications_user_unread", "user_id", "read_at"),
        # The list, newest first.
        Index("ix_notifications_user_id", "user_id", "id"),
        Index("ix_notifications_case", "case_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(30))
    # What happened, in a sentence: "Grace Ulrich replied", "New case in Settlements".
    summary: Mapped[str] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column()


__all__ = ["Notification"]

"""Public inquiries: submissions waiting for their address to be confirmed,
the inquirer's contact details, and the private tracking links.

Tokens are never stored: only their SHA-256 (askiso.core.tokens.hash_token).
"""

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from askiso.core.timeutil import utcnow
from askiso.extensions import db


class PendingInquiry(db.Model):
    """A submitted inquiry whose email address is not confirmed yet.

    Every submission from one address within the 24 hours of its confirmation
    link shares that link's token hash: one email, one click, each becomes a case.
    """

    __tablename__ = "pending_inquiries"
    __table_args__ = (Index("ix_pending_inquiries_email_expires", "email", "expires_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254))  # lower-cased
    name: Mapped[str] = mapped_column(String(200))
    organization: Mapped[str] = mapped_column(String(200), default="")
    request_type_key: Mapped[str] = mapped_column(String(60))
    topic_key: Mapped[str | None] = mapped_column(String(40))
    subject: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text)
    field_values: Mapped[dict] = mapped_column(db.JSON, default=dict)
    token_hash: Mapped[str] = mapped_column(String(64), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(index=True)
    confirmed_at: Mapped[datetime | None] = mapped_column()
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id", ondelete="SET NULL"))
    ip_address: Mapped[str | None] = mapped_column(String(64))

    case = relationship("Case")


class InquiryContact(db.Model):
    """Who sent an inquiry (the person may have no account)."""

    __tablename__ = "inquiry_contacts"

    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(254), index=True)  # lower-cased, confirmed
    organization: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # When staff filed the inquiry under a participant (askiso/visibility.py, tracking_view_ends_at).
    participant_linked_at: Mapped[datetime | None] = mapped_column()

    case = relationship("Case", backref=db.backref("inquiry_contact", uselist=False, cascade="all, delete-orphan"))


class TrackingLink(db.Model):
    """A private, revocable link that opens one inquiry without an account."""

    __tablename__ = "tracking_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    email: Mapped[str] = mapped_column(String(254))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column()
    last_used_at: Mapped[datetime | None] = mapped_column()

    case = relationship("Case")

    @property
    def is_active(self):
        return self.revoked_at is None


__all__ = ["InquiryContact", "PendingInquiry", "TrackingLink"]

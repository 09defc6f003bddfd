"""The outbox: emails written in the same transaction as the change they report."""

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from askiso.core.timeutil import utcnow
from askiso.extensions import db

OUTBOX_STATUSES = ("pending", "sending", "sent", "failed", "dropped")
# Who an email about a case is for, so the worker can ask again whether they may still see it
# (askiso/mail/case_mail.py): "account" (recipient_user_id) or "inquirer" (the case's
# InquiryContact, who follows it by tracking link). NULL: mail that is not about a case.
OUTBOX_AUDIENCES = ("account", "inquirer")


class OutboxEmail(db.Model):
    """One email to send; a worker delivers it after the commit."""

    __tablename__ = "outbox_emails"
    __table_args__ = (Index("ix_outbox_emails_status_next", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    kind: Mapped[str] = mapped_column(String(40))
    recipients: Mapped[list] = mapped_column(db.JSON)
    subject: Mapped[str] = mapped_column(String(300))
    body_text: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str | None] = mapped_column(Text)
    headers: Mapped[dict] = mapped_column(db.JSON, default=dict)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id", ondelete="SET NULL"), index=True)
    status: Mapped[str] = mapped_column(String(10), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    locked_until: Mapped[datetime | None] = mapped_column()
    # The claim (host:pid:random) whose lease is in locked_until: only it renews or sends the row.
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    last_error: Mapped[str | None] = mapped_column(Text)
    sent_at: Mapped[datetime | None] = mapped_column()
    # When staff last pressed "retry now": the give-up window restarts there.
    retried_at: Mapped[datetime | None] = mapped_column()
    audience: Mapped[str | None] = mapped_column(String(10))
    recipient_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    # Status "dropped": why the worker did not send it (never retried).
    drop_reason: Mapped[str | None] = mapped_column(Text)


INBOUND_STATUSES = ("received", "processed", "pending", "refused", "review", "ignored")


class InboundEmail(db.Model):
    """Every message that reached Ask ISO by email, kept raw so none is ever lost.

    status: received (stored, not yet handled), processed (became a case or a
    reply), pending (waits for the sender to choose a company), refused (sender
    may not act on that case), review (malformed, huge or unroutable: for staff),
    ignored (automatic mail: bounces, auto-replies, our own mail).
    """

    __tablename__ = "inbound_emails"
    __table_args__ = (
        Index("ix_inbound_emails_status_received", "status", "received_at"),
        Index("ix_inbound_emails_from_refusal", "from_address", "refusal_sent_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    source: Mapped[str] = mapped_column(String(20), default="stdin")
    raw: Mapped[bytes] = mapped_column(db.LargeBinary)
    raw_size: Mapped[int] = mapped_column(default=0)
    is_truncated: Mapped[bool] = mapped_column(default=False)
    message_id: Mapped[str | None] = mapped_column(String(300))
    from_address: Mapped[str | None] = mapped_column(String(254))
    subject: Mapped[str | None] = mapped_column(String(300))
    status: Mapped[str] = mapped_column(String(12), default="received")
    reason: Mapped[str | None] = mapped_column(Text)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id", ondelete="SET NULL"), index=True)
    case_message_id: Mapped[int | None] = mapped_column(ForeignKey("messages.id", ondelete="SET NULL"))
    refusal_sent_at: Mapped[datetime | None] = mapped_column()
    processed_at: Mapped[datetime | None] = mapped_column()

    user = relationship("User")
    case = relationship("Case")

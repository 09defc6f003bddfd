"""Obligations, each obligated participant's state, the reminders sent, participant attributes."""

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from askiso.core.timeutil import utcnow
from askiso.extensions import db

# open -> filed -> accepted, or filed -> returned (open again, with a reason); open or
# returned -> overdue when the due time passes. Outstanding states still need a case.
STATES = ("open", "filed", "accepted", "returned", "overdue")
OUTSTANDING = ("open", "returned", "overdue")
STATE_LABELS = {
    "open": "Open",
    "filed": "Filed",
    "accepted": "Accepted",
    "returned": "Returned",
    "overdue": "Overdue",
}


class Obligation(db.Model):
    """A request to a set of participants: file a case of one request type by `due_at`."""

    __tablename__ = "obligations"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    request_type_id: Mapped[int] = mapped_column(ForeignKey("request_types.id"), index=True)
    # Naive UTC like every DateTime column; shown in the ISO's local time.
    due_at: Mapped[datetime] = mapped_column()
    # Days before due_at at which reminders go out, e.g. [30, 14, 7, 1].
    reminder_days: Mapped[list] = mapped_column(db.JSON, default=list)
    remind_when_overdue: Mapped[bool] = mapped_column(default=True)
    description: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    request_type = relationship("RequestType")
    created_by = relationship("User")
    participants = relationship(
        "ObligationParticipant", back_populates="obligation", cascade="all, delete-orphan", lazy="dynamic"
    )


class ObligationParticipant(db.Model):
    """One obligated participant: its state and the case that satisfies it."""

    __tablename__ = "obligation_participants"
    __table_args__ = (
        UniqueConstraint("obligation_id", "participant_id"),
        Index("ix_obligation_participants_participant_state", "participant_id", "state"),
        Index("ix_obligation_participants_obligation_state", "obligation_id", "state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    obligation_id: Mapped[int] = mapped_column(ForeignKey("obligations.id", ondelete="CASCADE"))
    participant_id: Mapped[int] = mapped_column(ForeignKey("participants.id"))
    state: Mapped[str] = mapped_column(String(10), default="open")
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id", ondelete="SET NULL"), index=True)
    filed_at: Mapped[datetime | None] = mapped_column()
    decided_at: Mapped[datetime | None] = mapped_column()
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    returned_reason: Mapped[str | None] = mapped_column(Text)
    overdue_at: Mapped[datetime | None] = mapped_column()
    last_reminder_at: Mapped[datetime | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    obligation = relationship("Obligation", back_populates="participants")
    participant = relationship("Participant")
    case = relationship("Case")
    decided_by = relationship("User")


class ObligationReminder(db.Model):
    """A reminder sent to one obligated participant at one reminder point ("30d", "overdue", ...).

    The unique pair is what makes each reminder go out once: it is inserted in
    the same transaction as the outbox emails, so a second runner's insert
    fails and that runner sends nothing.
    """

    __tablename__ = "obligation_reminders"
    __table_args__ = (UniqueConstraint("obligation_participant_id", "point"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    obligation_participant_id: Mapped[int] = mapped_column(
        # Named here: the convention's name would pass PostgreSQL's 63 characters.
        ForeignKey("obligation_participants.id", ondelete="CASCADE", name="fk_obligation_reminders_row")
    )
    point: Mapped[str] = mapped_column(String(40))
    recipient_count: Mapped[int] = mapped_column(default=0)
    sent_at: Mapped[datetime] = mapped_column(default=utcnow)


class ParticipantAttribute(db.Model):
    """A label staff give a participant ("FTR over 1,000 MW/month") to obligate all that carry it."""

    __tablename__ = "participant_attributes"

    participant_id: Mapped[int] = mapped_column(ForeignKey("participants.id", ondelete="CASCADE"), primary_key=True)
    name: Mapped[str] = mapped_column(String(80), primary_key=True, index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

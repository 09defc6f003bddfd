"""Staff workspace tables: saved views, canned responses, holidays, service levels."""

from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from askiso.cases.models import Case
from askiso.core.timeutil import utcnow
from askiso.extensions import db


class SavedView(db.Model):
    """A person's named case-list filter (the list page's query string)."""

    __tablename__ = "saved_views"
    __table_args__ = (UniqueConstraint("user_id", "name", name="uq_saved_views_user_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    query_string: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class CannedResponse(db.Model):
    """A reusable reply text; global when queue_id is None."""

    __tablename__ = "canned_responses"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(120))
    body: Mapped[str] = mapped_column(Text)
    queue_id: Mapped[int | None] = mapped_column(ForeignKey("queues.id", ondelete="CASCADE"), index=True)
    is_active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    queue = relationship("Queue")


class Holiday(db.Model):
    """A day without business hours (the service-level clock stands still)."""

    __tablename__ = "holidays"

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(unique=True)
    name: Mapped[str] = mapped_column(String(120))


class ServiceLevelSettings(db.Model):
    """The service-level targets, in business minutes; one row (id 1)."""

    __tablename__ = "service_level_settings"

    id: Mapped[int] = mapped_column(primary_key=True)
    urgent_first_response_minutes: Mapped[int] = mapped_column(default=2 * 60)
    high_first_response_minutes: Mapped[int] = mapped_column(default=4 * 60)
    normal_first_response_minutes: Mapped[int] = mapped_column(default=9 * 60)
    low_first_response_minutes: Mapped[int] = mapped_column(default=3 * 9 * 60)
    resolution_minutes: Mapped[int] = mapped_column(default=10 * 9 * 60)
    autoclose_days: Mapped[int] = mapped_column(default=7)
    reminder_days: Mapped[int] = mapped_column(default=5)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class CaseClock(db.Model):
    """The service-level pause of a case while it waits on the participant.

    `paused_at` is set while the case is Waiting on Participant; on leaving,
    the business time waited is added to `paused_minutes` and both due times
    are recomputed from received_at + target + paused_minutes.
    """

    __tablename__ = "case_clocks"

    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True)
    paused_at: Mapped[datetime | None] = mapped_column()
    paused_minutes: Mapped[int] = mapped_column(default=0)

    # Read only: `Case.clock` lets the staff case page load the clock in the case's own row
    # (joinedload); it is written through askiso/staff/sla.py only.
    case = relationship("Case", backref=db.backref("clock", uselist=False, viewonly=True), viewonly=True)


class CaseReminder(db.Model):
    """An automatic email or action already done, so cron runs never repeat it."""

    __tablename__ = "case_reminders"
    __table_args__ = (
        UniqueConstraint("case_id", "kind", "anchor_at", name="uq_case_reminders_case_kind_anchor"),
        Index("ix_case_reminders_case", "case_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(40))
    # The resolution this reminder belongs to: a case resolved again gets a new one.
    anchor_at: Mapped[datetime] = mapped_column()
    sent_at: Mapped[datetime] = mapped_column(default=utcnow)


__all__ = ["CannedResponse", "CaseClock", "CaseReminder", "Holiday", "SavedView", "ServiceLevelSettings"]


# Keyset pagination of the staff case list orders by these columns and the id;
# the indexes live here because the staff list is what needs them.
Index("ix_cases_resolution_due_id", Case.resolution_due_at, Case.id)
Index("ix_cases_first_response_due_id", Case.first_response_due_at, Case.id)
Index("ix_cases_received_id", Case.received_at, Case.id)
# The staff home reads each list and count as branches of one index range each (askiso/staff/home.py).
# The first also serves every other lookup by assignee (and status): the case list's assignee filter,
# the "Assigned to me" count, the users foreign key.
Index("ix_cases_assignee_status_due", Case.assignee_id, Case.status, Case.resolution_due_at, Case.id)
Index("ix_cases_queue_status_assignee_first_due", Case.queue_id, Case.status, Case.assignee_id,
      Case.first_response_due_at, Case.id)
Index("ix_cases_queue_status_unanswered", Case.queue_id, Case.status, Case.first_response_at,
      Case.resolution_due_at, Case.first_response_due_at, Case.id)

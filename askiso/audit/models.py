"""The append-only audit log: who did what, when, from where."""

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, event
from sqlalchemy.orm import Mapped, mapped_column

from askiso.core.timeutil import utcnow
from askiso.extensions import db


class AuditEvent(db.Model):
    """One recorded action. Rows are only ever inserted."""

    __tablename__ = "audit_events"
    __table_args__ = (
        Index("ix_audit_events_case_created", "case_id", "created_at"),
        Index("ix_audit_events_participant_created", "participant_id", "created_at"),
        Index("ix_audit_events_subject_created", "subject_user_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    action: Mapped[str] = mapped_column(String(60), index=True)
    ip_address: Mapped[str | None] = mapped_column(String(64))
    user_agent: Mapped[str | None] = mapped_column(String(300))
    subject_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    participant_id: Mapped[int | None] = mapped_column(ForeignKey("participants.id", ondelete="SET NULL"))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id", ondelete="SET NULL"))
    # What changed, e.g. {"before": [...], "after": [...]}; never a secret.
    details: Mapped[dict] = mapped_column(db.JSON, default=dict)
    request_id: Mapped[str | None] = mapped_column(String(40))

    actor = db.relationship("User", foreign_keys=[actor_id])
    subject_user = db.relationship("User", foreign_keys=[subject_user_id])
    participant = db.relationship("Participant")


class AuditLogIsAppendOnly(Exception):
    pass


@event.listens_for(AuditEvent, "before_update")
def _refuse_update(mapper, connection, target):
    raise AuditLogIsAppendOnly("audit events cannot be changed")


@event.listens_for(AuditEvent, "before_delete")
def _refuse_delete(mapper, connection, target):
    raise AuditLogIsAppendOnly("audit events cannot be deleted")

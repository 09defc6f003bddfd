"""Market participants and the CAMS association table."""

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from askiso.core.timeutil import utcnow
from askiso.extensions import db

PARTICIPANT_STATUSES = ("active", "suspended", "retired")
MEMBERSHIP_ROLES = ("external_manager", "security_admin")
ROLE_LABELS = {"external_manager": "Ask ISO/External Manager", "security_admin": "Security Administrator"}


class Participant(db.Model):
    """A market participant (company), known by its short code."""

    __tablename__ = "participants"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    status: Mapped[str] = mapped_column(String(20), default="active")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    memberships = relationship("Membership", back_populates="participant", lazy="dynamic")

    @property
    def is_active(self):
        return self.status == "active"

    def __repr__(self):
        return f"<Participant {self.code}>"


class Membership(db.Model):
    """User x participant with CAMS roles. Ended rows are kept as history."""

    __tablename__ = "memberships"
    __table_args__ = (
        Index("ix_memberships_user_active", "user_id", "is_active"),
        Index("ix_memberships_participant_active", "participant_id", "is_active"),
        # At most one active membership per person and participant.
        Index(
            "uq_memberships_active_pair",
            "user_id",
            "participant_id",
            unique=True,
            postgresql_where=db.text("is_active"),
            sqlite_where=db.text("is_active"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    participant_id: Mapped[int] = mapped_column(ForeignKey("participants.id"))
    is_external_manager: Mapped[bool] = mapped_column(default=False)
    is_security_admin: Mapped[bool] = mapped_column(default=False)
    is_active: Mapped[bool] = mapped_column(default=True)
    granted_at: Mapped[datetime] = mapped_column(default=utcnow)
    granted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    ended_at: Mapped[datetime | None] = mapped_column()
    ended_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    user = relationship("User", foreign_keys=[user_id])
    participant = relationship("Participant", back_populates="memberships")
    granted_by = relationship("User", foreign_keys=[granted_by_id])
    ended_by = relationship("User", foreign_keys=[ended_by_id])

    @property
    def roles(self):
        """The CAMS role keys this membership holds."""
        return [r for r in MEMBERSHIP_ROLES if getattr(self, f"is_{r}")]

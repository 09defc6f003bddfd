"""Accounts, server-side sessions, one-time tokens and recovery codes."""

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from askiso.core.timeutil import utcnow
from askiso.extensions import db

STAFF_ROLES = ("agent", "supervisor", "admin")


class User(db.Model):
    """One account per email address, however many participants it acts for."""

    __tablename__ = "users"
    # Staff by name (the assignee filters and selects): 40 rows among 20,000 people, read from
    # a partial index instead of scanning every account.
    __table_args__ = (
        Index(
            "ix_users_staff_name",
            "name",
            postgresql_where=text("staff_role IS NOT NULL"),
            sqlite_where=text("staff_role IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Always stored lower-cased: Jane@X.com and jane@x.com are one account.
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    work_phone: Mapped[str | None] = mapped_column(String(10))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    totp_enabled_at: Mapped[datetime | None] = mapped_column()
    # The last TOTP time-step accepted, so a code cannot be replayed.
    totp_last_step: Mapped[int | None] = mapped_column()
    is_active: Mapped[bool] = mapped_column(default=True)
    staff_role: Mapped[str | None] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column()
    password_changed_at: Mapped[datetime | None] = mapped_column()
    # Optional notifications the person has switched off, by key.
    notification_prefs: Mapped[dict] = mapped_column(db.JSON, default=dict)

    sessions = relationship("UserSession", back_populates="user", lazy="dynamic")

    # Flask-Login protocol, spelled out so that is_active stays a real column.
    @property
    def is_authenticated(self):
        return True

    @property
    def is_anonymous(self):
        return False

    def get_id(self):
        return str(self.id)

    @property
    def is_staff(self):
        return self.staff_role in STAFF_ROLES

    @property
    def is_supervisor(self):
        return self.staff_role in ("supervisor", "admin")

    @property
    def is_admin(self):
        return self.staff_role == "admin"

    @property
    def has_totp(self):
        return self.totp_enabled_at is not None

    @property
    def first_name(self):
        return (self.name or "").split(" ")[0]

    def __repr__(self):
        return f"<User {self.email}>"


class UserSession(db.Model):
    """A revocable server-side sign-in; the cookie holds only its random id."""

    __tablename__ = "user_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column()
    ended_at: Mapped[datetime | None] = mapped_column()
    ended_reason: Mapped[str | None] = mapped_column(String(40))
    ip_address: Mapped[str | None] = mapped_column(String(64))
    user_agent: Mapped[str | None] = mapped_column(String(300))
    # Two-factor enrolment in progress: the secret shown as a QR code until a code confirms it.
    # Kept here, server-side, never in the (signed but readable) cookie.
    pending_totp_secret: Mapped[str | None] = mapped_column(String(64))

    user = relationship("User", back_populates="sessions")

    @property
    def is_open(self):
        return self.ended_at is None


class OneTimeToken(db.Model):
    """Single-use emailed links: password reset, set password, email change."""

    __tablename__ = "one_time_tokens"
    __table_args__ = (Index("ix_one_time_tokens_user_purpose", "user_id", "purpose"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    purpose: Mapped[str] = mapped_column(String(30))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column()
    used_at: Mapped[datetime | None] = mapped_column()
    # e.g. the new address for an email change
    payload: Mapped[str | None] = mapped_column(Text)

    user = relationship("User")


class RecoveryCode(db.Model):
    """One-time two-factor recovery codes, stored hashed."""

    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    used_at: Mapped[datetime | None] = mapped_column()


def user_by_email(email):
    """Case-insensitive lookup of an account by email."""
    if not email:
        return None
    return db.session.scalar(db.select(User).where(User.email == normalize_email(email)))


def normalize_email(email):
    return (email or "").strip().lower()


__all__ = ["User", "UserSession", "OneTimeToken", "RecoveryCode", "user_by_email"]

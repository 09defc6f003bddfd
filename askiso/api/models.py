"""Personal access tokens for the REST API, and remembered idempotency keys."""

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from askiso.core.timeutil import utcnow
from askiso.extensions import db

TOKEN_SCOPES = ("read", "write")


class ApiToken(db.Model):
    """A personal access token: acts with exactly its owner's rights.

    Only the SHA-256 of the token is stored; `prefix` is its harmless start,
    shown so that a person can tell their tokens apart.
    """

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(16))
    scope: Mapped[str] = mapped_column(String(10), default="write")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column()
    last_used_at: Mapped[datetime | None] = mapped_column()
    revoked_at: Mapped[datetime | None] = mapped_column()

    user = relationship("User")

    @property
    def is_expired(self):
        return utcnow() >= self.expires_at

    @property
    def is_usable(self):
        return self.revoked_at is None and not self.is_expired

    @property
    def can_write(self):
        return self.scope == "write"

    def __repr__(self):
        return f"<ApiToken {self.prefix}… of user {self.user_id}>"


class ApiIdempotencyKey(db.Model):
    """What a POST with an Idempotency-Key made, so that a retry returns the same result."""

    __tablename__ = "api_idempotency_keys"
    __table_args__ = (UniqueConstraint("user_id", "key", name="uq_api_idempotency_keys_user_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(200))
    # The request the key was first used for ("POST /api/v1/cases/AI-.../messages").
    request_path: Mapped[str] = mapped_column(String(300))
    response_status: Mapped[int] = mapped_column()
    # What was made, e.g. "message:42".
    resource: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


__all__ = ["ApiIdempotencyKey", "ApiToken", "TOKEN_SCOPES"]

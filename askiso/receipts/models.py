"""The published receipt-signing keys and each case's signed receipt."""

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from askiso.core.timeutil import utcnow
from askiso.extensions import db


class ReceiptKey(db.Model):
    """A public key that signed (or signs) receipts; never deleted, so old receipts stay verifiable.

    Only the public half is here: the private key lives in a file
    (askiso/receipts/keys.py), so a copy of the database cannot sign.
    """

    __tablename__ = "receipt_keys"

    # RFC 7638 thumbprint of the public key.
    kid: Mapped[str] = mapped_column(String(64), primary_key=True)
    public_jwk: Mapped[dict] = mapped_column(db.JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Set by `receipts rotate-key`: no longer used for new receipts, still published.
    retired_at: Mapped[datetime | None] = mapped_column()


class CaseReceipt(db.Model):
    """The receipt issued when the case was stored. Written once, never updated."""

    __tablename__ = "case_receipts"

    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True)
    kid: Mapped[str] = mapped_column(ForeignKey("receipt_keys.kid"))
    jws: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    case = relationship("Case")

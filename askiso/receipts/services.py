"""Issuing a case's receipt when it is stored, and verifying a receipt anyone brings back.

A receipt is a compact JWS (RFC 7515) signed with EdDSA (Ed25519), whose
payload is the RFC 8785 canonical JSON of the claims docs/receipts.md lists.
"""

import base64
import hashlib
import json
from datetime import UTC

import rfc8785
from flask import current_app
from joserfc import jws
from joserfc.errors import JoseError
from joserfc.jwk import OKPKey

from askiso.extensions import db
from askiso.receipts import keys
from askiso.receipts.models import CaseReceipt, ReceiptKey

MAX_RECEIPT_CHARS = 20000


def canonical_content(case):
    """The submitted content that `content_sha256` covers, in RFC 8785 canonical JSON (bytes)."""
    return rfc8785.dumps(
        {"subject": case.subject, "description": case.description, "fields": dict(case.field_values or {})}
    )


def received_at_text(value):
    """The stored (naive UTC) received time as RFC 3339 with a Z, to the microsecond as stored."""
    return value.replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"


def receipt_claims(case, files, submitter_email):
    """What the receipt states about the case as stored."""
    return {
        "iss": current_app.config["EXTERNAL_URL"].rstrip("/"),
        "iat": int(case.received_at.replace(tzinfo=UTC).timestamp()),
        "case": case.number,
        "participant": case.participant.code if case.participant is not None else None,
        "submitter": submitter_email,
        "request_type": case.request_type.key,
        "received_at": received_at_text(case.received_at),
        "source": case.source,
        "content_sha256": hashlib.sha256(canonical_content(case)).hexdigest(),
        "files": [{"name": f.filename, "size": f.size, "sha256": f.sha256} for f in files],
    }


def issue_receipt(case, files=(), submitter_email=None):
    """Sign and store the case's receipt (once; the case has just been flushed with its files)."""
    key = keys.signing_key()
    keys.ensure_published(key)
    if submitter_email is None and case.submitter is not None:
        submitter_email = case.submitter.email
    claims = receipt_claims(case, files, submitter_email)
    header = {"alg": keys.ALGORITHM, "kid": key.kid, "typ": "JWT"}
    token = jws.serialize_compact(header, rfc8785.dumps(claims), key, algorithms=[keys.ALGORITHM])
    row = CaseReceipt(case_id=case.id, kid=key.kid, jws=token, created_at=case.received_at)
    db.session.add(row)
    db.session.flush()
    return row


def receipt_of(case):
    """The case's stored receipt, or None (cases filed before receipts were signed)."""
    return db.session.get(CaseReceipt, case.id)


def decoded_claims(token):
    """The claims of a receipt this app issued (no verification: for showing a stored receipt)."""
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


# ---------------------------------------------------------------- verifying


class Verdict(dict):
    """{"valid", "claims", "reason", "kid"}: what /api/v1/receipts/verify answers."""

    @classmethod
    def invalid(cls, reason, kid=None):
        return cls(valid=False, claims={}, reason=reason, kid=kid)


def _is_canonical_base64url(part):
    """Each part must be exactly the base64url (no padding) of what it decodes to.

    A decoder ignores the unused low bits of the last character, so without
    this check one changed character could still decode to the same signature.
    """
    try:
        raw = base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))
    except ValueError:
        return False
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode() == part


def verify_receipt(token):
    """Check a receipt against the published keys; never raises for bad input."""
    token = (token or "").strip()
    parts = token.split(".")
    if not token or len(token) > MAX_RECEIPT_CHARS or len(parts) != 3 or not all(parts):
        return Verdict.invalid("This is not a receipt: a receipt is three parts separated by dots.")
    if not all(_is_canonical_base64url(p) for p in parts):
        return Verdict.invalid("This receipt was changed: it is not valid base64url.")
    try:
        header = json.loads(base64.urlsafe_b64decode(parts[0] + "=" * (-len(parts[0]) % 4)))
    except ValueError:
        return Verdict.invalid("This receipt was changed: its header cannot be read.")
    if not isinstance(header, dict) or header.get("alg") != keys.ALGORITHM:
        return Verdict.invalid(f"This receipt is not signed with {keys.ALGORITHM}, the algorithm receipts use.")
    kid = header.get("kid")
    row = db.session.get(ReceiptKey, kid) if isinstance(kid, str) and len(kid) <= 64 else None
    if row is None:
        return Verdict.invalid("This receipt was not signed by any of this ISO's published keys.")
    return _check_signature(token, row)


def _check_signature(token, row):
    try:
        obj = jws.deserialize_compact(token, OKPKey.import_key(row.public_jwk), algorithms=[keys.ALGORITHM])
        claims = json.loads(obj.payload)
    except (JoseError, ValueError):
        return Verdict.invalid("The signature does not match: this receipt was changed after it was issued.", row.kid)
    if not isinstance(claims, dict):
        return Verdict.invalid("This receipt's content is not a set of claims.", row.kid)
    retired = " (signed with a key since retired, which was current then)" if row.retired_at else ""
    return Verdict(
        valid=True,
        claims=claims,
        reason=f"Signed by this ISO's receipt key {row.kid}{retired}.",
        kid=row.kid,
    )

"""TOTP two-factor: enrolment, verification without replay, recovery codes."""

import secrets

import pyotp
from sqlalchemy import select

from askiso.auth.models import RecoveryCode
from askiso.core.timeutil import utcnow
from askiso.core.tokens import hash_token
from askiso.extensions import db

ISSUER = "Ask ISO"
RECOVERY_CODE_COUNT = 10


def new_secret():
    return pyotp.random_base32()


def provisioning_uri(user, secret):
    return pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=ISSUER)


def qr_svg(uri):
    """The enrolment QR code as an inline SVG document (rendered by segno)."""
    import segno  # enrolment only

    return segno.make(uri, error="m").svg_inline(scale=5, dark="#111", light="#fff")


def matching_step(secret, code, last_step=None):
    """The time-step a code matches (±1 step of drift), or None. Refuses replays."""
    code = (code or "").strip().replace(" ", "")
    if not code.isdigit() or len(code) != 6:
        return None
    totp = pyotp.TOTP(secret)
    now_step = totp.timecode(_now())
    for step in (now_step, now_step - 1, now_step + 1):
        if last_step is not None and step <= last_step:
            continue
        if secrets.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def verify_user_code(user, code):
    """Check a TOTP code for a user and remember its step so it can't be reused."""
    step = matching_step(user.totp_secret, code, user.totp_last_step)
    if step is None:
        return False
    user.totp_last_step = step
    return True


def delete_recovery_codes(user):
    """Remove every recovery code of the user (two-factor turned off or codes replaced)."""
    for old in db.session.scalars(select(RecoveryCode).where(RecoveryCode.user_id == user.id)):
        db.session.delete(old)


def new_recovery_codes(user):
    """Replace the user's recovery codes; returns the plain codes to show once."""
    delete_recovery_codes(user)
    codes = [f"{secrets.token_hex(4)}-{secrets.token_hex(4)}" for _ in range(RECOVERY_CODE_COUNT)]
    for code in codes:
        db.session.add(RecoveryCode(user_id=user.id, code_hash=hash_token(code)))
    return codes


def use_recovery_code(user, code):
    """Consume a recovery code; True when it was valid and unused."""
    code = (code or "").strip().lower()
    row = db.session.scalar(
        select(RecoveryCode).where(
            RecoveryCode.user_id == user.id,
            RecoveryCode.code_hash == hash_token(code),
            RecoveryCode.used_at.is_(None),
        )
    )
    if row is None:
        return False
    row.used_at = utcnow()
    return True


def remaining_recovery_codes(user):
    return db.session.scalar(
        select(db.func.count(RecoveryCode.id)).where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))
    )


def _now():
    import time

    return time.time()

"""What a signed-in person changes about their own account.

Each function checks what it must (current password, code), records an audit
event and flushes; the view commits. Failures come back as a field name and a
message for the form, never as an exception.
"""

from askiso.api.tokens import revoke_all_tokens
from askiso.audit.services import record
from askiso.auth import tokens, totp
from askiso.auth.invitations import external_link
from askiso.auth.models import UserSession, normalize_email, user_by_email
from askiso.auth.passwords import verify_password
from askiso.auth.policy import password_problems
from askiso.auth.services import notify_password_changed, set_password
from askiso.auth.sessions import current_session_row, end_all_sessions, end_session_row
from askiso.extensions import db
from askiso.mail.services import queue_email

WRONG_PASSWORD = "That is not your current password."
CANNOT_USE_ADDRESS = "You can't use this address. Choose another one."
STAFF_KEEP_TOTP = "Staff accounts must keep two-factor authentication on."


class Refused(Exception):
    """A change refused for a reason the person can fix: field name and message.

    `failed_check` names the audit event of a failed password or code check: the view writes it
    in a transaction of its own, since the refused request keeps nothing else
    (askiso/core/unit_of_work.py, kept_despite_failure)."""

    def __init__(self, field, message, failed_check=None):
        self.messages = list(message) if isinstance(message, (list, tuple)) else [message]
        super().__init__(" ".join(self.messages))
        self.field = field
        self.failed_check = failed_check


def update_profile(user, name, work_phone):
    """Change the name and the 10-digit work phone (None to clear it)."""
    before = {"name": user.name, "work_phone": user.work_phone}
    user.name = name.strip()
    user.work_phone = work_phone or None
    after = {"name": user.name, "work_phone": user.work_phone}
    if before != after:
        record("account.profile_changed", user, subject_user=user, before=before, after=after)


def change_password(user, current_password, new_password, *, keep_tokens=False):
    """Check the current password and the policy, then end every other session and, unless
    the person chose to keep them, every API token."""
    if not verify_password(user, current_password):
        raise Refused("current_password", WRONG_PASSWORD, failed_check="auth.password_change_failed")
    problems = password_problems(new_password, email=user.email, name=user.name)
    if problems:
        raise Refused("password", problems)
    if verify_password(user, new_password):
        raise Refused("password", "Choose a password different from your current one.")
    set_password(user, new_password, reason="password_changed", keep_current=True)
    ended = 0 if keep_tokens else revoke_all_tokens(user, user, via="password_changed")
    record("auth.password_changed", user, subject_user=user, api_tokens_revoked=ended)
    notify_password_changed(user, tokens_ended=not keep_tokens)
    return ended


def request_email_change(user, new_email, password):
    """Send a confirmation link to the new address; the change waits for it."""
    if not verify_password(user, password):
        raise Refused("password", WRONG_PASSWORD, failed_check="auth.email_change_failed")
    new_email = normalize_email(new_email)
    if new_email == user.email:
        raise Refused("new_email", "That is already your address.")
    if user_by_email(new_email) is not None:
        raise Refused("new_email", CANNOT_USE_ADDRESS)
    token = tokens.issue(user, "change_email", payload=new_email)
    queue_email(
        "change_email",
        new_email,
        "Confirm your new Ask ISO email address",
        "change_email_confirm",
        user=user,
        new_email=new_email,
        link=external_link("auth.confirm_email", token=token),
        hours=int(tokens.PURPOSES["change_email"].total_seconds() // 3600),
    )
    record("auth.email_change_requested", user, subject_user=user, new_email=new_email)
    return new_email


def pending_email_change(token):
    """(user, new address) for a still-valid confirmation link, or None."""
    row = tokens.peek(token, "change_email")
    return (row.user, row.payload) if row is not None else None


def confirm_email_change(token):
    """Use the confirmation link: the account's address becomes the new one.

    Returns the user, None for an invalid link, or raises Refused when the
    address was taken in the meantime. The old address is told.
    """
    row = tokens.consume(token, "change_email")
    if row is None:
        return None
    user, new_email = row.user, row.payload
    if user_by_email(new_email) is not None:
        raise Refused("new_email", CANNOT_USE_ADDRESS)
    old_email = user.email
    user.email = new_email
    tokens.retire(user, "reset_password")
    record("auth.email_changed", user, subject_user=user, before=old_email, after=new_email)
    queue_email(
        "email_changed",
        old_email,
        "Your Ask ISO email address was changed",
        "email_changed",
        user=user,
        old_email=old_email,
        new_email=new_email,
    )
    return user


def disable_totp(user, password, code):
    """Turn two-factor off (not for staff): needs the password and a current code."""
    if user.is_staff:
        raise Refused("code", STAFF_KEEP_TOTP)
    if not verify_password(user, password):
        raise Refused("password", WRONG_PASSWORD, failed_check="auth.totp_disable_failed")
    if not totp.verify_user_code(user, code):
        raise Refused(
            "code",
            "That code is not valid. Enter the code your app shows now.",
            failed_check="auth.totp_disable_failed",
        )
    user.totp_secret = None
    user.totp_enabled_at = None
    user.totp_last_step = None
    totp.delete_recovery_codes(user)
    record("auth.totp_disabled", user, subject_user=user)
    queue_email("security_notice", user.email, "Two-factor authentication was turned off", "totp_disabled", user=user)


def regenerate_recovery_codes(user, password):
    """Replace the recovery codes (the old ones stop working); returns the new ones."""
    if not user.has_totp:
        raise Refused("password", "Turn on two-factor authentication first.")
    if not verify_password(user, password):
        raise Refused("password", WRONG_PASSWORD, failed_check="auth.recovery_codes_failed")
    codes = totp.new_recovery_codes(user)
    record("auth.recovery_codes_regenerated", user, subject_user=user)
    return codes


def end_other_sessions(user):
    """Sign out every other browser of this account; this one stays signed in."""
    end_all_sessions(user, "signed_out_elsewhere", except_current=True)
    record("auth.other_sessions_ended", user, subject_user=user)


def end_one_session(user, session_id):
    """Sign out one of the person's other sessions; False when it is not theirs."""
    row = db.session.get(UserSession, session_id)
    current = current_session_row()
    if row is None or row.user_id != user.id or not row.is_open or (current and row.id == current.id):
        return False
    end_session_row(row, "signed_out_elsewhere")
    record("auth.session_ended", user, subject_user=user, session_id=row.id)
    return True

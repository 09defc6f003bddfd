"""Sign-in operations used by views and the CLI."""

from flask import session

from askiso.api.tokens import revoke_all_tokens
from askiso.audit.services import record
from askiso.auth import signals, tokens
from askiso.auth.invitations import send_reset_email, send_set_password_email  # noqa: F401  (CAMS calls it)
from askiso.auth.models import User, normalize_email, user_by_email
from askiso.auth.passwords import hash_password, verify_password
from askiso.auth.sessions import end_all_sessions, end_current_session, start_session
from askiso.core.timeutil import utcnow
from askiso.extensions import db
from askiso.mail.services import queue_email

LINK_ACTIONS = {"reset_password": "auth.password_reset", "set_password": "auth.password_set"}

PENDING_KEY = "pending_2fa_user"


def check_credentials(email, password):
    """The active user these credentials belong to, or None (one generic failure: the caller
    writes it with record_failed_login, in a transaction that survives the failed request)."""
    user = user_by_email(email)
    ok = verify_password(user, password)
    if not ok or user is None or not user.is_active:
        return None
    return user


def record_failed_login(email):
    """The audit event of a failed sign-in (the account, when the address names one)."""
    record("auth.login_failed", user_by_email(email), email=normalize_email(email)[:254])


def begin_login(user):
    """After a good password: sign in, or ask for the second factor first."""
    if user.has_totp:
        session.clear()
        session[PENDING_KEY] = user.id
        return "totp"
    finish_login(user, method="password")
    return "done"


def finish_login(user, method):
    start_session(user)
    record("auth.login", user, method=method)


def logout(user):
    record("auth.logout", user)
    end_current_session("logout")


def create_user(email, name, staff_role=None, password=None):
    """Create an account; the email is stored lower-cased."""
    user = User(email=normalize_email(email), name=name.strip(), staff_role=staff_role)
    if password:
        user.password_hash = hash_password(password)
    db.session.add(user)
    db.session.flush()
    return user


def set_password(user, password, *, reason, keep_current=False):
    """Store a new password hash, end every session, retire emailed password links.

    keep_current leaves this browser's own session signed in (password change).
    """
    user.password_hash = hash_password(password)
    user.password_changed_at = utcnow()
    end_all_sessions(user, reason, except_current=keep_current)
    tokens.retire(user, "reset_password")
    tokens.retire(user, "set_password")


def deactivate_user(user, actor):
    """Switch an account off: its sessions and emailed links stop working at once."""
    if not user.is_active:
        return False
    user.is_active = False
    end_all_sessions(user, "deactivated")
    for purpose in tokens.PURPOSES:
        tokens.retire(user, purpose)
    record("users.deactivated", actor, subject_user=user)
    return True


def reactivate_user(user, actor):
    """Switch an account back on (the person signs in again; nothing is restored)."""
    if user.is_active:
        return False
    user.is_active = True
    record("users.reactivated", actor, subject_user=user)
    return True


def request_password_reset(email):
    """Email a reset link when an active account has this address; silent otherwise."""
    user = user_by_email(email)
    known = user is not None and user.is_active
    if known:
        send_reset_email(user)
    record(
        "auth.password_reset_requested",
        None,
        subject_user=user if known else None,
        email=normalize_email(email)[:254],
        known=known,
    )


def account_for_link(token, purpose):
    """The account a still-valid emailed link belongs to, or None (does not use it)."""
    row = tokens.peek(token, purpose)
    return row.user if row is not None else None


def use_password_link(token, purpose, password):
    """Use a reset or set-password link once to store a new password; None if invalid.

    The person is not signed in: they sign in normally, second factor included.
    """
    row = tokens.consume(token, purpose)
    if row is None:
        return None
    user = row.user
    set_password(user, password, reason=purpose)
    # Whoever may have used the account may have made an API token: a link ends them all too.
    ended = revoke_all_tokens(user, user, via=purpose)
    record(LINK_ACTIONS[purpose], user, subject_user=user, api_tokens_revoked=ended)
    if purpose == "reset_password":
        notify_password_changed(user, tokens_ended=True)
    # Using the emailed link proved the address (the inquiries sent from it join the account).
    signals.address_proved.send(user)
    return user


def notify_password_changed(user, *, tokens_ended):
    """Tell the account's address; the email says whether its API tokens were ended too."""
    queue_email("password_changed", user.email, "Your Ask ISO password was changed", "password_changed", user=user,
                tokens_ended=tokens_ended)

"""Sign-in operations used by views and the CLI."""

from flask import session

from askiso.audit.services import record
from askiso.auth.models import User, normalize_email, user_by_email
from askiso.auth.passwords import hash_password, verify_password
from askiso.auth.sessions import end_current_session, start_session
from askiso.extensions import db

PENDING_KEY = "pending_2fa_user"


def check_credentials(email, password):
    """The active user these credentials belong to, or None (one generic failure)."""
    user = user_by_email(email)
    ok = verify_password(user, password)
    if not ok or user is None or not user.is_active:
        record("auth.login_failed", user if user else None, email=normalize_email(email)[:254])
        return None
    return user


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

"""Rate limits for sign-in and password recovery (numbers explained in docs/security.md).

Two kinds of key: the client's address, and the account being tried. Account
keys are SHA-256 digests so that the limiter's storage (Redis) never holds an
email address. Limits named *_FAILURES only count attempts that failed (the
view answered with the form again instead of redirecting), so a person who
signs in correctly never spends them, and every window is short: someone who
hammers an account cannot keep its owner out for long after they stop.
"""

import hashlib

from flask import request, session
from flask_limiter.util import get_remote_address
from flask_login import current_user

from askiso.auth.models import normalize_email

# /login
LOGIN_PER_ADDRESS = "20/minute;200/hour"
LOGIN_FAILURES_PER_ACCOUNT_AND_ADDRESS = "5/minute;20/hour"
LOGIN_FAILURES_PER_ACCOUNT = "30/15 minutes"
# /login/two-factor (reached only after a correct password)
TOTP_PER_ADDRESS = "20/minute;100/hour"
TOTP_FAILURES_PER_ACCOUNT = "5/minute;20/hour"
# /forgot-password: each request may send an email
FORGOT_PER_ADDRESS = "5/minute;30/hour"
FORGOT_PER_ACCOUNT = "3/15 minutes;12/day"
# /reset-password/<token>, /set-password/<token>, /account/email/confirm/<token>
LINK_PER_ADDRESS = "10/minute;60/hour"
LINK_FAILURES_PER_TOKEN = "10/15 minutes"
# Account forms that check the current password or a code (stolen-session guessing)
ACCOUNT_CHECK_FAILURES = "5/minute;20/hour"


def _digest(value):
    return hashlib.sha256(value.encode("utf-8")).hexdigest()[:32]


def address_key():
    return get_remote_address() or "unknown"


def form_account_key():
    """The account named in the submitted form's email field."""
    return "acct:" + _digest(normalize_email(request.form.get("email")))


def form_account_and_address_key():
    return form_account_key() + ":" + address_key()


def pending_account_key():
    """The account waiting for its second factor in this browser."""
    from askiso.auth.services import PENDING_KEY

    return "acct:" + str(session.get(PENDING_KEY) or "none")


def token_key():
    """The emailed link being tried (by digest, never the token itself)."""
    return "link:" + _digest((request.view_args or {}).get("token") or "")


def current_account_key():
    return "user:" + (str(current_user.id) if current_user.is_authenticated else address_key())


def failed(response):
    """A form that answered with itself (not a redirect) did not succeed.

    A 429 is not counted again, so being refused never lengthens the wait.
    """
    code = response.status_code
    return code != 429 and (code < 300 or code >= 400)

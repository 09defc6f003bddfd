"""Bearer-token authentication for the API, checked on every request.

Only `Authorization: Bearer TOKEN` authenticates. The session cookie is
ignored for API requests (Flask-Login is told nobody is signed in), so a
browser that is signed in to the pages cannot be driven into the API by
another site; that is also why the API blueprint needs no CSRF token.
"""

from datetime import timedelta

from flask import abort, current_app, g, request
from flask_limiter.util import get_remote_address
from sqlalchemy import update

from askiso.api.models import ApiToken
from askiso.api.tokens import find_token
from askiso.core.timeutil import utcnow
from askiso.core.tokens import hash_token
from askiso.extensions import csrf, db, limiter, login_manager

REALM = "Ask ISO API"
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
# Writing last_used_at on every call would make every read a write.
TOUCH_EVERY = timedelta(seconds=60)
DEFAULT_RATE_LIMIT = "120/minute"
FAILED_AUTH_LIMIT = "30/minute"


def bearer_token():
    """The token in the Authorization header, or None."""
    scheme, _, value = request.headers.get("Authorization", "").partition(" ")
    value = value.strip()
    if scheme.lower() != "bearer" or not value or " " in value:
        return None
    return value


def api_user():
    """The person the current API request acts for."""
    return g.api_user


def api_token():
    return g.api_token


def _refusal(row):
    """Why this token cannot be used now, or None."""
    if row is None:
        return "This API token is not valid."
    if row.revoked_at is not None:
        return "This API token was revoked."
    if row.is_expired:
        return "This API token has expired: make a new one on your account page."
    user = row.user
    if user is None or not user.is_active:
        return "The account this API token belongs to is deactivated."
    if user.is_staff and not user.has_totp:
        return "Staff API tokens work only while two-factor authentication is on for the account."
    return None


def _authenticate():
    view = current_app.view_functions.get(request.endpoint)
    if getattr(view, "is_public", False):
        return None
    # The session cookie never authenticates the API: nobody is signed in here.
    g._login_user = login_manager.anonymous_user()
    token = bearer_token()
    if token is None:
        abort(401, "Send an API token in the header: Authorization: Bearer TOKEN.")
    row = find_token(token)
    refusal = _refusal(row)
    if refusal:
        g.api_token_rejected = True
        abort(401, refusal)
    g.api_token, g.api_user = row, row.user
    _touch(row)
    if request.method not in SAFE_METHODS and not row.can_write:
        abort(403, "This API token is read-only: make a token with write access to change anything.")
    return None


def _touch(row):
    """Record the token's use outside the request's own transaction."""
    now = utcnow()
    if row.last_used_at is not None and now - row.last_used_at < TOUCH_EVERY:
        return
    with db.engine.begin() as conn:
        conn.execute(update(ApiToken).where(ApiToken.id == row.id).values(last_used_at=now))


def _challenge(response):
    if response.status_code == 401:
        value = f'Bearer realm="{REALM}"'
        if g.get("api_token_rejected"):
            value += ', error="invalid_token"'
        response.headers["WWW-Authenticate"] = value
    # CORS stays closed: this API is for scripts, not for other sites' pages.
    for name in [h for h in response.headers.keys() if h.lower().startswith("access-control-")]:
        del response.headers[name]
    return response


def rate_limit_key():
    """One budget per token (by its hash); callers without a token share their address's."""
    token = bearer_token()
    return "api-token:" + hash_token(token) if token else "api-addr:" + get_remote_address()


def _rate_limit():
    return current_app.config.get("API_RATE_LIMIT", DEFAULT_RATE_LIMIT)


def install(bp):
    """Authentication, CSRF exemption, CORS closure and rate limits for the API blueprint."""
    csrf.exempt(bp)
    bp.before_request(_authenticate)
    bp.after_request(_challenge)
    limiter.limit(_rate_limit, key_func=rate_limit_key, scope="api")(bp)
    # Guessing tokens costs an address its budget quickly.
    limiter.limit(
        FAILED_AUTH_LIMIT,
        key_func=get_remote_address,
        scope="api-auth-failures",
        deduct_when=lambda response: response.status_code == 401,
    )(bp)

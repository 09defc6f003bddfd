"""Security headers, request ids, and the per-request commit of touched sessions."""

import secrets

from flask import g, request
from flask_login import current_user

CSP = (
    "default-src 'self'; "
    "script-src 'self'; "
    "style-src 'self'; "
    "img-src 'self' data:; "
    "font-src 'self'; "
    "connect-src 'self'; "
    "form-action 'self'; "
    "object-src 'none'; "
    "base-uri 'none'; "
    "frame-ancestors 'none'"
)


def init_app(app):
    if app.config.get("SESSION_COOKIE_SECURE"):
        # The __Host- prefix pins the cookie to this host, path / and HTTPS.
        app.config["SESSION_COOKIE_NAME"] = "__Host-askiso_session"
        app.config["SESSION_COOKIE_PATH"] = "/"
        app.config["SESSION_COOKIE_DOMAIN"] = None

    @app.before_request
    def _request_id():
        # g belongs to the app context, which tests keep open across requests:
        # never let one request's user leak into the next.
        g.pop("_login_user", None)
        incoming = request.headers.get("X-Request-ID", "")
        g.request_id = incoming[:40] if incoming.isprintable() and incoming else secrets.token_hex(8)

    @app.after_request
    def _headers(response):
        headers = response.headers
        headers.setdefault("Content-Security-Policy", CSP)
        headers["X-Content-Type-Options"] = "nosniff"
        headers["Referrer-Policy"] = "same-origin"
        headers["X-Frame-Options"] = "DENY"
        headers["Cross-Origin-Opener-Policy"] = "same-origin"
        headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()"
        headers["X-Request-ID"] = g.get("request_id", "")
        if request.is_secure:
            headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
        if _signed_in() or request.path.startswith("/api/"):
            headers["Cache-Control"] = "no-store"
        return response


def _signed_in():
    try:
        return current_user.is_authenticated
    except Exception:  # outside a request with a user loaded
        return False

"""The inquiries blueprint, its rate limits and its polite "too many" answer.

Limits are per client address and per email address typed in the form (as a
digest: the limiter's storage never holds an address). Numbers in docs/inquiries.md.
"""

import hashlib

from flask import Blueprint, request

from askiso.auth.models import normalize_email
from askiso.auth.throttle import address_key

bp = Blueprint("inquiries", __name__)

SUBMIT_PER_ADDRESS = "10/hour;30/day"
SUBMIT_PER_EMAIL = "5/hour;10/day"
CONFIRM_PER_ADDRESS = "20/hour"
LOST_PER_ADDRESS = "5/hour;20/day"
LOST_PER_EMAIL = "3/hour;6/day"
TRACK_PER_ADDRESS = "120/minute"
REPLY_PER_ADDRESS = "30/hour"
ACCOUNT_PER_ADDRESS = "5/hour"
TRACK_PREFIX = "/inquiries/t/"


def client_key():
    return address_key()


def form_email_key():
    """The address typed in the form, as a digest."""
    email = normalize_email(request.form.get("email"))
    return "inq-email:" + hashlib.sha256(email.encode("utf-8")).hexdigest()[:32]


@bp.after_request
def _private(response):
    """Pages that may carry a token: never cached, never leaked in a Referer."""
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    if request.path.startswith(TRACK_PREFIX) or request.path.startswith("/inquiries/confirm/"):
        response.headers["Referrer-Policy"] = "no-referrer"
    return response

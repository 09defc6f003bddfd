"""Helpers for the inquiry tests: fill the public form, read emailed links, rate limits."""

import re
import time

import pytest
from sqlalchemy import select

from askiso.cases.models import Case
from askiso.extensions import db, limiter
from askiso.inquiries.forms import make_stamp
from askiso.mail.models import OutboxEmail

VISITOR = "vera.visitor@example.test"


def outbox(to=None, kind=None):
    rows = db.session.scalars(select(OutboxEmail).order_by(OutboxEmail.id)).all()
    return [r for r in rows if (to is None or to.lower() in r.recipients) and (kind is None or r.kind == kind)]


def emailed_token(path, to=None, kind=None):
    """The token of the last emailed link under /<path>/."""
    for row in reversed(outbox(to, kind)):
        match = re.search(rf"/{path}/([A-Za-z0-9_\-]+)", row.body_text)
        if match:
            return match.group(1)
    raise AssertionError(f"no /{path}/ link was emailed")


def form_data(**overrides):
    """A complete inquiry form, shown a minute ago (so the fill-time check passes)."""
    data = {
        "name": "Vera Visitor",
        "email": VISITOR,
        "organization": "Grid Research Institute",
        "request_type": "general_question",
        "topic": "markets",
        "subject": "How are capacity prices published?",
        "description": "Where can I find the FCA results for last year?",
        "stamp": make_stamp(time.time() - 60),
        "website": "",
    }
    data.update(overrides)
    return data


def submit(client, **overrides):
    return client.post("/inquiries/new", data=form_data(**overrides))


def submit_and_confirm(client, **overrides):
    """Submit, confirm from the emailed link; returns (case, tracking token)."""
    email = overrides.get("email", VISITOR)
    assert submit(client, **overrides).status_code == 302
    token = emailed_token("inquiries/confirm", to=email)
    response = client.post(f"/inquiries/confirm/{token}")
    assert response.status_code == 200, response.get_data(as_text=True)
    tracking = re.search(r"/inquiries/t/([A-Za-z0-9_\-]+)", response.get_data(as_text=True)).group(1)
    case = db.session.scalar(select(Case).order_by(Case.id.desc()))
    return case, tracking


@pytest.fixture(scope="session")
def _limited_app(_app):
    """A second app on the same database, built with rate limits on (hooks install at build time)."""
    from askiso import create_app

    limited = create_app(
        "testing", SQLALCHEMY_DATABASE_URI=_app.config["SQLALCHEMY_DATABASE_URI"], RATELIMIT_ENABLED=True
    )
    limiter.enabled = False  # the limiter object is shared: off outside the tests that want it
    yield limited
    with limited.app_context():
        db.engine.dispose()


@pytest.fixture
def limited_client(app, _limited_app):
    """A client of the rate-limited app, counters empty before and after."""
    limiter.enabled = True
    limiter.reset()
    yield _limited_app.test_client()
    limiter.reset()
    limiter.enabled = False

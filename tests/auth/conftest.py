"""Helpers for the accounts tests: read emailed links, turn rate limits on."""

import re

import pytest
from sqlalchemy import select

from askiso.extensions import db, limiter
from askiso.mail.models import OutboxEmail


def outbox(to=None, kind=None):
    """Queued emails, oldest first, optionally for one address or kind."""
    rows = db.session.scalars(select(OutboxEmail).order_by(OutboxEmail.id)).all()
    return [r for r in rows if (to is None or to.lower() in r.recipients) and (kind is None or r.kind == kind)]


def emailed_token(path, to=None):
    """The token of the last emailed link under /<path>/ (to that address if given)."""
    for row in reversed(outbox(to)):
        match = re.search(rf"/{path}/([A-Za-z0-9_\-]+)", row.body_text)
        if match:
            return match.group(1)
    raise AssertionError(f"no /{path}/ link was emailed")


@pytest.fixture(scope="session")
def _limited_app(_app):
    """A second app on the same database, built with RATELIMIT_ENABLED on.

    Flask-Limiter installs its hooks when the app is built, so the shared test
    app (built with limits off) cannot be switched on later.
    """
    from askiso import create_app

    limited = create_app(
        "testing", SQLALCHEMY_DATABASE_URI=_app.config["SQLALCHEMY_DATABASE_URI"], RATELIMIT_ENABLED=True
    )
    limiter.enabled = False  # the limiter object is shared: off outside the tests that want it
    yield limited
    with limited.app_context():
        db.engine.dispose()


@pytest.fixture
def limited_app(app, _limited_app):
    """The rate-limited app for one test, counters empty before and after."""
    limiter.enabled = True
    limiter.reset()
    yield _limited_app
    limiter.reset()
    limiter.enabled = False


def fresh():
    """End the test's read transaction so that what the other app committed is seen."""
    db.session.rollback()

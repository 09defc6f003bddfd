"""End-to-end tests in headless Chromium (Debian's package) driven by Playwright.

The app is served on loopback by a real HTTP server (werkzeug's threaded
server, in this process, on a free port) against the test database, with CSRF
on and mail captured as .eml files as in development. Every page a journey
visits is checked with axe-core, and screenshots at 390 and 1280 pixels wide go
to ./screenshots/ (not committed) for people to review.
"""

import email
import os
import re
import threading
from email import policy
from pathlib import Path

import pyotp
import pytest
from werkzeug.serving import make_server

from askiso.extensions import db
from tests import factories

CHROMIUM = os.environ.get("ASKISO_CHROMIUM", "/usr/bin/chromium")
SCREENSHOTS = Path(__file__).resolve().parents[2] / "screenshots"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]

pytestmark = pytest.mark.browser


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def _browser():
    if not Path(CHROMIUM).exists():
        pytest.skip(f"Chromium not found at {CHROMIUM} (scripts/install-browser.sh installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def live_server(app):
    """The app on a free loopback port, with CSRF on, for one test."""
    app.config["WTF_CSRF_ENABLED"] = True
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base_url = f"http://127.0.0.1:{server.server_port}"
    external_url = app.config["EXTERNAL_URL"]
    app.config["EXTERNAL_URL"] = base_url  # links in captured mail lead to this server
    try:
        yield base_url
    finally:
        server.shutdown()
        thread.join()
        app.config["WTF_CSRF_ENABLED"] = False
        app.config["EXTERNAL_URL"] = external_url


class Browser:
    """A browser context at one width, with helpers for journeys."""

    def __init__(self, browser, base_url, width):
        self.context = browser.new_context(viewport={"width": width, "height": 900}, base_url=base_url)
        self.context.set_default_timeout(10000)
        self.page = self.context.new_page()
        self.base_url = base_url
        self.width = width
        self.checked = []

    def goto(self, path):
        self.page.goto(path)
        return self.page

    def login(self, user, password=factories.PASSWORD):
        page = self.goto("/login")
        page.get_by_label("Email").fill(user.email)
        page.get_by_label("Password").fill(password)
        with page.expect_navigation():
            page.get_by_role("button", name="Sign in").click()
        if user.has_totp:
            page.wait_for_url("**/login/two-factor")
            db.session.refresh(user)
            code = totp_code(user)
            page.get_by_label("Authentication code").fill(code)
            page.get_by_role("button", name="Verify").click()
        page.get_by_role("button", name="Sign out").wait_for()
        return page


    def logout(self):
        self.page.get_by_role("button", name="Sign out").click()

    def check_page(self, name):
        """axe-core finds no serious or critical violation; take a screenshot."""
        violations = axe_violations(self.page)
        self.checked.append(name)
        screenshot(self.page, name, self.width)
        assert violations == [], f"{name}: accessibility violations: {violations}"

    def close(self):
        self.context.close()


def totp_code(user):
    """A code for the next time-step that the server has not yet seen used."""
    import time

    totp = pyotp.TOTP(user.totp_secret)
    step = totp.timecode(time.time())
    if user.totp_last_step is not None and user.totp_last_step >= step:
        step = user.totp_last_step + 1
    return totp.generate_otp(step)


def axe_violations(page):
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    serious = []
    for violation in results.response["violations"]:
        if violation.get("impact") in ("serious", "critical"):
            targets = [",".join(n["target"]) for n in violation["nodes"]][:3]
            serious.append(f"{violation['id']} ({violation['impact']}): {targets}")
    return serious


def screenshot(page, name, width):
    SCREENSHOTS.mkdir(exist_ok=True)
    safe = re.sub(r"[^a-z0-9_-]+", "-", name.lower())
    page.screenshot(path=str(SCREENSHOTS / f"{safe}-{width}.png"), full_page=True)


@pytest.fixture
def browser(_browser, live_server):
    """A desktop-width browser (1280 px)."""
    opened = Browser(_browser, live_server, 1280)
    yield opened
    opened.close()


@pytest.fixture
def phone(_browser, live_server):
    """A phone-width browser (390 px)."""
    opened = Browser(_browser, live_server, 390)
    yield opened
    opened.close()


@pytest.fixture
def new_browser(_browser, live_server):
    """Open more browsers (other people) in one test."""
    opened = []

    def make(width=1280):
        b = Browser(_browser, live_server, width)
        opened.append(b)
        return b

    yield make
    for b in opened:
        b.close()


def deliver_mail(app):
    """Run the outbox worker once and return the captured messages (newest last)."""
    from askiso.mail.sender import send_pending

    send_pending(limit=500)
    folder = Path(app.config["MAIL_CAPTURE_DIR"])
    messages = []
    for path in sorted(folder.glob("*.eml")) if folder.exists() else []:
        messages.append(email.message_from_bytes(path.read_bytes(), policy=policy.default))
    return messages


def find_link(messages, to, pattern):
    """The first URL matching `pattern` in the newest mail to `to`."""
    for msg in reversed(messages):
        if to.lower() in str(msg["To"]).lower():
            body = msg.get_body(preferencelist=("plain",)).get_content()
            match = re.search(pattern, body)
            if match:
                return match.group(0)
    raise AssertionError(f"no mail to {to} with a link matching {pattern}")

"""The scale-out shape in small: two gunicorn instances, two mail workers, one database.

A person signs in on one instance and carries on on the other (sessions live
in the database); cases with files and replies go to both instances in turn;
then two outbox workers (threads with their own database connections, as two
`flask mail send` processes would have) drain the outbox at once into an SMTP
sink. Nothing acknowledged may be missing and no email may arrive twice.
PostgreSQL only: the claims under test are row locks (SKIP LOCKED).
"""

import collections
import mailbox
import os
import signal
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Mailbox
from sqlalchemy import func, select

from askiso.cases.models import Attachment, Case, Message
from askiso.cases.storage import storage
from askiso.extensions import db
from askiso.mail.models import OutboxEmail
from askiso.mail.sender import send_all
from tests import factories

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))
from soakclient import Browser, Journal  # noqa: E402

pytestmark = pytest.mark.skipif(
    not os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql"),
    reason="several processes claiming outbox rows: PostgreSQL only",
)


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _env(app, **extra):
    env = dict(os.environ)
    env.update(ASKISO_CONFIG="testing", TEST_DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"],
               ASKISO_INSTANCE_PATH=app.instance_path, PYTHONDONTWRITEBYTECODE="1", **extra)
    return env


def _wait_ready(port, proc, timeout=90):
    import urllib.request

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert proc.poll() is None, "gunicorn exited while starting"
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as response:  # noqa: S310
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.05)
    raise AssertionError(f"instance on {port} not ready")


@pytest.fixture
def instances(app, people):
    db.session.commit()
    ports = [_free_port(), _free_port()]
    procs = [
        subprocess.Popen(  # noqa: S603
            [str(ROOT / ".venv/bin/gunicorn"), "--config", str(ROOT / "gunicorn.conf.py"), "--workers", "1",
             "--threads", "4", "--bind", f"127.0.0.1:{port}", "wsgi:app"],
            cwd=ROOT, env=_env(app), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for port in ports
    ]
    try:
        for port, proc in zip(ports, procs, strict=True):
            _wait_ready(port, proc)
        yield [f"http://127.0.0.1:{port}" for port in ports]
    finally:
        for proc in procs:
            proc.send_signal(signal.SIGINT)  # gunicorn's quick shutdown
        for proc in procs:
            proc.wait(timeout=15)


@pytest.fixture
def smtp_sink(tmp_path):
    controller = Controller(Mailbox(tmp_path / "maildir"), hostname="127.0.0.1", port=_free_port())
    controller.start()
    yield controller, tmp_path / "maildir"
    controller.stop()


def _drive(urls, journal, email, rounds):
    """Sign in on the first instance, then alternate: a case with a PDF and a reply per round."""
    browser = Browser(urls[0], journal)
    browser.sign_in(email, factories.PASSWORD)
    for n in range(rounds):
        browser.base = urls[n % 2]
        number = browser.submit_case(f"Scale-out check {email} {n}", f"Round {n} from {email}.")
        browser.base = urls[(n + 1) % 2]
        browser.reply(number, f"marker-{email}-{n}")


def _worker_step(app):
    """One outbox worker draining what is due, as `flask mail send` does."""
    with app.app_context():
        try:
            return send_all()
        finally:
            db.session.remove()


def test_two_instances_lose_nothing_and_two_workers_send_each_email_once(app, people, instances, smtp_sink,
                                                                         monkeypatch):
    controller, maildir = smtp_sink
    journal = Journal()
    with ThreadPoolExecutor(2) as pool:
        emails = [people.alpha_user.email, people.beta_user.email]
        for future in [pool.submit(_drive, instances, journal, email, 4) for email in emails]:
            future.result()
    assert len(journal.cases) == 8 and len(journal.replies) == 8
    assert all(r.expected for r in journal.requests), [r for r in journal.requests if not r.expected]

    db.session.expire_all()
    stored = dict(db.session.execute(select(Case.number, Case.subject)).all())
    assert {n: stored.get(n) for n in journal.cases} == journal.cases
    for number, marker in journal.replies:
        count = db.session.scalar(select(func.count(Message.id)).join(Case, Case.id == Message.case_id)
                                  .where(Case.number == number, Message.body.contains(marker)))
        assert count == 1, marker
    for attachment in db.session.scalars(select(Attachment).join(Case).where(Case.number.in_(journal.cases))):
        assert Path(storage().path(attachment.stored_name)).exists(), "files of every instance on the shared folder"

    queued = db.session.scalar(select(func.count(OutboxEmail.id)))
    assert queued >= 8  # at least a receipt per case
    db.session.commit()
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(app.config, "MAIL_PORT", controller.port)
    with ThreadPoolExecutor(2) as pool:  # two workers, each with its own connection, claim at once
        results = list(pool.map(lambda _: _worker_step(app), range(2)))
    sent = sum(s for s, _ in results)
    assert all(f == 0 for _, f in results)

    db.session.expire_all()
    rows = db.session.scalars(select(OutboxEmail)).all()
    assert {row.status for row in rows} == {"sent"}
    assert sent == len(rows) == queued
    delivered = collections.Counter(m["Message-ID"] for m in mailbox.Maildir(maildir, create=False))
    assert sorted(delivered) == sorted(row.headers["Message-ID"] for row in rows)
    assert set(delivered.values()) == {1}

"""Outbox leases: short, renewed while the worker lives, taken over promptly when it dies, never sent twice.

Time is the lease clock (askiso.mail.sender.lease_clock), replaced here by a
hand-moved one where the test needs time to pass; nothing waits for it.
"""

import asyncio
import os
import socket
import subprocess
import threading
from datetime import timedelta
from email import message_from_bytes
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from askiso.core.timeutil import utcnow
from askiso.extensions import db
from askiso.mail import sender
from askiso.mail.models import OutboxEmail
from askiso.mail.sender import LEASE, MAX_HOLD, LeaseKeeper, claim_batch, held_rows, renew_leases, send_all

ROOT = Path(__file__).resolve().parents[2]


def _queue(n):
    rows = [OutboxEmail(kind="x", recipients=[f"p{i}@alpha.test"], subject=f"Notice {i}", body_text="b",
                        next_attempt_at=utcnow() - timedelta(minutes=1),
                        headers={"Message-ID": f"<lease-{i}-{os.getpid()}@askiso.test>"}) for i in range(n)]
    db.session.add_all(rows)
    db.session.commit()
    return [row.headers["Message-ID"] for row in rows]


@pytest.fixture
def clock(app, monkeypatch):
    """The lease clock, stopped at the database's now; tests move it with clock.at(...)."""

    class Clock:
        start = sender.lease_clock()
        now = start

        def at(self, delta):
            self.now = self.start + delta

    db.session.commit()
    stopped = Clock()
    monkeypatch.setattr(sender, "lease_clock", lambda: stopped.now)
    return stopped


def _other_worker(app, fn):
    """Run fn in another thread with its own session, as another worker process would."""
    result = []

    def run():
        with app.app_context():
            try:
                result.append(fn())
            finally:
                db.session.remove()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    return result[0]


def test_a_renewed_lease_holds_and_a_lapsed_one_is_taken_over(app, clock):
    _queue(3)
    assert len(claim_batch(token="worker-a")) == 3
    clock.at(timedelta(seconds=20))
    assert renew_leases("worker-a", clock.start) == 3  # worker a is alive: its keeper renews
    clock.at(LEASE + timedelta(seconds=10))  # past the first lease, inside the renewed one
    assert _other_worker(app, lambda: len(claim_batch(token="worker-b"))) == 0
    clock.at(timedelta(seconds=20) + LEASE + timedelta(microseconds=1))  # a stopped renewing (it died)
    assert _other_worker(app, lambda: len(claim_batch(token="worker-b"))) == 3
    assert renew_leases("worker-a", clock.start) == 0  # a cannot win back what b holds
    assert {r.claimed_by for r in db.session.scalars(select(OutboxEmail))} == {"worker-b"}


def test_a_worker_never_sends_a_row_another_took_over(app, clock, monkeypatch):
    monkeypatch.setattr(sender, "RENEW_EVERY", timedelta(hours=1))  # a's keeper stays silent (a is frozen)
    _queue(3)
    rows = held_rows()
    first = next(rows)  # a holds three rows and is about to send the first
    clock.at(LEASE + timedelta(seconds=1))
    assert _other_worker(app, lambda: len(claim_batch(token="worker-b"))) == 3
    assert list(rows) == []  # a renews each row before sending it: both others are skipped
    assert first.claimed_by == "worker-b"  # the one a had begun: the window docs/mail.md describes


def test_renewals_stop_after_the_longest_hold(app, clock):
    _queue(1)
    claim_batch(token="worker-a")
    clock.at(MAX_HOLD - timedelta(seconds=1))
    assert renew_leases("worker-a", clock.start) == 1
    clock.at(MAX_HOLD + timedelta(seconds=1))  # a send hung for ten minutes: let another worker have it
    assert renew_leases("worker-a", clock.start) == 0


def test_the_keeper_thread_renews_the_claim(app, monkeypatch):
    _queue(2)
    since = sender.lease_clock()
    claim_batch(token="worker-a")
    before = {r.id: r.locked_until for r in db.session.scalars(select(OutboxEmail))}
    db.session.commit()
    renewed, done, real = [], threading.Event(), sender.renew_leases

    def spy(token, held_since, row_id=None):
        renewed.append(real(token, held_since, row_id))
        done.set()

    monkeypatch.setattr(sender, "renew_leases", spy)
    keeper = LeaseKeeper(app, "worker-a", since, every=timedelta(milliseconds=1))
    keeper.start()
    try:
        assert done.wait(timeout=60)
    finally:
        keeper.stop()
        keeper.join(timeout=60)
    assert not keeper.is_alive() and renewed[0] == 2
    db.session.expire_all()
    assert all(r.locked_until >= before[r.id] for r in db.session.scalars(select(OutboxEmail)))


class HoldingSink:
    """An SMTP server that keeps the first worker waiting in DATA (mid-send), then refuses that message."""

    def __init__(self):
        self.holding = True
        self.in_data = threading.Event()
        self.release = threading.Event()
        self.accepted = []

    async def handle_DATA(self, server, session, envelope):
        if self.holding:
            self.in_data.set()
            await asyncio.get_running_loop().run_in_executor(None, self.release.wait)
            return "451 4.3.0 not accepted"
        self.accepted.append(message_from_bytes(envelope.content)["Message-ID"])
        return "250 OK"


@pytest.fixture
def holding_smtp(app, monkeypatch):
    sink = HoldingSink()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(app.config, "MAIL_PORT", port)
    yield sink, port
    sink.release.set()
    controller.stop()


def test_a_killed_worker_s_emails_go_out_within_a_minute_each_once(app, holding_smtp, monkeypatch):
    sink, port = holding_smtp
    message_ids = _queue(3)
    env = dict(os.environ, ASKISO_CONFIG="testing", TEST_DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"],
               ASKISO_INSTANCE_PATH=app.instance_path, MAIL_SERVER="127.0.0.1", MAIL_PORT=str(port),
               PYTHONDONTWRITEBYTECODE="1")
    worker = subprocess.Popen(  # noqa: S603 (our own command)
        [str(ROOT / ".venv/bin/flask"), "--app", "wsgi", "mail", "send", "--loop", "--interval", "0.05"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        assert sink.in_data.wait(timeout=120), "the worker never reached the SMTP server"
        rows = db.session.scalars(select(OutboxEmail)).all()
        assert {r.status for r in rows} == {"sending"}
        [token] = {r.claimed_by for r in rows}
        assert f":{worker.pid}:" in token
        killed_at = sender.lease_clock()
        worker.kill()  # SIGKILL in the middle of a send: no clean-up of any kind
    finally:
        worker.kill()
        worker.wait(timeout=60)
    db.session.commit()
    sink.release.set()  # the message it was sending was never accepted
    sink.holding = False

    lease_ends = max(r.locked_until for r in db.session.scalars(select(OutboxEmail)))
    assert lease_ends - killed_at <= LEASE < timedelta(minutes=1)
    monkeypatch.setattr(sender, "lease_clock", lambda: killed_at)
    assert send_all() == (0, 0)  # until the dead worker's lease ends nobody sends its rows
    monkeypatch.setattr(sender, "lease_clock", lambda: lease_ends + timedelta(microseconds=1))
    assert send_all() == (3, 0)  # the moment it ends, the next poll of another worker takes them over
    assert sorted(sink.accepted) == sorted(message_ids)
    assert {r.status for r in db.session.scalars(select(OutboxEmail))} == {"sent"}


def test_staff_see_who_holds_an_email_and_cannot_retry_it_from_under_the_worker(app, people, client_for):
    _queue(1)
    [row] = claim_batch(token="host-1:4242:ab12cd34")
    admin = client_for(people.admin)
    page = admin.get("/staff/mail/outbox")
    assert b"held by host-1:4242:ab12cd34" in page.data
    answer = admin.post(f"/staff/mail/outbox/{row.id}/retry", follow_redirects=True)
    assert b"is sending that email right now" in answer.data
    db.session.expire_all()
    held = db.session.get(OutboxEmail, row.id)
    assert held.status == "sending" and held.claimed_by == "host-1:4242:ab12cd34"  # nobody else may claim it

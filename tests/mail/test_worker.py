"""The outbox worker: nothing lost while SMTP is down, nothing sent twice, failures visible."""

import threading
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from askiso.core.timeutil import utcnow
from askiso.extensions import db
from askiso.mail.models import OutboxEmail
from askiso.mail.sender import backoff, claim_batch, send_all, send_pending
from askiso.mail.services import queue_email
from tests.cases.helpers import new_case


def _queue(people, n):
    for i in range(n):
        user = people.alpha_user
        queue_email("security_notice", user.email, f"Notice {i}", "password_changed", user=user)
    db.session.commit()


def _make_due():
    db.session.execute(update(OutboxEmail).values(next_attempt_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()


def test_smtp_down_loses_nothing_and_delivers_each_once_when_back(app, people, smtp):
    smtp.stop()
    new_case(people.alpha_user, people.alpha)
    _queue(people, 3)
    sent, failed = send_all()
    assert (sent, failed) == (0, 4)
    rows = db.session.scalars(select(OutboxEmail)).all()
    assert all(r.status == "pending" and r.last_error and r.attempts == 1 for r in rows)
    assert all(r.next_attempt_at > utcnow() for r in rows)  # backed off, not retried at once
    assert send_all() == (0, 0)
    _make_due()
    assert send_all() == (0, 4)  # still down: tried again, still kept
    smtp.start()
    _make_due()
    assert send_all() == (4, 0)
    assert send_all() == (0, 0)
    ids = Counter(m["msg"]["Message-ID"] for m in smtp.messages)
    assert len(ids) == 4 and set(ids.values()) == {1}
    assert all(r.status == "sent" and r.last_error is None for r in db.session.scalars(select(OutboxEmail)))


def test_backoff_grows_and_is_capped():
    delays = [backoff(n) for n in range(1, 12)]
    assert delays == sorted(delays) and delays[0] == timedelta(seconds=30)
    assert delays[-1] == timedelta(hours=1)


def test_gives_up_after_the_window_and_shows_staff_admins(app, people, smtp, client_for):
    smtp.stop()
    _queue(people, 1)
    db.session.execute(update(OutboxEmail).values(created_at=utcnow() - app.config["MAIL_GIVE_UP_AFTER"] * 2))
    db.session.commit()
    assert send_all() == (0, 1)
    row = db.session.scalar(select(OutboxEmail))
    assert row.status == "failed" and "Connection" in row.last_error
    assert send_all() == (0, 0)  # a failed row is not retried by itself

    admin = client_for(people.admin)
    page = admin.get("/staff/mail/outbox")
    assert page.status_code == 200
    assert b"failed" in page.data and row.last_error.split(":")[0].encode() in page.data
    assert client_for(people.agent).get("/staff/mail/outbox").status_code == 403
    assert client_for(people.alpha_user).get("/staff/mail/outbox").status_code == 404

    smtp.start()
    response = admin.post(f"/staff/mail/outbox/{row.id}/retry")
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(OutboxEmail, row.id).status == "pending"
    assert send_all() == (1, 0)
    assert len(smtp.messages) == 1


def test_retry_all_failed_button(app, people, client_for):
    _queue(people, 2)
    db.session.execute(update(OutboxEmail).values(status="failed", last_error="SMTPException: boom"))
    db.session.commit()
    assert client_for(people.admin).post("/staff/mail/outbox/retry-failed").status_code == 302
    db.session.expire_all()
    assert {r.status for r in db.session.scalars(select(OutboxEmail))} == {"pending"}
    assert send_all() == (2, 0)  # captured to .eml (no MAIL_SERVER)


def test_a_leased_row_is_not_claimed_by_a_second_worker(app, people):
    _queue(people, 3)
    first = claim_batch()
    assert len(first) == 3
    # a second worker (another thread, so its own session) finds nothing while the lease lives
    result = []

    def second_worker():
        with app.app_context():
            result.append(len(claim_batch()))
            db.session.remove()

    thread = threading.Thread(target=second_worker)
    thread.start()
    thread.join()
    assert result == [0]
    # an expired lease (the worker died) is taken over
    db.session.execute(update(OutboxEmail).values(locked_until=utcnow() - timedelta(seconds=1)))
    db.session.commit()
    assert len(claim_batch()) == 3


def test_conditional_claim_loses_when_someone_else_won(app, people, monkeypatch):
    """Two workers read the same candidates; only the UPDATE that wins sends.

    This is the SQLite path (no row locks); on PostgreSQL the candidate rows are
    locked (SKIP LOCKED) so the other worker never reads them: see the thread test.
    """
    if db.engine.dialect.name != "sqlite":
        pytest.skip("the row lock of PostgreSQL makes this interleaving impossible")
    _queue(people, 2)
    from askiso.mail import sender

    real_execute = db.session.execute
    stolen = []

    def execute(stmt, *args, **kwargs):
        # Just before our conditional UPDATEs run, another worker leases the rows.
        if getattr(stmt, "is_update", False) and not stolen:
            stolen.append(True)
            with db.engine.begin() as conn:
                conn.execute(update(OutboxEmail).values(status="sending", locked_until=utcnow() + sender.LEASE))
        return real_execute(stmt, *args, **kwargs)

    monkeypatch.setattr(db.session, "execute", execute)
    assert claim_batch() == []
    monkeypatch.undo()
    assert send_pending() == (0, 0, 0)


def test_two_workers_at_once_send_each_message_once_on_postgresql(app, people, smtp):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("needs PostgreSQL (FOR UPDATE SKIP LOCKED across connections)")
    _queue(people, 40)
    barrier = threading.Barrier(4)
    errors = []

    def worker():
        with app.app_context():
            try:
                barrier.wait()
                for _ in range(10):
                    send_pending(limit=5)
            except Exception as exc:  # surfaced below
                errors.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert send_all() == (0, 0)
    ids = Counter(m["msg"]["Message-ID"] for m in smtp.messages)
    assert len(ids) == 40 and set(ids.values()) == {1}

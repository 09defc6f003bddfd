"""The outbox worker: deliver pending emails with retries and back-off.

With MAIL_SERVER unset, mail is captured as .eml files in the instance folder.

Several workers may run at once (on several hosts). A worker claims a batch of
due rows with a lease: a conditional UPDATE (status "sending", its own claim
token in claimed_by, locked_until = now + LEASE) that only succeeds while
nobody else holds a live lease, checked by its rowcount; on PostgreSQL the
candidate rows are also read with FOR UPDATE SKIP LOCKED so workers do not
even queue behind each other. Leases are compared on the database's clock,
so hosts whose clocks disagree still agree on when a lease ends.

The lease is short (30 s) and a thread of the worker renews it every 10 s for
as long as the worker is alive, so a worker that was killed loses its rows
within 30 s and another takes them over. Right before sending each row the
worker renews that row's lease once more, conditionally on its token: a row
another worker took over is skipped, never sent.

What can still send an email twice (docs/mail.md): a worker killed after the
SMTP server accepted a message but before it recorded "sent" (its row is sent
again once the lease ends), and a worker that cannot renew for 30 s (frozen,
or cut off from the database) while a send it had begun goes on. The
Message-ID is stored with the row, so a copy has the same id and mail
clients show one message.
"""

import os
import secrets
import socket
import threading
from datetime import timedelta
from pathlib import Path

from flask import current_app
from flask_mail import Connection
from flask_mail import Message as MailMessage
from sqlalchemy import or_, select, text, update

from askiso.core.timeutil import utcnow
from askiso.extensions import db, mail
from askiso.mail.attachments import attachments_for
from askiso.mail.case_mail import withhold_if_access_ended
from askiso.mail.models import OutboxEmail

LEASE = timedelta(seconds=30)  # how long a claim lasts unless renewed
RENEW_EVERY = LEASE / 3  # a live worker renews its claims this often
MAX_HOLD = timedelta(minutes=10)  # renewals stop after this: a send hung this long gives its rows up
BATCH = 20


def backoff(attempts):
    """Growing delay between attempts: 30 s, 1 min, 2 min, ... capped at 1 h."""
    return timedelta(seconds=min(30 * 2 ** max(attempts - 1, 0), 3600))


def lease_clock():
    """Now on the database's clock (naive UTC): every worker measures leases on the same one."""
    if db.engine.dialect.name == "postgresql":
        return db.session.scalar(text("SELECT clock_timestamp() AT TIME ZONE 'UTC'"))
    return utcnow()  # SQLite: one host


def new_claim_token():
    """Names one claim of one worker: host, process and a random part (threads claim separately)."""
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{secrets.token_hex(4)}"


def is_held(row):
    """A worker's live lease holds the row: it may be on its way to the SMTP server right now."""
    return row.status == "sending" and row.locked_until is not None and row.locked_until >= lease_clock()


def _claimable(now):
    return (
        OutboxEmail.status.in_(("pending", "sending")),
        OutboxEmail.next_attempt_at <= now,
        or_(OutboxEmail.locked_until.is_(None), OutboxEmail.locked_until < now),
    )


def claim_batch(limit=BATCH, token=None):
    """Lease up to `limit` due rows to the claim `token`; returns the rows it won."""
    token = token or new_claim_token()
    now = lease_clock()
    stmt = select(OutboxEmail.id).where(*_claimable(now)).order_by(OutboxEmail.next_attempt_at, OutboxEmail.id)
    stmt = stmt.limit(limit)
    if db.engine.dialect.name == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True)
    ids = list(db.session.scalars(stmt))
    won = []
    for row_id in ids:
        result = db.session.execute(
            update(OutboxEmail)
            .where(OutboxEmail.id == row_id, *_claimable(now))
            .values(status="sending", locked_until=now + LEASE, claimed_by=token)
            .execution_options(synchronize_session=False)
        )
        if result.rowcount == 1:
            won.append(row_id)
    db.session.commit()
    if not won:
        return []
    return list(db.session.scalars(select(OutboxEmail).where(OutboxEmail.id.in_(won)).order_by(OutboxEmail.id)))


def renew_leases(token, held_since, row_id=None):
    """Extend the leases `token` still holds (or that of one row); returns how many it held.

    A row another worker took over carries that worker's token and is not
    touched. After MAX_HOLD nothing is renewed: the rows go to another worker.
    """
    now = lease_clock()
    if now - held_since > MAX_HOLD:
        db.session.commit()
        return 0
    stmt = update(OutboxEmail).where(OutboxEmail.claimed_by == token, OutboxEmail.status == "sending")
    if row_id is not None:
        stmt = stmt.where(OutboxEmail.id == row_id)
    result = db.session.execute(
        stmt.values(locked_until=now + LEASE).execution_options(synchronize_session=False)
    )
    db.session.commit()
    return result.rowcount


class LeaseKeeper(threading.Thread):
    """Renews one claim's leases every RENEW_EVERY while the worker is alive, with its own session."""

    def __init__(self, app, token, held_since, every=None):
        super().__init__(name="outbox-lease", daemon=True)
        self.app, self.token, self.held_since = app, token, held_since
        self.every = every
        self.done = threading.Event()

    def run(self):
        while not self.done.wait((self.every or RENEW_EVERY).total_seconds()):
            with self.app.app_context():
                try:
                    renew_leases(self.token, self.held_since)
                except Exception:  # the next renewal tries again; the lease covers a missed one
                    db.session.rollback()
                    self.app.logger.exception("outbox lease renewal failed")
                finally:
                    db.session.remove()

    def stop(self):
        self.done.set()


def held_rows(limit=BATCH):
    """Claim a batch and yield each row only once its lease is renewed for the send; a live claim is kept alive."""
    token = new_claim_token()
    held_since = lease_clock()
    rows = claim_batch(limit, token)
    if not rows:
        return
    keeper = LeaseKeeper(current_app._get_current_object(), token, held_since)
    keeper.start()
    try:
        for row in rows:
            row_id = row.id
            if renew_leases(token, held_since, row_id=row_id) == 1:
                yield row
            else:
                current_app.logger.warning("outbox email %s was taken over by another worker; not sending", row_id)
    finally:
        keeper.stop()


def send_pending(limit=BATCH):
    """Deliver one batch; returns (sent, failed, dropped) counts. A batch of only dropped rows
    (their recipients may no longer see the case) is still progress: the next batch may send."""
    sent = failed = dropped = 0
    for row in held_rows(limit):
        if withhold_if_access_ended(row):  # the recipient may no longer see the case: "dropped"
            db.session.commit()
            dropped += 1
            continue
        try:
            deliver(row)
        except Exception as exc:  # any delivery failure is recorded and retried
            _record_failure(row, exc)
            failed += 1
        else:
            row.status = "sent"
            row.sent_at = utcnow()
            row.locked_until = None
            row.last_error = None
            sent += 1
        row.attempts += 1
        db.session.commit()
    return sent, failed, dropped


def send_all(max_batches=1000):
    """Drain everything due now (CLI one-shot and tests); returns (sent, failed)."""
    total_sent = total_failed = 0
    for _ in range(max_batches):
        sent, failed, dropped = send_pending()
        total_sent += sent
        total_failed += failed
        if not (sent or failed or dropped):
            break
    return total_sent, total_failed


def _record_failure(row, exc):
    row.last_error = f"{type(exc).__name__}: {exc}"[:2000]
    row.locked_until = None
    give_up = current_app.config["MAIL_GIVE_UP_AFTER"]
    if utcnow() - (row.retried_at or row.created_at) > give_up:
        row.status = "failed"
        current_app.logger.error("outbox email %s given up: %s", row.id, row.last_error)
    else:
        row.status = "pending"
        row.next_attempt_at = utcnow() + backoff(row.attempts + 1)
        current_app.logger.warning("outbox email %s failed, retrying later: %s", row.id, row.last_error)


def retry_now(row):
    """Staff asked to try a pending or failed email again at once (not a sent or dropped one, nor
    one a live worker holds)."""
    if row.status in ("sent", "dropped") or is_held(row):
        return False
    row.status = "pending"
    row.next_attempt_at = utcnow()
    row.locked_until = None
    row.retried_at = utcnow()
    return True


def build_message(row):
    msg = MailMessage(
        subject=row.subject,
        recipients=list(row.recipients),
        body=row.body_text,
        html=row.body_html,
        sender=current_app.config["MAIL_DEFAULT_SENDER"],
    )
    headers = dict(row.headers or {})
    msg.msgId = headers.pop("Message-ID", None) or msg.msgId
    reply_to = headers.pop("Reply-To", None)
    if reply_to:
        msg.reply_to = reply_to
    msg.extra_headers = headers
    for filename, content_type, data in attachments_for(row):
        msg.attach(filename, content_type, data)
    if msg.has_bad_headers():  # rows are cleaned when queued; this is the last line of defence
        raise ValueError("refusing to send an email with a line break in a header")
    return msg


def _smtp_state():
    """Flask-Mail settings read from the config now (tests and workers may change them)."""
    state = mail.init_mail(current_app.config)
    state.suppress = bool(current_app.config.get("MAIL_SUPPRESS_SEND", False))
    return state


def deliver(row):
    msg = build_message(row)
    if current_app.config.get("MAIL_SERVER"):
        with Connection(_smtp_state()) as connection:
            connection.send(msg)
    else:
        capture(row, msg)


def capture(row, msg):
    """Write the message as an .eml file under the instance folder."""
    folder = Path(current_app.config["MAIL_CAPTURE_DIR"])
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{row.id:08d}.eml"
    tmp = path.with_suffix(".tmp")
    tmp.write_bytes(msg.as_bytes())
    tmp.replace(path)


def start_background_sender(app, interval=2.0):
    """Embedded default: a daemon thread in the web process drains the outbox."""
    stop = threading.Event()

    def run():
        while not stop.wait(interval):
            with app.app_context():
                try:
                    send_pending()
                except Exception:  # keep the thread alive; the row stays queued
                    db.session.rollback()
                    app.logger.exception("outbox sender failed")
                finally:
                    db.session.remove()

    thread = threading.Thread(target=run, name="outbox-sender", daemon=True)
    thread.start()
    return stop


__all__ = [
    "claim_batch",
    "held_rows",
    "renew_leases",
    "retry_now",
    "send_all",
    "send_pending",
    "start_background_sender",
]

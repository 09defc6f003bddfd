"""The outbox worker: deliver pending emails with retries and back-off.

With MAIL_SERVER unset, mail is captured as .eml files in the instance folder.

Several workers may run at once (on several hosts). A row is claimed with a
lease (status "sending", locked_until) by a conditional UPDATE that only
succeeds while nobody else holds a live lease, checked by its rowcount; on
PostgreSQL the candidate rows are also read with FOR UPDATE SKIP LOCKED so
workers do not even queue behind each other. Only the worker whose claim
succeeded sends, so a message is never sent twice by two workers.

A worker that dies after the SMTP server accepted a message but before it
recorded "sent" leaves the row leased; once the lease ends it is sent again.
That is the one duplicate an outbox cannot rule out (at-least-once); the
Message-ID is stored with the row, so the copy has the same id and mail
clients show one message.
"""

import threading
from datetime import timedelta
from pathlib import Path

from flask import current_app
from flask_mail import Connection
from flask_mail import Message as MailMessage
from sqlalchemy import or_, select, update

from askiso.core.timeutil import utcnow
from askiso.extensions import db, mail
from askiso.mail.case_mail import withhold_if_access_ended
from askiso.mail.models import OutboxEmail

LEASE = timedelta(minutes=5)
BATCH = 20


def backoff(attempts):
    """Growing delay between attempts: 30 s, 1 min, 2 min, ... capped at 1 h."""
    return timedelta(seconds=min(30 * 2 ** max(attempts - 1, 0), 3600))


def _claimable(now):
    return (
        OutboxEmail.status.in_(("pending", "sending")),
        OutboxEmail.next_attempt_at <= now,
        or_(OutboxEmail.locked_until.is_(None), OutboxEmail.locked_until < now),
    )


def claim_batch(limit=BATCH):
    """Lease up to `limit` due rows to this worker; returns the rows it won."""
    now = utcnow()
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
            .values(status="sending", locked_until=now + LEASE)
            .execution_options(synchronize_session=False)
        )
        if result.rowcount == 1:
            won.append(row_id)
    db.session.commit()
    if not won:
        return []
    return list(db.session.scalars(select(OutboxEmail).where(OutboxEmail.id.in_(won)).order_by(OutboxEmail.id)))


def send_pending(limit=BATCH):
    """Deliver one batch; returns (sent, failed) counts."""
    sent = failed = 0
    for row in claim_batch(limit):
        if withhold_if_access_ended(row):  # the recipient may no longer see the case: "dropped"
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
    return sent, failed


def send_all(max_batches=1000):
    """Drain everything due now (CLI one-shot and tests); returns (sent, failed)."""
    total_sent = total_failed = 0
    for _ in range(max_batches):
        sent, failed = send_pending()
        total_sent += sent
        total_failed += failed
        if not sent and not failed:
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
    """Staff asked to try a pending or failed email again at once (never a sent or dropped one)."""
    if row.status in ("sent", "dropped"):
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


__all__ = ["claim_batch", "retry_now", "send_all", "send_pending", "start_background_sender"]

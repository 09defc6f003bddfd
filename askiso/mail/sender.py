"""The outbox worker: deliver pending emails with retries and back-off.

With MAIL_SERVER unset, mail is captured as .eml files in the instance folder.
Rows are claimed with a lease (locked_until) so several workers never send the
same message twice; on PostgreSQL the claim uses FOR UPDATE SKIP LOCKED.
"""

import threading
from datetime import timedelta
from pathlib import Path

from flask import current_app
from flask_mail import Message as MailMessage
from sqlalchemy import or_, select

from askiso.core.timeutil import utcnow
from askiso.extensions import db, mail
from askiso.mail.models import OutboxEmail

LEASE = timedelta(minutes=5)
BATCH = 20


def backoff(attempts):
    """Growing delay between attempts: 30 s, 1 min, 2 min, ... capped at 1 h."""
    return timedelta(seconds=min(30 * 2 ** max(attempts - 1, 0), 3600))


def claim_batch(limit=BATCH):
    """Lease up to `limit` due rows to this worker and commit the lease."""
    now = utcnow()
    stmt = (
        select(OutboxEmail)
        .where(
            OutboxEmail.status.in_(("pending", "sending")),
            OutboxEmail.next_attempt_at <= now,
            or_(OutboxEmail.locked_until.is_(None), OutboxEmail.locked_until < now),
        )
        .order_by(OutboxEmail.next_attempt_at, OutboxEmail.id)
        .limit(limit)
    )
    if db.engine.dialect.name == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True)
    rows = db.session.scalars(stmt).all()
    for row in rows:
        row.status = "sending"
        row.locked_until = now + LEASE
    db.session.commit()
    return rows


def send_pending(limit=BATCH):
    """Deliver one batch; returns (sent, failed) counts."""
    sent = failed = 0
    for row in claim_batch(limit):
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


def _record_failure(row, exc):
    row.last_error = f"{type(exc).__name__}: {exc}"[:2000]
    row.locked_until = None
    give_up = current_app.config["MAIL_GIVE_UP_AFTER"]
    if utcnow() - row.created_at > give_up:
        row.status = "failed"
    else:
        row.status = "pending"
        row.next_attempt_at = utcnow() + backoff(row.attempts + 1)


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
    return msg


def deliver(row):
    msg = build_message(row)
    if current_app.config.get("MAIL_SERVER"):
        mail.send(msg)
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


__all__ = ["send_pending", "start_background_sender"]

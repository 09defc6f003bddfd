"""Reminders of outstanding obligations: each reminder point sent once, however many runners.

`flask --app wsgi obligations remind` (cron on every host, or the embedded
default's background thread) marks obligations past their due time overdue and
sends every reminder that is due. A reminder is one ObligationReminder row,
unique on (obligation participant, point), inserted in a savepoint of the same
transaction as its outbox emails: a second runner that reaches the same
reminder fails that insert (on PostgreSQL it waits for the first runner's
commit, then fails; on SQLite the savepoint takes the write lock first) and
sends nothing. Emails go out through the outbox (askiso/mail) after commit.

Reminder points: "<N>d" for each of the obligation's reminder days before the
due time, "overdue" once after it passes, "now-<time>" for staff's "remind
now". Only the latest point that has passed is sent: an obligation created
ten days before its due time sends its "14d" reminder once, not also "30d".
"""

import threading
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from askiso.auth.invitations import external_link
from askiso.auth.models import User
from askiso.cams.models import Membership
from askiso.core.formatting import format_local
from askiso.core.timeutil import utcnow
from askiso.extensions import db
from askiso.mail.services import queue_email
from askiso.obligations.models import OUTSTANDING, Obligation, ObligationParticipant, ObligationReminder
from askiso.staff.sla import describe_due

OVERDUE = "overdue"


@dataclass
class RemindResult:
    overdue: int = 0
    sent: list = field(default_factory=list)  # (participant code, point)


def due_point(obligation, now):
    """The reminder point an outstanding participant of this obligation is at now, or None."""
    if now >= obligation.due_at:
        return OVERDUE if obligation.remind_when_overdue else None
    passed = [d for d in obligation.reminder_days or () if now >= obligation.due_at - timedelta(days=d)]
    return f"{min(passed)}d" if passed else None


def mark_overdue(now=None):
    """Open and returned participants of obligations past their due time become overdue; returns how many."""
    now = now or utcnow()
    past_due = select(Obligation.id).where(Obligation.due_at <= now)
    result = db.session.execute(
        update(ObligationParticipant)
        .where(ObligationParticipant.state.in_(("open", "returned")),
               ObligationParticipant.obligation_id.in_(past_due))
        .values(state="overdue", overdue_at=now)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount or 0


def due_reminders(now=None):
    """(row id, point) of every outstanding participant whose current point has not been sent yet."""
    now = now or utcnow()
    rows = db.session.execute(
        select(ObligationParticipant.id, Obligation)
        .join(Obligation, Obligation.id == ObligationParticipant.obligation_id)
        .where(ObligationParticipant.state.in_(OUTSTANDING))
        .order_by(Obligation.due_at, ObligationParticipant.id)
    ).all()
    if not rows:
        return []
    done = set(db.session.execute(
        select(ObligationReminder.obligation_participant_id, ObligationReminder.point)
        .where(ObligationReminder.obligation_participant_id.in_([r[0] for r in rows]))
    ).tuples())
    due = []
    for row_id, obligation in rows:
        point = due_point(obligation, now)
        if point is not None and (row_id, point) not in done:
            due.append((row_id, point))
    return due


def send_reminder(row_id, point, now=None):
    """Record one reminder and queue its emails in the caller's transaction.

    Returns the ObligationReminder, or None when it was already sent (by this
    or another runner) or the participant is no longer outstanding.
    """
    now = now or utcnow()
    savepoint = db.session.begin_nested()
    row = db.session.get(ObligationParticipant, row_id, populate_existing=True)
    if row is None or row.state not in OUTSTANDING:
        savepoint.rollback()
        return None
    reminder = ObligationReminder(obligation_participant_id=row.id, point=point, sent_at=now)
    db.session.add(reminder)
    try:
        db.session.flush()
    except IntegrityError:
        savepoint.rollback()
        return None
    savepoint.commit()
    recipients = reminder_recipients(row.participant_id)
    queue_email(
        "obligation_reminder", recipients, _subject(row, point), "obligation_reminder",
        row=row, obligation=row.obligation, participant=row.participant, point=point,
        due_local=format_local(row.obligation.due_at), countdown=describe_due(row.obligation.due_at, now),
        file_url=file_url(row),
    )
    reminder.recipient_count = len(recipients)
    row.last_reminder_at = now
    db.session.flush()
    return reminder


def _subject(row, point):
    obligation = row.obligation
    if point == OVERDUE:
        return f"Overdue: {obligation.name} ({row.participant.code})"
    return f"Reminder: {obligation.name} due {format_local(obligation.due_at, '%b %d, %Y')} ({row.participant.code})"


def file_url(row):
    """The new-case form of the obligation's request type, for this participant."""
    return external_link("cases.new", type=row.obligation.request_type.key, participant=row.participant_id)


def run_reminders(now=None):
    """Mark overdue, then send every due reminder, one commit per reminder (the CLI and the background loop)."""
    now = now or utcnow()
    result = RemindResult(overdue=mark_overdue(now))
    due = due_reminders(now)
    db.session.commit()  # end the read: each reminder takes the write lock in its own transaction
    for row_id, point in due:
        reminder = send_reminder(row_id, point, now)
        if reminder is not None:
            result.sent.append((db.session.get(ObligationParticipant, row_id).participant.code, point))
        db.session.commit()
    return result


def remind_now(actor, rows, now=None):
    """Staff's "remind now": one reminder to each outstanding participant in `rows`; returns how many."""
    from askiso.audit.services import record

    now = now or utcnow()
    point = "now-" + now.strftime("%Y%m%dT%H%M%S")
    sent = [row for row in rows if send_reminder(row.id, point, now) is not None]
    for row in sent:
        record("obligation.reminded", actor, participant=row.participant, obligation=row.obligation_id)
    return len(sent)


def notify_returned(row):
    """Email the returned filing's reason to the participant's SAs and External Managers."""
    queue_email(
        "obligation_returned", reminder_recipients(row.participant_id),
        f"Returned: {row.obligation.name} ({row.participant.code})", "obligation_returned",
        row=row, obligation=row.obligation, participant=row.participant,
        due_local=format_local(row.obligation.due_at), file_url=file_url(row),
    )


def run_once(app):
    """One round of the background thread, in its own app context; a failure is logged, never raised."""
    with app.app_context():
        try:
            return run_reminders()
        except Exception:  # keep the thread alive; the next round tries again
            db.session.rollback()
            app.logger.exception("obligation reminders failed")
            return None
        finally:
            db.session.remove()


def start_background_reminders(app, interval=300.0):
    """Embedded default: a daemon thread in the web process runs the reminders every `interval` seconds."""
    stop = threading.Event()

    def run():
        while not stop.wait(interval):
            run_once(app)

    thread = threading.Thread(target=run, name="obligation-reminders", daemon=True)
    thread.start()
    return stop


# ---------------------------------------------------------------- who is told


def reminder_recipients(participant_id):
    """Emails of the participant's Security Administrators and External Managers (active memberships and accounts)."""
    return list(db.session.scalars(
        select(User.email)
        .join(Membership, Membership.user_id == User.id)
        .where(
            Membership.participant_id == participant_id,
            Membership.is_active.is_(True),
            (Membership.is_security_admin.is_(True)) | (Membership.is_external_manager.is_(True)),
            User.is_active.is_(True),
        )
        .order_by(User.email)
        .distinct()
    ))

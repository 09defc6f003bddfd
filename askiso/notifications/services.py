"""Telling people about a case: an in-app notice and an email each, as they chose.

`notify` is the one way a notice is made. It keeps only the people who may see
the case now (askiso/visibility.py, `case_mail_recipients`, the rule of every
case email), never the person who acted, then writes all the notices in one
INSERT and queues the emails through askiso/mail/case_mail.py
(`queue_case_email`, which asks the rule again, as does the outbox worker).
Internal-note text is never put in a notice or its email.
"""

from sqlalchemy import func, insert, select, update

from askiso.core.timeutil import utcnow
from askiso.extensions import db
from askiso.mail.case_mail import queue_case_email
from askiso.mail.preferences import wants
from askiso.notifications.kinds import KINDS, has_channel, preference_key
from askiso.notifications.models import Notification
from askiso.visibility import case_mail_recipients


def notify(kind, case, people, summary, *, actor=None, message=None, at=None, suppressed=None):
    """Tell `people` (accounts) of `case`; returns (people noticed in the app, people emailed).

    `at`: the notices' time (default now). `suppressed`: the addresses among them that said
    "stop", when the caller read them with the people (otherwise they are looked up)."""
    for_staff = KINDS[kind].for_staff
    candidates = [
        p
        for p in people
        if p is not None
        and p.is_active
        and bool(p.is_staff) == for_staff
        and (actor is None or actor.id is None or p.id != actor.id)
    ]
    # Asked first so that queue_case_email's own asking is answered from this request's cache.
    allowed = case_mail_recipients(case, candidates)
    emailed = [p for p in allowed if has_channel(kind, "email") and wants(p, preference_key("email", kind))]
    if emailed:
        body = message.body if message is not None and not message.is_internal else None
        queue_case_email(
            f"notice_{kind}",
            case,
            emailed,
            f"[{case.number}] {summary}: {case.subject}",
            "notification",
            exclude=actor if actor is not None and actor.id is not None else None,
            summary=summary,
            body=body,
            case_path=("/staff/cases/" if for_staff else "/cases/") + case.number,
            suppressed=suppressed,
        )
    noticed = [p for p in allowed if wants(p, preference_key("app", kind))]
    if noticed:
        now = at or utcnow()
        db.session.execute(
            insert(Notification),
            [
                {"user_id": p.id, "case_id": case.id, "kind": kind, "summary": summary[:300], "created_at": now}
                for p in noticed
            ],
        )
    return noticed, emailed


def mark_read(user, notification_id):
    """Mark one of the person's notices read (True when it was theirs)."""
    result = db.session.execute(
        update(Notification)
        .where(Notification.id == notification_id, Notification.user_id == user.id)
        .values(read_at=func.coalesce(Notification.read_at, utcnow()))
        .execution_options(synchronize_session=False)
    )
    return result.rowcount > 0


def mark_all_read(user):
    """Mark every unread notice of the person read; returns how many."""
    result = db.session.execute(
        update(Notification)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return result.rowcount


def notice_of(user, notification_id):
    """The person's own notice by id, or None (someone else's is None too)."""
    return db.session.scalar(
        select(Notification).where(Notification.id == notification_id, Notification.user_id == user.id)
    )

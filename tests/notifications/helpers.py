"""Helpers for the notification tests: queue members, notices and outbox rows by person."""

from sqlalchemy import select

from askiso.cases.models import Queue, QueueMember, RequestType
from askiso.extensions import db
from askiso.mail.models import OutboxEmail
from askiso.notifications.models import Notification
from tests.cases.helpers import new_case  # noqa: F401


def queue_of(request_type="general_question"):
    return db.session.scalar(
        select(Queue).join(RequestType, RequestType.queue_id == Queue.id).where(RequestType.key == request_type)
    )


def join_queue(user, request_type="general_question"):
    queue = queue_of(request_type)
    db.session.add(QueueMember(queue_id=queue.id, user_id=user.id))
    db.session.commit()
    return queue


def notices(user=None, kind=None):
    stmt = select(Notification).order_by(Notification.id)
    if user is not None:
        stmt = stmt.where(Notification.user_id == user.id)
    if kind is not None:
        stmt = stmt.where(Notification.kind == kind)
    return db.session.scalars(stmt).all()


def mails(user=None, kind=None):
    stmt = select(OutboxEmail).order_by(OutboxEmail.id)
    if kind is not None:
        stmt = stmt.where(OutboxEmail.kind == kind)
    rows = db.session.scalars(stmt).all()
    return [r for r in rows if user is None or r.recipient_user_id == user.id]


def kinds_of(user):
    return [n.kind for n in notices(user)]

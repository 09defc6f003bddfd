"""Receivers of the case signals (askiso/cases/signals.py) that make notices.

They run inside the case service's transaction, so the pages, the API and
incoming email all notify alike. Each asks for its recipients in one query
and writes its notices in one INSERT (askiso/notifications/services.py).
"""

import re

from sqlalchemy import exists, func, or_, select

from askiso.auth.models import User
from askiso.cases import signals
from askiso.cases.models import CaseContact, Queue, QueueMember
from askiso.extensions import db
from askiso.mail.suppression import EmailSuppression
from askiso.notifications.services import notify

# "@morgan.agent", "@agent2" (an email's local part), "@MorganAgent": see docs/notifications.md.
MENTION = re.compile(r"(?<![\w@.])@([A-Za-z0-9][A-Za-z0-9._-]{0,79})")


def _name_of(actor, message=None):
    if actor is not None and getattr(actor, "name", None):
        return actor.name
    return (getattr(message, "author_name", None) or "Someone").strip()


def _queue_members(queue_id):
    return User.id.in_(select(QueueMember.user_id).where(QueueMember.queue_id == queue_id))


def _active(*conditions):
    return select(User).where(User.is_active.is_(True), or_(*conditions)).order_by(User.id)


def _followers(case):
    """The case's submitter and contacts (notify keeps those who may see the case now)."""
    return or_(
        User.id == case.submitter_id,
        User.id.in_(select(CaseContact.user_id).where(CaseContact.case_id == case.id)),
    )


def _stopped():
    """Whether the person's address said "stop" (askiso/mail/suppression.py): read with the
    recipients, so that their emails need no query of their own."""
    return exists().where(EmailSuppression.email == func.lower(User.email)).label("stopped")


def _stopped_addresses(rows):
    return {row.User.email.lower() for row in rows if row.stopped}


@signals.case_created.connect
def on_case_created(case, actor=None, **_):
    """A new case: everyone of its queue hears of it (the queue's name read with them)."""
    queue_name = select(Queue.name).where(Queue.id == case.queue_id).scalar_subquery().label("queue_name")
    rows = db.session.execute(
        select(User, _stopped(), queue_name)
        .where(User.is_active.is_(True), _queue_members(case.queue_id))
        .order_by(User.id)
    ).all()
    if not rows:
        return
    summary = f"New case in {rows[0].queue_name or 'your queue'}"
    notify("new_case", case, [row.User for row in rows], summary, actor=actor, suppressed=_stopped_addresses(rows))


@signals.message_added.connect
def on_message_added(case, actor=None, message=None, **_):
    if message is None:
        return
    if message.is_internal:
        _tell_mentioned(case, actor, message)
    elif actor is None or not actor.is_staff:
        _tell_of_outside_reply(case, actor, message)
    else:
        _tell_of_support_reply(case, actor, message)


def _tell_of_outside_reply(case, actor, message):
    """A participant's reply: the assignee (or, unassigned, the queue) and the case's other followers."""
    staff_side = User.id == case.assignee_id if case.assignee_id is not None else _queue_members(case.queue_id)
    followers = _followers(case)
    rows = db.session.execute(
        select(User, staff_side.label("staff_side"), followers.label("follower"), _stopped())
        .where(User.is_active.is_(True), or_(staff_side, followers))
        .order_by(User.id)
    ).all()
    summary = f"{_name_of(actor, message)} replied"
    stopped = _stopped_addresses(rows)
    notify(
        "participant_reply",
        case,
        [u for u, staff, _, _ in rows if staff and u.is_staff],
        summary,
        actor=actor,
        message=message,
        suppressed=stopped,
    )
    if actor is not None:  # a reply by tracking link has no account to tell the followers apart from
        notify(
            "colleague_reply",
            case,
            [u for u, _, follower, _ in rows if follower and not u.is_staff],
            summary,
            actor=actor,
            message=message,
            suppressed=stopped,
        )


# ---------------------------------------------------------------- Participant Support to participants

_STATUS_WORDS = {"waiting": "is waiting for your answer", "resolved": "resolved the case"}
_HELD_REPLY, _HELD_STATUS = __name__ + ".reply", __name__ + ".status"


def _support(actor):
    return f"{_name_of(actor)} (ISO support)"


def _tell_of_support_reply(case, actor, message):
    """A staff member's public reply: the case's participant followers hear of it in the app (the
    email is the case email, askiso/mail/notify.py); at the end of the submit when it is one
    (cases.signals.one_submit), so that "reply and set Waiting" is one notice."""
    held = signals.held_for(case)
    if held is not None:
        held[_HELD_REPLY] = (actor, message)
        return
    _tell_support(case, actor, message, None)


@signals.status_changed.connect
def on_status_changed(case, actor=None, new_status=None, **_):
    """Participant Support sets a case Waiting (an answer is needed) or Resolved: its followers hear
    of it (with the reply of the same submit, when there is one)."""
    if actor is None or not actor.is_staff:
        return
    held = signals.held_for(case)
    if held is not None:
        held[_HELD_STATUS] = (actor, new_status)
    elif new_status in _STATUS_WORDS:
        _tell_support(case, actor, None, new_status)


@signals.submit_done.connect
def _tell_held(case, held=None, **_):
    reply, status = (held or {}).get(_HELD_REPLY), (held or {}).get(_HELD_STATUS)
    new_status = status[1] if status is not None and status[1] in _STATUS_WORDS else None
    if reply is not None:
        _tell_support(case, *reply, new_status)
    elif new_status is not None:
        _tell_support(case, status[0], None, new_status)


def _tell_support(case, actor, message, new_status):
    """One notice per follower: the reply (saying the new status too), or the new status alone to
    those not told of the reply (none was made, or they want no reply notices)."""
    followers = db.session.scalars(_active(_followers(case))).all()
    words = _STATUS_WORDS.get(new_status)
    told = []
    if message is not None:
        summary = f"{_support(actor)} replied" + (f" and {words}" if words else "")
        told, _ = notify("support_reply", case, followers, summary, actor=actor, message=message,
                         at=message.created_at)
    if words:
        told_ids = {p.id for p in told}
        notify("support_status", case, [p for p in followers if p.id not in told_ids],
               f"{_support(actor)} {words}", actor=actor)


# ---------------------------------------------------------------- mentions


def mentioned_handles(text):
    """The @handles in a text, lower-cased, once each."""
    return list(dict.fromkeys(h.rstrip(".-_").lower() for h in MENTION.findall(text or "")))


def _handles_of(user):
    name = (user.name or "").lower()
    return {
        (user.email or "").split("@")[0].lower(),
        name.replace(" ", ""),
        name.replace(" ", "."),
        name.replace(" ", "_"),
        name.replace(" ", "-"),
        (user.email or "").lower(),
    }


def _tell_mentioned(case, actor, message):
    """Staff named with @ in an internal note (staff only: internal notes are never for others)."""
    handles = set(mentioned_handles(message.body))
    if not handles:
        return
    staff = db.session.scalars(_active(User.staff_role.isnot(None))).all()
    mentioned = [u for u in staff if handles & _handles_of(u)]
    if mentioned:
        notify("mention", case, mentioned, f"{_name_of(actor)} mentioned you in an internal note", actor=actor)


@signals.case_changed.connect
def on_case_changed(case, actor=None, changes=None, **_):
    """Assignment to someone: they hear of it (not when they took it themselves). An unassigned
    case moved to another queue is new to that queue."""
    if not changes:
        return
    if "assignee_id" in changes:
        _tell_assignee(case, actor, changes["assignee_id"][1])
    if "queue_id" in changes and case.assignee_id is None:
        members = db.session.scalars(_active(_queue_members(case.queue_id))).all()
        queue = db.session.get(Queue, case.queue_id)
        notify("new_case", case, members, f"{_name_of(actor)} moved the case to {queue.name}", actor=actor)


def _tell_assignee(case, actor, assignee_id):
    if assignee_id is None:
        return
    assignee = db.session.get(User, assignee_id)
    notify("assigned", case, [assignee], f"{_name_of(actor)} assigned the case to you", actor=actor)

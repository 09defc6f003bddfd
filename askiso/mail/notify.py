"""Who gets which case email. Receivers of the case signals; outbox rows only.

- receipt (not optional): the submitter, with the number and received time;
- a staff member's public reply: submitter and contacts ("case_replies");
- waiting, resolved, closed: submitter and contacts ("status_changes");
- one submit of the staff case page (askiso/cases/signals.one_submit) that replies and sets a
  status: one email each, the reply telling the new status (the status email only to those who
  want no replies);
- External Managers who chose "company_cases" get a copy of each of these,
  and a notice of every new case, for the participants they manage.

No internal note content is ever put in an email: receivers look only at
public messages, and mail templates receive the message explicitly.

Every one of them is queued by askiso/mail/case_mail.queue_case_email, which
keeps only the people who may see the case (and the worker asks again).
"""

from sqlalchemy import select

from askiso.auth.models import User
from askiso.cams.models import Membership
from askiso.cases import signals
from askiso.extensions import db
from askiso.mail.case_mail import queue_case_email
from askiso.mail.preferences import wants

NOTIFY_STATUSES = {"waiting", "resolved", "closed"}


def _followers(case):
    people = [case.submitter] if case.submitter is not None else []
    return people + [c.user for c in case.contacts]


def _company_subscribers(case):
    """Active External Managers of the case's participant who want every case email."""
    if case.participant_id is None:
        return []
    managers = db.session.scalars(
        select(User)
        .join(Membership, Membership.user_id == User.id)
        .where(
            Membership.participant_id == case.participant_id,
            Membership.is_active.is_(True),
            Membership.is_external_manager.is_(True),
        )
        .order_by(User.id)
    ).all()
    return [m for m in managers if wants(m, "company_cases")]


def case_recipients(case, pref=None):
    """The people a case's emails are for: its followers (who want `pref`) and subscribed
    managers. Pass them to queue_case_email, which keeps those who may see the case."""
    people = [p for p in _followers(case) if pref is None or wants(p, pref)]
    return people + _company_subscribers(case)


def case_subject(case, text):
    return f"[{case.number}] {text}"


@signals.case_created.connect
def send_receipt(case, actor=None, participant=None, request_type=None, **_):
    """Receipt to the submitter: the case number and the legal received time.

    `participant` and `request_type`: the case's company and request type as
    the submission had them (names, code), which spares reading them again;
    otherwise the case's own.
    """
    company = participant if participant is not None else case.participant
    kind = request_type if request_type is not None else case.request_type
    if case.submitter is not None:
        queue_case_email(
            "case_receipt",
            case,
            [case.submitter],
            case_subject(case, f"Received: {case.subject}"),
            "case_receipt",
            company=company,
            request_type=kind,
        )
    managers = [m for m in _company_subscribers(case) if m.id != case.submitter_id]
    if managers:
        queue_case_email(
            "case_company_new",
            case,
            managers,
            case_subject(case, f"New case: {case.subject}"),
            "case_company_new",
            company=company,
            request_type=kind,
        )


@signals.message_added.connect
def send_public_reply(case, actor=None, message=None, **_):
    """A staff member's public reply goes to the submitter and contacts (at the end of the
    submit, when it is one: see send_held)."""
    if message is None or message.is_internal or actor is None or not actor.is_staff:
        return
    held = signals.held_for(case)
    if held is not None:
        held[__name__ + ".reply"] = (actor, message)
        return
    _send_reply(case, actor, message)


@signals.status_changed.connect
def send_status_change(case, actor=None, old_status=None, new_status=None, reason=None, **_):
    """Waiting, resolution and closure are told to the submitter and contacts."""
    held = signals.held_for(case)
    if held is not None:
        first = held.get(__name__ + ".status")
        held[__name__ + ".status"] = (actor, first[1] if first else old_status, new_status, reason)
        return
    if new_status in NOTIFY_STATUSES:
        _send_status(case, actor, old_status, reason)


@signals.submit_done.connect
def send_held(case, held=None, **_):
    """One submit (a reply and a new status, say) gives each person one email: the reply, which
    tells the new status; the status change alone to those who want no replies."""
    reply, status = (held or {}).get(__name__ + ".reply"), (held or {}).get(__name__ + ".status")
    told = status if status is not None and status[2] in NOTIFY_STATUSES and status[1] != status[2] else None
    emailed = set()
    if reply is not None:
        rows = _send_reply(case, *reply, new_status=told[2] if told else None)
        emailed = {row.recipient_user_id for row in rows}
    if told is not None:
        actor, old_status, _, reason = told
        _send_status(case, actor, old_status, reason, skip=emailed)


def _send_reply(case, actor, message, new_status=None):
    subject = f"New reply ({case.status_label})" if new_status else "New reply"
    return queue_case_email(
        "case_reply",
        case,
        case_recipients(case, pref="case_replies"),
        case_subject(case, f"{subject}: {case.subject}"),
        "case_reply",
        exclude=actor,
        message=message,
        new_status=new_status,
    )


def _send_status(case, actor, old_status, reason, skip=()):
    queue_case_email(
        "case_status",
        case,
        [p for p in case_recipients(case, pref="status_changes") if p.id not in skip],
        case_subject(case, f"{case.status_label}: {case.subject}"),
        "case_status",
        exclude=actor,
        old_status=old_status,
        reason=reason if case.status == "closed" else None,
    )

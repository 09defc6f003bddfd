"""Staff replies and status changes reach inquirers who have no account.

askiso/mail/notify.py mails the submitter account and contacts; an inquiry
without an account has neither, so these receivers mail its InquiryContact.
Each email carries a freshly issued tracking link: the stored links are only
hashes, and a new link per email needs no secret kept anywhere (docs/inquiries.md).
"""

from askiso.cases import signals
from askiso.core.timeutil import utcnow
from askiso.extensions import db
from askiso.inquiries.links import external_url, issue_tracking_link
from askiso.inquiries.models import InquiryContact
from askiso.mail.case_mail import queue_inquirer_email
from askiso.mail.notify import NOTIFY_STATUSES
from askiso.mail.suppression import is_suppressed
from askiso.visibility import inquirer_may_see


def contact_to_notify(case):
    """The inquirer to mail, when the case has no submitter account, their tracking link still
    shows the case (visibility.inquirer_may_see) and mail is not stopped."""
    if case.submitter_id is not None or not inquirer_may_see(case, utcnow()):
        return None
    contact = db.session.get(InquiryContact, case.id)
    if contact is None or is_suppressed(contact.email):
        return None
    return contact


@signals.message_added.connect
def send_inquiry_reply(case, actor=None, message=None, **_):
    """A staff member's public reply goes to the inquirer, with a fresh link (at the end of the
    submit, when it is one: see send_held)."""
    if message is None or message.is_internal or actor is None or not actor.is_staff:
        return
    held = signals.held_for(case)
    if held is not None:
        held[__name__ + ".reply"] = message
        return
    _send_reply(case, message)


@signals.status_changed.connect
def send_inquiry_status(case, actor=None, old_status=None, new_status=None, reason=None, **_):
    """Waiting, resolution and closure are told to the inquirer."""
    held = signals.held_for(case)
    if held is not None:
        first = held.get(__name__ + ".status")
        held[__name__ + ".status"] = (first[0] if first else old_status, new_status, reason)
        return
    if new_status in NOTIFY_STATUSES:
        _send_status(case, reason)


@signals.submit_done.connect
def send_held(case, held=None, **_):
    """One submit that replies and sets a status: one email, the reply telling the new status."""
    reply, status = (held or {}).get(__name__ + ".reply"), (held or {}).get(__name__ + ".status")
    told = status is not None and status[1] in NOTIFY_STATUSES and status[0] != status[1]
    if reply is not None:
        _send_reply(case, reply, new_status=status[1] if told else None)
    elif told:
        _send_status(case, status[2])


def _send_reply(case, message, new_status=None):
    contact = contact_to_notify(case)
    if contact is None:
        return
    subject = f"New reply ({case.status_label})" if new_status else "New reply"
    queue_inquirer_email(
        "inquiry_reply",
        case,
        contact.email,
        f"[{case.number}] {subject}: {case.subject}",
        "inquiry_reply",
        message=message,
        new_status=new_status,
        contact_name=contact.name,
        link=external_url("inquiries.track", token=issue_tracking_link(case, contact.email)),
    )


def _send_status(case, reason):
    contact = contact_to_notify(case)
    if contact is None:
        return
    queue_inquirer_email(
        "inquiry_status",
        case,
        contact.email,
        f"[{case.number}] {case.status_label}: {case.subject}",
        "inquiry_status",
        contact_name=contact.name,
        reason=reason if case.status == "closed" else None,
        link=external_url("inquiries.track", token=issue_tracking_link(case, contact.email)),
    )

"""Who gets which case email. Receivers of the case signals; outbox rows only.

No internal note content is ever put in an email: receivers look only at
public messages, and mail templates receive the message explicitly.
"""

from askiso.cases import signals
from askiso.mail.services import queue_email

NOTIFY_STATUSES = {"waiting", "resolved", "closed"}


def case_recipients(case, exclude=None):
    """Submitter and contacts with an active account, minus `exclude` (a user)."""
    people = []
    if case.submitter is not None:
        people.append(case.submitter)
    people += [c.user for c in case.contacts]
    seen, emails = set(), []
    for person in people:
        if not person.is_active or person.email in seen:
            continue
        if exclude is not None and person.id == exclude.id:
            continue
        seen.add(person.email)
        emails.append(person.email)
    return emails


def case_subject(case, text):
    return f"[{case.number}] {text}"


@signals.case_created.connect
def send_receipt(case, actor=None, **_):
    """Receipt to the submitter: the case number and the legal received time."""
    if case.submitter is None:
        return  # inquiries without an account send their own receipt
    queue_email(
        "case_receipt",
        case.submitter.email,
        case_subject(case, f"Received: {case.subject}"),
        "case_receipt",
        case=case,
    )


@signals.message_added.connect
def send_public_reply(case, actor=None, message=None, **_):
    """A staff member's public reply goes to the submitter and contacts."""
    if message is None or message.is_internal or actor is None or not actor.is_staff:
        return
    recipients = case_recipients(case, exclude=actor)
    if recipients:
        queue_email(
            "case_reply", recipients, case_subject(case, f"New reply: {case.subject}"), "case_reply",
            case=case, message=message,
        )


@signals.status_changed.connect
def send_status_change(case, actor=None, old_status=None, new_status=None, reason=None, **_):
    """Waiting, resolution and closure are told to the submitter and contacts."""
    if new_status not in NOTIFY_STATUSES:
        return
    recipients = case_recipients(case, exclude=actor)
    if recipients:
        queue_email(
            "case_status", recipients, case_subject(case, f"{case.status_label}: {case.subject}"), "case_status",
            case=case, old_status=old_status, reason=reason if new_status == "closed" else None,
        )

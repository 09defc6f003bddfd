"""Inquirers who take an account, and staff linking an inquiry to a participant.

An account owns the inquiries sent from its own (confirmed) address: their
submitter becomes the account, so they appear in its case list. Both sides
proved the address by an emailed link, so no one gains someone else's cases.
"""

from sqlalchemy import select

from askiso.audit.services import record
from askiso.auth import signals, tokens
from askiso.auth.models import user_by_email
from askiso.auth.services import create_user
from askiso.cases.models import Case
from askiso.cases.services import InvalidCase, NotAllowed, update_case
from askiso.core.timeutil import utcnow
from askiso.extensions import db
from askiso.inquiries.links import external_url
from askiso.inquiries.models import InquiryContact
from askiso.mail.services import queue_email
from askiso.visibility import unscoped


def account_for_email(email):
    """The active account that uses this address, if any."""
    user = user_by_email(email)
    return user if user is not None and user.is_active else None


def attach_case(case, user):
    """Make the account the submitter of an account-less inquiry (audited)."""
    if case.submitter_id is not None:
        return False
    update_case(case, None, submitter_id=user.id)
    record("inquiries.attached_to_account", None, case=case, subject_user=user)
    return True


def attach_inquiries_to(user):
    """Every account-less inquiry sent from the account's address joins its list.

    Called when an inquirer creates an account here; account features that
    create or confirm accounts elsewhere may call it too. Returns the count.
    """
    if user is None or not user.is_active:
        return 0
    with unscoped("the inquiries sent from an address join the account that proved it"):
        cases = db.session.scalars(
            select(Case)
            .join(InquiryContact, InquiryContact.case_id == Case.id)
            .where(InquiryContact.email == user.email.lower(), Case.submitter_id.is_(None))
            .order_by(Case.id)
        ).all()
        return sum(attach_case(case, user) for case in cases)


@signals.address_proved.connect
def _attach_when_address_proved(user, **_):
    """Using an emailed link proved the address: the inquiries sent from it join the account."""
    attach_inquiries_to(user)


def request_account(link):
    """Give the inquirer an account for the link's address.

    Returns "created" (new account, set-password link emailed), "resent"
    (account without a password yet: a new link emailed) or "exists".
    The address's inquiries join the account in every case but a switched-off one.
    """
    user = user_by_email(link.email)
    contact = db.session.get(InquiryContact, link.case_id)
    if user is None:
        user = create_user(link.email, contact.name if contact else link.email.split("@")[0])
        outcome = "created"
    elif user.is_active and user.password_hash is None:
        outcome = "resent"
    else:
        outcome = "exists"
    if outcome != "exists":
        _send_set_password(user)
    attach_inquiries_to(user)
    record("inquiries.account_requested", None, subject_user=user, case=link.case_id, outcome=outcome)
    return outcome


def _send_set_password(user):
    token = tokens.issue(user, "set_password")
    hours = int(tokens.PURPOSES["set_password"].total_seconds() // 3600)
    # Kind "set_password": the person asked for it, so it arrives even after "stop".
    queue_email(
        "set_password",
        user.email,
        "Choose your Ask ISO password",
        "inquiry_account",
        user=user,
        link=external_url("auth.set_password", token=token),
        hours=hours,
    )


def link_participant(case, actor, participant):
    """Staff: file a non-participant inquiry under a participant from now on (audited)."""
    if actor is None or not actor.is_staff:
        raise NotAllowed("Only staff can link an inquiry to a participant.")
    if case.participant_id is not None:
        raise InvalidCase({"participant": f"This case already belongs to {case.participant.name}."})
    if participant is None:
        raise InvalidCase({"participant": "No participant has that code. Check the code and try again."})
    if participant.status != "active":
        raise InvalidCase({"participant": f"{participant.name} is {participant.status}: choose an active participant."})
    update_case(case, actor, participant_id=participant.id)
    if case.inquiry_contact is not None:
        # From now on the tracking link shows only what the participant's rule lets the inquirer see.
        case.inquiry_contact.participant_linked_at = utcnow()
    record("inquiries.participant_linked", actor, case=case, participant=participant)
    return case

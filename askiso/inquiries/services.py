"""Public inquiries: submit, confirm the address, then follow by a private link.

Nothing is created and nothing more is mailed until the address is confirmed:
a submission is a PendingInquiry and one "confirm your inquiry" email per
address per 24 hours. The case is numbered and routed when the link is used.
Services flush; the caller commits.
"""

from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.orm import joinedload

from askiso.audit.services import record
from askiso.cases import catalog
from askiso.cases.fields import validate_field_values
from askiso.cases.services import Inquirer, InvalidCase, NewCase, create_case
from askiso.core.timeutil import utcnow
from askiso.core.tokens import hash_token, new_token
from askiso.core.validation import normalized_email_or_error
from askiso.extensions import db
from askiso.inquiries.links import external_url, issue_tracking_link
from askiso.inquiries.models import InquiryContact, PendingInquiry
from askiso.mail.case_mail import queue_inquirer_email
from askiso.mail.services import queue_email
from askiso.mail.suppression import is_suppressed
from askiso.visibility import scoped

CONFIRM_TTL = timedelta(hours=24)
# Submissions kept per unconfirmed address; more are answered alike but not stored.
MAX_PENDING_PER_ADDRESS = 5
NAME_MAX = 200
ORGANIZATION_MAX = 200
SUBJECT_MAX = 200
DESCRIPTION_MAX = 20000


class AddressStopped(Exception):
    """Mail to this address is stopped (suppression list): nothing can be sent."""


@dataclass
class InquirySubmission:
    """What the public form collects."""

    name: str
    email: str
    request_type_key: str
    subject: str
    description: str
    organization: str = ""
    topic_key: str | None = None
    field_values: dict = field(default_factory=dict)


def inquiry_request_types():
    """Active request types open to people who act for no participant."""
    return [t for t in catalog.active_request_types() if t.for_non_participants]


def inquiry_topics():
    return list(catalog.active_topics())


def _request_type(key):
    found = catalog.active_request_type(key)
    return found if found is not None and found.for_non_participants else None


def _topic(key):
    return catalog.active_topic(key)


def _check_text(value, name, label, limit, errors, required=True):
    value = (value or "").strip()
    if required and not value:
        errors[name] = f"Enter {label}."
    elif len(value) > limit:
        errors[name] = f"Use at most {limit:,} characters (you used {len(value):,})."
    return value


def validate_submission(sub):
    """Clean a submission; raises InvalidCase with a message per field."""
    errors = {}
    request_type = _request_type(sub.request_type_key)
    if request_type is None:
        errors["request_type"] = "Choose a request type from the list."
    elif request_type.file_required:
        errors["request_type"] = "This request needs a file: ask for it after your first inquiry is confirmed."
    if sub.topic_key and _topic(sub.topic_key) is None:
        errors["topic"] = "Choose a topic from the list."
    try:
        sub.email = normalized_email_or_error(sub.email)
    except ValueError as exc:
        errors["email"] = f"Enter a valid email address ({exc})"
    sub.name = _check_text(sub.name, "name", "your name", NAME_MAX, errors)
    sub.organization = _check_text(sub.organization, "organization", "", ORGANIZATION_MAX, errors, required=False)
    sub.subject = _check_text(sub.subject, "subject", "a subject", SUBJECT_MAX, errors)
    sub.description = _check_text(sub.description, "description", "a description", DESCRIPTION_MAX, errors)
    if request_type is not None:
        sub.field_values, field_errors = validate_field_values(request_type, sub.field_values)
        errors.update({f"fields.{k}": v for k, v in field_errors.items()})
    if errors:
        raise InvalidCase(errors)
    return sub


def _open_pending(email, now):
    return db.session.scalars(
        select(PendingInquiry)
        .where(PendingInquiry.email == email, PendingInquiry.confirmed_at.is_(None), PendingInquiry.expires_at > now)
        .order_by(PendingInquiry.id)
    ).all()


def submit_inquiry(sub, ip_address=None):
    """Store a submission; email a confirmation link only if none is pending for the address.

    Raises InvalidCase for bad input and AddressStopped when mail to the address
    is stopped. Otherwise the person always gets the same answer.
    """
    validate_submission(sub)
    if is_suppressed(sub.email):
        raise AddressStopped(sub.email)
    now = utcnow()
    pending = _open_pending(sub.email, now)
    if len(pending) >= MAX_PENDING_PER_ADDRESS:
        record("inquiries.submission_dropped", None, email=sub.email, reason="too_many_pending")
        return
    token = None if pending else new_token()
    row = PendingInquiry(
        email=sub.email,
        name=sub.name,
        organization=sub.organization,
        request_type_key=sub.request_type_key,
        topic_key=sub.topic_key or None,
        subject=sub.subject,
        description=sub.description,
        field_values=sub.field_values,
        token_hash=pending[0].token_hash if pending else hash_token(token),
        created_at=now,
        expires_at=pending[0].expires_at if pending else now + CONFIRM_TTL,
        ip_address=(ip_address or "")[:64] or None,
    )
    db.session.add(row)
    db.session.flush()
    record("inquiries.submitted", None, email=sub.email, pending_id=row.id, emailed=token is not None)
    if token is not None:
        _send_confirmation(row, token)


def _send_confirmation(row, token):
    queue_email(
        "inquiry_confirm",
        row.email,
        "Confirm your inquiry to Ask ISO",
        "inquiry_confirm",
        contact_name=row.name,
        link=external_url("inquiries.confirm", token=token),
        hours=int(CONFIRM_TTL.total_seconds() // 3600),
    )


# ---------------------------------------------------------------- confirmation


def pending_for_token(token):
    """Unexpired submissions of a confirmation link, confirmed or not (None: invalid link)."""
    if not token or len(token) > 200:
        return None
    # The confirmation link is its holder's right to the cases it made: loaded with them (a visitor
    # has no account for the visibility guard to scope by).
    rows = db.session.scalars(
        scoped(
            select(PendingInquiry)
            .where(PendingInquiry.token_hash == hash_token(token), PendingInquiry.expires_at > utcnow())
            .order_by(PendingInquiry.id)
            .options(joinedload(PendingInquiry.case))
        )
    ).all()
    return rows or None


def confirm(token):
    """Use a confirmation link: each waiting submission becomes a case.

    Returns [(case, tracking token)] for the cases made now ([] when the link
    was already used), or None when the link is unknown or expired.
    """
    rows = pending_for_token(token)
    if rows is None:
        return None
    made = []
    for row in rows:
        if row.confirmed_at is None and _claim(row):
            made.append(_make_case(row))
    return made


def _claim(row):
    """Conditional update: two simultaneous clicks cannot both create the case."""
    result = db.session.execute(
        update(PendingInquiry)
        .where(PendingInquiry.id == row.id, PendingInquiry.confirmed_at.is_(None))
        .values(confirmed_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(row)
    return result.rowcount == 1


def _make_case(row):
    from askiso.inquiries.accounts import account_for_email, attach_case

    case = create_inquiry_case(row)
    row.case_id = case.id
    token = issue_tracking_link(case, row.email)
    account = account_for_email(row.email)
    if account is not None:
        attach_case(case, account)
    queue_inquirer_email(
        "inquiry_receipt",
        case,
        row.email,
        f"[{case.number}] Received: {case.subject}",
        "inquiry_receipt",
        contact_name=row.name,
        link=external_url("inquiries.track", token=token),
        has_account=account is not None,
    )
    return case, token


def create_inquiry_case(row):
    """File the case of a confirmed submission: no participant, no submitter account
    (askiso.cases.services.create_case with an Inquirer; see docs/inquiries.md)."""
    request_type = _request_type(row.request_type_key)
    if request_type is None:
        raise InvalidCase({"request_type": "This kind of request is no longer offered. Please submit it again."})
    topic = _topic(row.topic_key) if row.topic_key else None
    data = NewCase(
        request_type_key=request_type.key,
        subject=row.subject,
        description=row.description,
        topic_key=topic.key if topic is not None else None,
        field_values=row.field_values or {},
    )

    def add_contact(case):
        db.session.add(InquiryContact(case_id=case.id, name=row.name, email=row.email, organization=row.organization))
        db.session.flush()

    inquirer = Inquirer(row.email, add_contact, audit={"inquiry": True, "email": row.email})
    try:
        return create_case(None, data, inquirer=inquirer)
    except InvalidCase as exc:
        if any(name == "request_type" or name.startswith("fields.") for name in exc.errors):
            raise InvalidCase(
                {"request_type": "This kind of request is no longer offered. Please submit it again."}
            ) from exc
        raise


def purge_expired(now=None):
    """Delete submissions whose confirmation window has passed; returns how many."""
    result = db.session.execute(delete(PendingInquiry).where(PendingInquiry.expires_at <= (now or utcnow())))
    return result.rowcount or 0

"""Incoming mail: every message is stored raw first, then routed.

- a reply (signed token in the recipient address, our case id in
  In-Reply-To/References, or a case number in the subject) from a sender who
  may see and reply to the case becomes a public message on it;
- a new message from a known participant user opens a general-question case
  (one company: at once; several: they choose the company from a link);
- a new message from an unknown address goes to the public inquiry path
  (the sender confirms their address first);
- automatic mail is ignored, a sender who may not act on the case gets a
  polite refusal at most once a day, anything odd is kept for staff review.

This is a worker: `receive` commits (the raw row first, so nothing is lost).
"""

import hashlib
import io
import re
from datetime import timedelta

from flask import current_app
from sqlalchemy import select

from askiso.auth.models import user_by_email
from askiso.cases import rules
from askiso.cases.models import Case
from askiso.cases.services import CaseError, IncomingFile, NewCase, add_message, create_case
from askiso.cases.uploads import UploadError, check_upload
from askiso.core.timeutil import utcnow
from askiso.extensions import db
from askiso.mail.addresses import CASE_NUMBER, case_number_from_token, case_numbers_in_references, tokens_in
from askiso.mail.loops import automatic_reason
from askiso.mail.models import InboundEmail
from askiso.mail.parsing import ParseProblem, parse_headers, parse_message, strip_quoted
from askiso.mail.services import queue_email
from askiso.visibility import all_cases, can_view_case

REFUSAL_INTERVAL = timedelta(days=1)
EMAIL_REQUEST_TYPE = "general_question"


class Refused(Exception):
    """The sender may not do this; `note` is what the polite refusal may say."""

    def __init__(self, reason, note=None, reply=True):
        super().__init__(reason)
        self.note = note
        self.reply = reply


def receive(raw, source="stdin"):
    """Store one raw message, then handle it; returns the InboundEmail row. Never raises for bad mail."""
    limit = current_app.config.get("MAIL_INBOUND_MAX_BYTES", 10 * 1024 * 1024)
    row = InboundEmail(
        source=source[:20], raw=raw[:limit], raw_size=len(raw), is_truncated=len(raw) > limit, status="received"
    )
    db.session.add(row)
    db.session.commit()  # kept before anything else can go wrong
    row_id = row.id
    try:
        handle(row)
        db.session.commit()
    except Exception as exc:  # a bug or a database error: the raw mail stays for review
        db.session.rollback()
        current_app.logger.exception("inbound email %s could not be handled", row_id)
        row = db.session.get(InboundEmail, row_id)
        _mark(row, "review", f"could not be handled: {type(exc).__name__}: {exc}")
        db.session.commit()
    return row


UNAUTHENTICATED = (
    "held for review: the sender address could not be verified (no dmarc=pass from the trusted "
    "receiving server, not sent to a signed reply address); check it is genuine, then accept it"
)


def handle(row, sender_vouched=False):
    """Route one stored message (flushes; the caller commits).

    `sender_vouched`: a staff admin checked that mail held as unauthenticated is genuine
    (/staff/mail/inbound/<id>, "Accept the sender"), so it is routed as if it were.
    """
    sender, subject, message_id = parse_headers(row.raw)
    row.from_address, row.subject, row.message_id = sender[:254] or None, subject or None, message_id or None
    if row.is_truncated:
        return _mark(row, "review", f"larger than the limit: only the first {len(row.raw)} bytes were kept")
    try:
        parsed = parse_message(row.raw)
    except ParseProblem as exc:
        return _mark(row, "review", str(exc))
    reason = automatic_reason(parsed)
    if reason:
        return _mark(row, "ignored", f"automatic mail: {reason}")
    if not parsed.from_address:
        return _mark(row, "review", "no sender address")
    if _duplicate_of(row) is not None:
        return _mark(row, "ignored", f"duplicate of inbound email #{_duplicate_of(row).id}")
    if _fails_authentication(parsed):
        return _mark(row, "refused", "the receiving server says the sender address is forged (DMARC fail)")
    user = user_by_email(parsed.from_address)
    row.user_id = user.id if user is not None else None
    if user is not None and not sender_vouched and not _may_act_as(parsed):
        return _mark(row, "review", UNAUTHENTICATED)
    try:
        case, referenced = _target_case(parsed)
        if referenced:
            return _reply(row, parsed, user, case)
        return _new_mail(row, parsed, user)
    except Refused as exc:
        return _refuse(row, parsed, str(exc), exc.note, exc.reply)


def _mark(row, status, reason=None):
    row.status = status
    row.reason = (reason or "")[:2000] or None
    row.processed_at = utcnow()
    db.session.flush()
    return row


def _duplicate_of(row):
    """An earlier copy of the same message (an MTA retry) that was already acted on."""
    if not row.message_id:
        return None
    return db.session.scalar(
        select(InboundEmail).where(
            InboundEmail.message_id == row.message_id,
            InboundEmail.from_address == row.from_address,
            InboundEmail.id != row.id,
            InboundEmail.status.in_(("processed", "pending")),
        )
    )


def _fails_authentication(parsed):
    """DMARC fail in an Authentication-Results header from our own receiving server."""
    return any("dmarc=fail" in v for v in _trusted_results(parsed))


def _may_act_as(parsed):
    """Whether mail may be posted as the account of its From address without a person checking.

    A From header is easy to forge. With MAIL_REQUIRE_AUTHENTICATED_SENDER (production's default)
    only mail that our trusted receiving server found DMARC-aligned (dmarc=pass) or that was sent
    to a signed reply address (only the recipients of our email know it) is; otherwise any.
    """
    if not current_app.config.get("MAIL_REQUIRE_AUTHENTICATED_SENDER"):
        return True
    return _passes_authentication(parsed) or any(case_number_from_token(t) for t in tokens_in(parsed.recipients))


def _trusted_results(parsed):
    authserv = (current_app.config.get("MAIL_TRUSTED_AUTHSERV_ID") or "").lower()
    if not authserv:
        return []
    return [v for v in parsed.auth_results if v.split(";", 1)[0].strip() == authserv]


def _passes_authentication(parsed):
    """dmarc=pass in the topmost Authentication-Results header from our own receiving server
    (it adds its own on top and must remove any claiming its name, RFC 8601 §5; one further down
    could come from the sender)."""
    ours = _trusted_results(parsed)
    return bool(ours) and _DMARC_PASS.search(ours[0]) is not None


_DMARC_PASS = re.compile(r"(?:^|[;\s])dmarc\s*=\s*pass\b")


def _case_by_number(number):
    """Unscoped lookup (worker): the caller checks visibility for the sender."""
    case = db.session.scalar(all_cases().where(Case.number == number.upper()))
    while case is not None and case.merged_into is not None:
        case = case.merged_into
    return case


def _target_case(parsed):
    """(case or None, whether the message refers to a case at all)."""
    tokens = tokens_in(parsed.recipients)
    for token in tokens:
        number = case_number_from_token(token)
        if number:
            return _case_by_number(number), True
    if tokens:
        raise Refused("the reply address token is not genuine")
    numbers = case_numbers_in_references(parsed.in_reply_to, parsed.references)
    match = CASE_NUMBER.search(parsed.subject)
    if match:
        numbers.append(match.group(1).upper())
    for number in numbers:
        return _case_by_number(number), True
    return None, False


# ---------------------------------------------------------------- replies


def _reply(row, parsed, user, case):
    if user is None or not user.is_active or not can_view_case(user, case):
        raise Refused("the sender may not see that case")
    if not rules.can_reply(user, case):
        raise Refused(
            "the case does not take replies",
            note=f"Case {case.number} is {case.status_label.lower()} or read-only. "
            "Reopen it on its page or open a new case that mentions its number.",
        )
    files, notes = accepted_files(parsed.attachments)
    body = _with_notes(strip_quoted(parsed.text), notes)
    if not body:
        if not files:
            return _mark(row, "review", "the reply has no text")
        body = "(Files sent by email.)"
    try:
        with db.session.begin_nested():
            message = add_message(case, user, body, files=files, source="email")
    except CaseError as exc:
        return _mark(row, "review", f"could not add the reply: {exc}")
    row.case_id, row.case_message_id = case.id, message.id
    return _mark(row, "processed", f"reply added to {case.number}")


def accepted_files(attachments):
    """IncomingFiles for the attachments the upload rules accept, and notes on the others."""
    max_bytes = current_app.config["MAX_FILE_BYTES"]
    files, notes = [], []
    for item in attachments:
        if len(item.data) > max_bytes:
            notes.append(f"“{item.filename}” is larger than {max_bytes // (1024 * 1024)} MB.")
            continue
        try:
            checked = check_upload(item.filename, item.data[:65536])
        except UploadError as exc:
            notes.append(str(exc))
            continue
        files.append(IncomingFile(item.filename, io.BytesIO(item.data), checked=checked))
    return files, notes


def _with_notes(body, notes):
    body = (body or "").strip()
    if not notes:
        return body
    listed = "\n".join(f"- {note}" for note in notes)
    return f"{body}\n\n_Attachments not added:_\n{listed}".strip()


def _refuse(row, parsed, reason, note=None, reply=True):
    """Nothing is added; the sender hears why at most once a day."""
    _mark(row, "refused", reason)
    if not reply or not parsed.from_address:
        return row
    since = utcnow() - REFUSAL_INTERVAL
    recent = db.session.scalar(
        select(InboundEmail.id).where(
            InboundEmail.from_address == parsed.from_address,
            InboundEmail.refusal_sent_at >= since,
        )
    )
    if recent is None:
        queue_email(
            "mail_refusal",
            parsed.from_address,
            "Your email to Ask ISO was not added to a case",
            "mail_refusal",
            their_subject=parsed.subject or "(no subject)",
            note=note,
        )
        row.refusal_sent_at = utcnow()
        db.session.flush()
    return row


# ---------------------------------------------------------------- new cases


def _new_mail(row, parsed, user):
    if user is None:
        return _inquiry(row, parsed)
    if not user.is_active:
        raise Refused("the sender's account is deactivated", reply=False)
    if user.is_staff:
        return _mark(row, "review", "staff cannot open cases by email")
    participants = rules.submittable_participants(user)
    if len(participants) > 1:
        return ask_for_participant(row, user, participants)
    return open_case(row, parsed, user, participants[0].id if participants else None)


def submission_key(row):
    """The same message delivered twice makes one case."""
    basis = f"{row.message_id or row.id}|{row.from_address}"
    return "email-" + hashlib.sha256(basis.encode("utf-8", "replace")).hexdigest()[:58]


def open_case(row, parsed, user, participant_id):
    """File a general question for `user` from the message (flushes)."""
    files, notes = accepted_files(parsed.attachments)
    body = _with_notes(parsed.text.strip(), notes) or ("(Files sent by email.)" if files else "")
    if not body:
        return _mark(row, "review", "the email has no text")
    data = NewCase(
        request_type_key=EMAIL_REQUEST_TYPE,
        subject=(parsed.subject or "Email to Participant Support")[:200],
        description=body,
        participant_id=participant_id,
        files=files,
        source="email",
        submission_key=submission_key(row),
    )
    try:
        with db.session.begin_nested():
            case = create_case(user, data)
    except CaseError as exc:
        return _mark(row, "review", f"could not open a case: {exc}")
    row.case_id = case.id
    return _mark(row, "processed", f"opened case {case.number}")


def ask_for_participant(row, user, participants):
    """Several companies: keep the message and email a link to choose one."""
    base = current_app.config["EXTERNAL_URL"].rstrip("/")
    _mark(row, "pending", "waiting for the sender to choose the company")
    queue_email(
        "mail_choose_participant",
        user.email,
        "Which company is your email to Ask ISO for?",
        "mail_choose_participant",
        user=user,
        inbound=row,
        participants=participants,
        link=f"{base}/mail/choose/{row.id}",
    )
    return row


def _inquiry(row, parsed):
    """Unknown sender: the public inquiry path, which first confirms the address."""
    try:
        from askiso.inquiries.services import AddressStopped, InquirySubmission, submit_inquiry
    except ImportError:
        return _mark(row, "review", "unknown sender (non-participant inquiries by email are not available)")
    text = parsed.text.strip()
    if parsed.attachments:
        text += "\n\n(The email had attachments; they were not taken. Send them once the case is open.)"
    sub = InquirySubmission(
        name=parsed.from_name or parsed.from_address.split("@")[0],
        email=parsed.from_address,
        request_type_key=EMAIL_REQUEST_TYPE,
        subject=(parsed.subject or "Email to Participant Support")[:200],
        description=text.strip(),
    )
    try:
        with db.session.begin_nested():
            submit_inquiry(sub)
    except AddressStopped:
        return _mark(row, "ignored", "unknown sender whose address asked for no more mail")
    except CaseError as exc:
        return _mark(row, "review", f"unknown sender; the inquiry was not accepted: {exc}")
    return _mark(row, "processed", "unknown sender: sent to the public inquiry path (address confirmation)")

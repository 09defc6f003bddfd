"""Case operations: one service layer behind the pages, the API and email.

Services check the acting person's rights, change the rows, add audit events
and send case signals (mail, service levels and search listen); they flush,
the caller commits.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import IO

from flask import current_app
from sqlalchemy import case as sql_case
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.attributes import set_committed_value

from askiso.audit.services import record
from askiso.cases import catalog, rules, signals
from askiso.cases.fields import validate_field_values
from askiso.cases.models import STATUSES, Attachment, Case, CaseContact, Message
from askiso.cases.numbering import next_case_number
from askiso.cases.storage import storage
from askiso.cases.uploads import UploadError, check_upload, format_size
from askiso.core.timeutil import utcnow
from askiso.extensions import db
from askiso.receipts.services import issue_receipt
from askiso.visibility import unscoped

SUBJECT_MAX = 200
BODY_MAX = 50000

# Which status may follow which (DESIGN "Status lifecycle").
TRANSITIONS = {
    "new": {"in_progress", "waiting", "resolved", "closed"},
    "in_progress": {"waiting", "resolved", "closed"},
    "waiting": {"in_progress", "resolved", "closed"},
    "resolved": {"in_progress", "closed"},
    "closed": {"in_progress"},
}


class CaseError(Exception):
    """Base of the errors a case service raises for the person to read."""


class NotAllowed(CaseError):
    pass


class StaleCase(CaseError):
    """The case changed since the page (or API client) last saw it."""


class InvalidCase(CaseError):
    """Bad input: `errors` maps a field name to what to fix."""

    def __init__(self, errors):
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


@dataclass
class IncomingFile:
    """A file to attach: a name and a seekable binary stream."""

    filename: str
    stream: IO[bytes]
    checked: tuple = field(default=())


# ---------------------------------------------------------------- files


def check_files(files, field_name="files"):
    """Validate every file (type, content and size) before any is stored; raises InvalidCase."""
    problems = []
    for incoming in files:
        try:
            incoming.checked = check_one_file(incoming)
        except UploadError as exc:
            problems.append(str(exc))
    if problems:
        raise InvalidCase({field_name: " ".join(problems)})


def check_one_file(incoming):
    """(safe name, content type) of one file, or UploadError saying what is wrong with it."""
    max_bytes = current_app.config["MAX_FILE_BYTES"]
    head = incoming.stream.read(65536)
    incoming.stream.seek(0, 2)
    size = incoming.stream.tell()
    incoming.stream.seek(0)
    checked = check_upload(incoming.filename, head)
    if size > max_bytes:
        raise UploadError(f"“{checked[0]}” is {format_size(size)}; each file can be at most {format_size(max_bytes)}.")
    return checked


def store_files(case, files, actor, message=None, internal=False):
    """Store already-checked files and return their Attachment rows."""
    max_bytes = current_app.config["MAX_FILE_BYTES"]
    # A file is internal when its message is (visibility.PUBLIC_FILE, the one definition).
    internal = bool(internal or (message is not None and message.is_internal))
    rows = []
    for incoming in files:
        name, content_type = incoming.checked or check_upload(incoming.filename, incoming.stream.read(65536))
        incoming.stream.seek(0)
        try:
            stored_name, sha256, size = storage().save(incoming.stream, max_bytes)
        except UploadError as exc:
            raise InvalidCase({"files": f"“{name}”: {exc}"}) from exc
        row = Attachment(
            case_id=case.id,
            message_id=message.id if message is not None else None,
            uploaded_by_id=actor.id if actor is not None else None,
            filename=name,
            stored_name=stored_name,
            sha256=sha256,
            size=size,
            content_type=content_type,
            is_internal=internal,
        )
        db.session.add(row)
        rows.append(row)
    db.session.flush()
    return rows


# ---------------------------------------------------------------- create


@dataclass
class NewCase:
    """What a person submits; the same shape from a page, the API or email."""

    request_type_key: str
    subject: str
    description: str
    participant_id: int | None = None
    topic_key: str | None = None
    field_values: dict = field(default_factory=dict)
    files: list = field(default_factory=list)
    source: str = "web"
    submission_key: str | None = None


def existing_submission(actor, submission_key, submitter=None):
    """The case an earlier identical submission made, if any (idempotency)."""
    owner = submitter or actor
    if not submission_key or owner is None:
        return None
    # The person's own earlier submission, whoever may see it now: callers answer it only through
    # the rule (a former member's replay is "not found", never a second case).
    with unscoped("an earlier submission with the same key, answered only through the rule"):
        return db.session.scalar(
            select(Case).where(Case.submission_key == submission_key, Case.submitter_id == owner.id)
        )


@dataclass
class Inquirer:
    """Who files an inquiry without an account (askiso/inquiries): create_case's actor is None.

    `email` goes into the receipt; `add_contact(case)` files what the inquiries feature keeps
    with the case (the inquirer's contact row), once the case has its id and before its receipt
    and its case_created signal; `audit` is added to the case.created audit event.
    """

    email: str
    add_contact: Callable
    audit: dict = field(default_factory=dict)


def create_case(actor, data, *, submitter=None, key_checked=False, inquirer=None):
    """File a new case for `actor` (or for `submitter` when staff file by proxy, or for an
    `inquirer` without an account, see Inquirer).

    A repeated submission key returns the case the first submission made, also
    when two identical requests race each other (the unique key decides).
    `key_checked`: the caller has just looked for an earlier submission with
    this key in this transaction (a race is still settled by the unique key).
    """
    if (actor is None) != (inquirer is not None):
        raise ValueError("a case is filed by an account (actor) or by an inquirer without one, never both")
    earlier = None if key_checked else existing_submission(actor, data.submission_key, submitter)
    if earlier is not None:
        return earlier
    request_type, participant, topic, values = _validate_new_case(actor, data)
    check_files(data.files)
    now = utcnow()
    case = Case(
        participant_id=participant.id if participant else None,
        submitter_id=(submitter or actor).id if (submitter or actor) else None,
        request_type_id=request_type.id,
        topic_id=topic.id if topic else request_type.default_topic_id,
        subject=data.subject.strip(),
        description=data.description.strip(),
        field_values=values,
        field_revision=request_type.field_revision,  # the revision `values` were checked against
        status="new",
        priority="normal",
        queue_id=request_type.queue_id,
        source=data.source,
        received_at=now,
        created_at=now,
        updated_at=now,
        submission_key=data.submission_key,
    )
    signals.case_receiving.send(case, actor=actor)
    if not _insert_case(case):
        return existing_submission(actor, data.submission_key, submitter)
    if inquirer is not None:
        inquirer.add_contact(case)
    files = store_files(case, data.files, actor)
    issue_receipt(case, files, submitter_email=inquirer.email if inquirer is not None else None)
    record(
        "case.created", actor, case=case, participant=participant, number=case.number, source=data.source,
        **(inquirer.audit if inquirer is not None else {}),
    )
    signals.case_created.send(case, actor=actor, participant=participant, request_type=request_type)
    return case


def _insert_case(case):
    """Number and insert the case; False when a concurrent submission with the same key won."""
    if not case.submission_key:
        case.number = next_case_number(case.received_at.year)
        db.session.add(case)
        db.session.flush()
        return True
    try:
        with db.session.begin_nested():
            case.number = next_case_number(case.received_at.year)
            db.session.add(case)
            db.session.flush()
    except IntegrityError:
        if db.session.scalar(select(Case.id).where(Case.submission_key == case.submission_key)) is None:
            raise
        return False
    return True


def _validate_new_case(actor, data):
    errors = {}
    request_type = catalog.active_request_type(data.request_type_key)
    if request_type is None:
        raise InvalidCase({"request_type": "Choose a request type from the list."})
    participant = _participant_for(actor, data.participant_id, request_type, errors)
    topic = None
    if data.topic_key:
        topic = catalog.active_topic(data.topic_key)
        if topic is None:
            errors["topic"] = "Choose a topic from the list."
    _check_text(data.subject, "subject", SUBJECT_MAX, errors)
    _check_text(data.description, "description", BODY_MAX, errors)
    values, field_errors = validate_field_values(request_type, data.field_values)
    errors.update({f"fields.{k}": v for k, v in field_errors.items()})
    if request_type.file_required and not data.files:
        errors["files"] = f"Attach the file this request needs ({request_type.name})."
    if errors:
        raise InvalidCase(errors)
    return request_type, participant, topic, values


def _participant_for(actor, participant_id, request_type, errors):
    if actor is None:  # an inquiry from someone without an account: general inquiries only
        if participant_id or not (request_type.is_active and request_type.for_non_participants):
            errors["request_type"] = "This kind of request is not open to inquiries."
        return None
    participant = _chosen_participant(actor, participant_id) if participant_id else None
    if participant_id and participant is None:
        errors["participant"] = "Choose one of your companies."
    elif not rules.can_submit_for(actor, participant, request_type):
        inactive = participant is not None and participant.status != "active"
        if inactive and rules.is_active_member(actor, participant.id):
            errors["participant"] = (
                f"{participant.name} is {participant.status}: you can read its cases but not submit new ones."
            )
        elif participant is None and not request_type.for_non_participants:
            errors["participant"] = "Choose the company this request is for."
        else:
            errors["participant"] = "Choose one of your companies."
    return participant


def _chosen_participant(actor, participant_id):
    """The participant a person chose: one of their companies (as their memberships show it); staff
    may name any participant (the rules decide what they may file)."""
    from askiso.cams.models import Participant

    if actor is not None and not actor.is_staff:
        return next((c for c in rules.member_companies(actor) if c.id == participant_id), None)
    return db.session.get(Participant, participant_id)


def _check_text(value, name, limit, errors):
    value = (value or "").strip()
    if not value:
        errors[name] = f"Enter a {name}."
    elif len(value) > limit:
        errors[name] = f"Use at most {limit} characters (you used {len(value)})."


# ---------------------------------------------------------------- messages


def add_message(case, actor, body, *, internal=False, files=(), source="web", author_name=None):
    """Add a public reply or an internal note. Replies always land (no version check)."""
    if actor is not None and not rules.can_reply(actor, case):
        raise NotAllowed("You cannot reply to this case.")
    if internal and (actor is None or not actor.is_staff):
        raise NotAllowed("Only staff can add internal notes.")
    errors = {}
    _check_text(body, "body", BODY_MAX, errors)
    if errors:
        raise InvalidCase({"body": "Write a message." if not (body or "").strip() else errors["body"]})
    files = list(files)
    check_files(files)
    now = utcnow()
    message = Message(
        case_id=case.id,
        author_id=actor.id if actor is not None else None,
        author_name=author_name,
        body=body.strip(),
        is_internal=internal,
        source=source,
        created_at=now,
    )
    db.session.add(message)
    db.session.flush()
    store_files(case, files, actor, message=message, internal=internal)
    old_status = case.status
    _bump_after_message(case, actor, internal, now)
    record("case.note_added" if internal else "case.replied", actor, case=case, message_id=message.id)
    signals.message_added.send(case, actor=actor, message=message)
    if case.status != old_status:
        signals.status_changed.send(case, actor=actor, old_status=old_status, new_status=case.status, reason="reply")
    return message


def _bump_after_message(case, actor, internal, now):
    """Atomic UPDATE so that concurrent replies never conflict with each other."""
    is_staff = actor is not None and actor.is_staff
    values = {"updated_at": now, "version": Case.version + 1}
    if is_staff and not internal:
        values["first_response_at"] = func.coalesce(Case.first_response_at, now)
    if not is_staff and not internal:
        # A participant's reply to Waiting (or Resolved) brings the case back.
        values["status"] = sql_case(
            (Case.status.in_(("waiting", "resolved")), "in_progress"), else_=Case.status
        )
        values["resolved_at"] = sql_case((Case.status == "resolved", None), else_=Case.resolved_at)
    bumped = db.session.execute(
        update(Case)
        .where(Case.id == case.id)
        .values(**values)
        .returning(*_BUMPED)
        .execution_options(synchronize_session=False)
    ).one()
    for column, value in zip(_BUMPED, bumped, strict=True):
        set_committed_value(case, column.key, value)  # the row as the UPDATE left it, without reading it again


_BUMPED = (Case.status, Case.updated_at, Case.version, Case.first_response_at, Case.resolved_at)


# ---------------------------------------------------------------- status


STALE = "This case changed after you opened it. Review the latest version and try again."


def check_version(case, expected_version, message=STALE):
    """Raise StaleCase when the version the person saw (None: not said) is not the case's now."""
    if expected_version is not None and int(expected_version) != case.version:
        raise StaleCase(message)


def change_status(case, actor, new_status, *, reason=None, expected_version=None):
    """Move a case along its lifecycle (staff: any allowed step)."""
    if new_status not in STATUSES:
        raise InvalidCase({"status": "Choose a status from the list."})
    check_version(case, expected_version)
    if new_status == case.status:
        return case
    if new_status not in TRANSITIONS[case.status]:
        raise InvalidCase({"status": f"A {case.status_label} case cannot become that status."})
    if not actor.is_staff:
        _check_participant_status_change(actor, case, new_status)
    old_status = case.status
    now = utcnow()
    case.status = new_status
    case.updated_at = now
    if new_status == "resolved":
        case.resolved_at = now
    elif new_status == "closed":
        case.closed_at = now
        case.close_reason = (reason or "").strip()[:2000] or case.close_reason
    elif old_status in ("resolved", "closed"):
        case.resolved_at = None
        case.closed_at = None
    flush_versioned()
    record("case.status_changed", actor, case=case, before=old_status, after=new_status, reason=reason or "")
    signals.status_changed.send(case, actor=actor, old_status=old_status, new_status=new_status, reason=reason)
    return case


def _check_participant_status_change(actor, case, new_status):
    if new_status == "closed" and rules.can_close(actor, case):
        return
    if new_status == "in_progress" and case.status in ("resolved", "closed"):
        if rules.can_reopen(actor, case):
            return
        raise NotAllowed("This case can no longer be reopened: open a new case and mention its number.")
    raise NotAllowed("You can close this case, or reopen it within 14 days of its resolution.")


def close_case(case, actor, reason, expected_version=None):
    """Close a case with the person's reason."""
    if not (reason or "").strip():
        raise InvalidCase({"reason": "Say why you are closing the case."})
    return change_status(case, actor, "closed", reason=reason, expected_version=expected_version)


def reopen_case(case, actor, reason=None, expected_version=None):
    return change_status(case, actor, "in_progress", reason=reason or "reopened", expected_version=expected_version)


def flush_versioned():
    """Flush the case's changes; StaleCase when someone else changed it at the same moment.

    The session is then unusable until the request's work is discarded: the caller's handler
    does that (askiso/core/unit_of_work.py, discard), never this service."""
    from sqlalchemy.orm.exc import StaleDataError

    try:
        db.session.flush()
    except StaleDataError as exc:
        raise StaleCase("Someone else changed this case at the same moment. Review it and try again.") from exc


def update_case(case, actor, *, expected_version=None, **changes):
    """Staff changes of priority, queue, assignee and the like, audited field by field."""
    check_version(case, expected_version)
    before = {}
    for name, value in changes.items():
        old = getattr(case, name)
        if old != value:
            before[name] = (old, value)
            setattr(case, name, value)
    if not before:
        return case
    case.updated_at = utcnow()
    flush_versioned()
    record(
        "case.updated",
        actor,
        case=case,
        changes={k: [_plain(o), _plain(n)] for k, (o, n) in before.items()},
    )
    signals.case_changed.send(case, actor=actor, changes=before)
    return case


def _plain(value):
    return value if isinstance(value, (str, int, float, bool, type(None))) else str(value)


# ---------------------------------------------------------------- contacts


def add_contact(case, actor, user):
    """Add a colleague of the same participant as a contact."""
    if not rules.can_manage_contacts(actor, case):
        raise NotAllowed("You cannot change the contacts of this case.")
    if not rules.can_be_contact(user, case):
        raise InvalidCase({"email": "Only colleagues of the same company can be added as contacts."})
    if user.id == case.submitter_id or any(c.user_id == user.id for c in case.contacts):
        raise InvalidCase({"email": f"{user.name} already follows this case."})
    contact = CaseContact(case_id=case.id, user_id=user.id, added_by_id=actor.id)
    db.session.add(contact)
    db.session.flush()
    db.session.refresh(case)
    record("case.contact_added", actor, case=case, subject_user=user)
    signals.contact_changed.send(case, actor=actor, user=user, added=True)
    return contact


def remove_contact(case, actor, user_id):
    if not rules.can_manage_contacts(actor, case):
        raise NotAllowed("You cannot change the contacts of this case.")
    contact = db.session.get(CaseContact, (case.id, user_id))
    if contact is None:
        raise InvalidCase({"email": "That person is not a contact on this case."})
    user = contact.user
    db.session.delete(contact)
    db.session.flush()
    db.session.refresh(case)
    record("case.contact_removed", actor, case=case, subject_user=user)
    signals.contact_changed.send(case, actor=actor, user=user, added=False)

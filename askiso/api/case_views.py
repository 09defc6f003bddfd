"""API views for cases: list, submit, read, change, reply.

Each view loads through askiso/visibility.py, acts through the case service
layer (the same validation as the pages) and commits once.
"""

from flask import url_for
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from askiso.api import idempotency
from askiso.api.auth import api_user
from askiso.api.blueprint import bp
from askiso.api.case_search import matching_case_ids
from askiso.api.errors import ApiError, refused
from askiso.api.openapi import operation
from askiso.api.pagination import paginate
from askiso.api.schemas import (
    STAFF_ONLY_CASE_FIELDS,
    AttachmentSchema,
    CaseCreateFormSchema,
    CaseCreateSchema,
    CaseDetailSchema,
    CaseListQuerySchema,
    CaseListSchema,
    CasePatchSchema,
    CaseSchema,
    MessageCreateSchema,
    MessageSchema,
)
from askiso.api.uploads import incoming_files
from askiso.cams.models import Participant
from askiso.cases import services
from askiso.cases.lookup import get_case_or_404
from askiso.cases.models import Case, Message
from askiso.core.unit_of_work import discard
from askiso.extensions import db
from askiso.visibility import can_view_case, visible_attachments, visible_cases, visible_messages

# An id no participant has: an unknown code is then refused by the service
# with the very message it gives for a company the person does not belong to.
UNKNOWN_PARTICIPANT_ID = -1


def dump_case(case, user):
    """A case as the person may see it: public messages and files only for non-staff."""
    out = _case_schema(CaseDetailSchema, user, exclude=("messages", "attachments")).dump(case)
    out["messages"] = _message_schema(user, many=True).dump(db.session.scalars(visible_messages(user, case)))
    out["attachments"] = AttachmentSchema(many=True, exclude=_internal_flag(user)).dump(
        db.session.scalars(visible_attachments(user, case))
    )
    return out


def _internal_flag(user):
    """Whether a message or file is internal is itself staff-only information."""
    return () if user.is_staff else ("internal",)


def _case_schema(schema, user, exclude=(), many=False):
    return schema(many=many, exclude=exclude + (() if user.is_staff else STAFF_ONLY_CASE_FIELDS))


def _message_schema(user, many=False):
    return MessageSchema(many=many, exclude=_internal_flag(user))


@bp.route("/cases", methods=["GET"])
@operation(
    "List the cases you can see",
    tag="cases",
    description="Newest activity first. Follow `next` (pass it as `cursor`) until it is null.",
    query=CaseListQuerySchema,
    responses={200: (CaseListSchema, "A page of cases")},
    errors=(422, 503),
)
def list_cases(query):
    """The person's visible cases, filtered and cursor-paginated."""
    user = api_user()
    filters = {k: query.get(k) for k in ("status", "participant", "q")}
    stmt = visible_cases(user)
    if filters["status"]:
        stmt = stmt.where(Case.status == filters["status"])
    if filters["participant"]:
        codes = select(Participant.id).where(func.upper(Participant.code) == filters["participant"].upper())
        stmt = stmt.where(Case.participant_id.in_(codes))
    if filters["q"] and filters["q"].strip():
        stmt = stmt.where(Case.id.in_(matching_case_ids(user, filters["q"])))
    items, next_cursor = paginate(stmt, cursor=query.get("cursor"), limit=query["limit"], filters=filters)
    return {"items": _case_schema(CaseSchema, user, many=True).dump(items), "next": next_cursor}


@bp.route("/cases", methods=["POST"])
@operation(
    "Submit a case",
    tag="cases",
    description=(
        "Send JSON, or multipart/form-data with the JSON in a `case` part and files in `file` parts "
        "(needed for request types with `file_required`). With an `Idempotency-Key` header, a retry "
        "returns the case the first request made instead of a second one."
    ),
    body=CaseCreateSchema,
    multipart=CaseCreateFormSchema,
    responses={201: (CaseDetailSchema, "The new case (or, for a repeated Idempotency-Key, the earlier one)")},
    errors=(422,),
    idempotent=True,
)
def create_case(body):
    """File a case through the one case service."""
    user = api_user()
    key = idempotency.idempotency_key()
    data = services.NewCase(
        request_type_key=body["request_type"],
        subject=body["subject"],
        description=body["description"],
        participant_id=_participant_id(body["participant"]),
        topic_key=body["topic"],
        field_values=body["field_values"],
        files=incoming_files("file"),
        source="api",
        submission_key=idempotency.case_submission_key(user, key),
    )
    replayed = services.existing_submission(user, data.submission_key) is not None
    try:
        case = services.create_case(user, data)
        db.session.flush()
    except IntegrityError:
        # The same key raced in from a concurrent retry: answer with its case.
        discard("a concurrent retry with the same Idempotency-Key made the case first")
        case, replayed = services.existing_submission(user, data.submission_key), True
        if case is None:
            raise
    if replayed and not can_view_case(user, case):
        # What a fresh request by this person would get: the case does not exist for them.
        raise ApiError(404, "not_found", "What this Idempotency-Key made is no longer visible to you.")
    headers = {"Location": url_for("api.get_case", number=case.number)}
    if replayed:
        headers["Idempotent-Replayed"] = "true"
    return dump_case(case, user), 201, headers


def _participant_id(code):
    if code is None or not code.strip():
        return None
    participant = db.session.scalar(select(Participant).where(func.upper(Participant.code) == code.strip().upper()))
    return participant.id if participant is not None else UNKNOWN_PARTICIPANT_ID


@bp.route("/cases/<number>", methods=["GET"])
@operation(
    "Read a case with its conversation and files",
    tag="cases",
    description="Non-staff see public messages and files only; `internal` appears for staff.",
    responses={200: (CaseDetailSchema, "The case")},
)
def get_case(number):
    user = api_user()
    return dump_case(get_case_or_404(number, user), user)


@bp.route("/cases/<number>", methods=["PATCH"])
@operation(
    "Change a case",
    tag="cases",
    description=(
        "Staff: status, priority, queue, assignee. Participants may only close (status `closed`, "
        "optional `reason`) and reopen (status `in_progress`) their case. Send `version` to be told (409) "
        "when someone changed the case since you read it."
    ),
    body=CasePatchSchema,
    responses={200: (CaseDetailSchema, "The case after the change")},
    errors=(409, 422),
)
def patch_case(number, body):
    user = api_user()
    case = get_case_or_404(number, user)
    version = body.get("version")
    changes = _staff_changes(user, body)
    if changes:
        services.update_case(case, user, expected_version=version, **changes)
        version = None
    if "status" in body:
        services.change_status(case, user, body["status"], reason=body.get("reason"), expected_version=version)
        version = None
    services.check_version(case, version, "This case changed after you read it. Read it again and retry.")
    db.session.flush()
    db.session.expire(case)  # answered as stored: its queue and assignee follow the changed ids
    return dump_case(case, user)


def _staff_changes(user, body):
    """priority/queue/assignee as column changes; only staff may send them."""
    asked = [name for name in ("priority", "queue", "assignee") if name in body]
    if not asked:
        return {}
    if not user.is_staff:
        raise ApiError(403, "forbidden", f"Only ISO staff can change {', '.join(asked)}.")
    changes = {}
    if "priority" in body:
        changes["priority"] = body["priority"]
    if "queue" in body:
        changes["queue_id"] = _queue_id(body["queue"])
    if "assignee" in body:
        changes["assignee_id"] = _assignee_id(body["assignee"])
    return changes


def _queue_id(key):
    from askiso.cases.models import Queue

    queue = db.session.scalar(select(Queue).where(Queue.key == key, Queue.is_active.is_(True)))
    if queue is None:
        raise refused({"queue": "Choose an active queue by its key."})
    return queue.id


def _assignee_id(email):
    from askiso.auth.models import STAFF_ROLES, user_by_email

    if email is None or not email.strip():
        return None
    person = user_by_email(email)
    if person is None or not person.is_active or person.staff_role not in STAFF_ROLES:
        raise refused({"assignee": "Choose an active staff member by email, or null to unassign."})
    return person.id


@bp.route("/cases/<number>/messages", methods=["POST"])
@operation(
    "Reply (staff: or add an internal note)",
    tag="cases",
    description="With an `Idempotency-Key` header, a retry returns the message the first request made.",
    body=MessageCreateSchema,
    responses={201: (MessageSchema, "The new message (or, for a repeated Idempotency-Key, the earlier one)")},
    errors=(422,),
    idempotent=True,
)
def add_message(number, body):
    user = api_user()
    case = get_case_or_404(number, user)
    key = idempotency.idempotency_key()
    replay = idempotency.earlier(user, key)
    if replay is not None:
        return _replayed_message(user, case, replay)
    message = services.add_message(case, user, body["body"], internal=body["internal"], source="api")
    idempotency.remember(user, key, 201, f"message:{message.id}")
    try:
        db.session.flush()
    except IntegrityError:
        discard("a concurrent retry with the same Idempotency-Key made the message first")
        return _replayed_message(user, case, idempotency.earlier(user, key))
    return _message_schema(user).dump(message), 201, {"Location": url_for("api.get_case", number=case.number)}


def _replayed_message(user, case, row):
    message_id = idempotency.resource_id(row, "message") if row is not None else None
    message = db.session.scalar(visible_messages(user, case).where(Message.id == message_id)) if message_id else None
    if message is None:
        raise ApiError(404, "not_found", "What this Idempotency-Key made is no longer visible to you.")
    return _message_schema(user).dump(message), row.response_status, {"Idempotent-Replayed": "true"}

"""Marshmallow schemas: they validate what clients send, shape what the API
returns, and are the source of the OpenAPI document (askiso/api/openapi.py)."""

import re
from datetime import UTC

from flask import url_for
from marshmallow import Schema, ValidationError, fields, validate

from askiso.cases.fields import MAX_TEXTAREA
from askiso.cases.models import PRIORITIES, STATUSES
from askiso.cases.services import BODY_MAX, SUBJECT_MAX
from askiso.cases.uploads import ALLOWED_EXTENSIONS

# What the server refuses in any text it is sent, stated in the document as a
# `pattern` (which, in JSON Schema, is searched for, not matched whole): no NUL
# character anywhere (PostgreSQL cannot store one) and, for text that must say
# something, a character that is not white space (the case services strip the
# text and refuse it when nothing is left). Both are lookaheads on purpose: a
# generator that folds maxLength into `^[^\x00]*$` builds a regular expression
# of 50,000 states, which takes seconds to compile each time.
# White space is spelled out as Python's str.strip() sees it (engines differ on `\s`).
WHITE_SPACE = r"\t\n\v\f\r \x1c-\x1f\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
NO_NUL = r"^(?![\s\S]*\x00)"
NOT_BLANK = NO_NUL + rf"(?=[\s\S]*[^{WHITE_SPACE}])"
# The signed cursor GET /cases hands out (itsdangerous: payload "." signature, URL-safe base64).
CURSOR_PATTERN = r"^\.?[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$"
CURSOR_MAX = 500


class StrictSchema(Schema):
    """Unknown fields are an error (marshmallow's default, stated on purpose)."""

    class Meta:
        unknown = "raise"


class UtcDateTime(fields.DateTime):
    """Stored naive UTC; sent as ISO 8601 with an explicit +00:00."""

    def _serialize(self, value, attr, obj, **kwargs):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return super()._serialize(value, attr, obj, **kwargs)


class FieldValue(fields.Raw):
    """A request type's field value: text or a number (numbers are read as text)."""

    def __init__(self, **kwargs):
        text = {"type": "string", "maxLength": MAX_TEXTAREA, "pattern": NO_NUL}
        metadata = {"oneOf": [text, {"type": "number"}], "nullable": True}
        super().__init__(allow_none=True, metadata=metadata, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            raise ValidationError("Give text or a number.")
        if isinstance(value, str) and (len(value) > MAX_TEXTAREA or "\x00" in value):
            raise ValidationError(f"Use at most {MAX_TEXTAREA} characters, without NUL characters.")
        return str(value)


def _text(required=True, **kwargs):
    return fields.String(required=required, **kwargs)


def text_input(*, max_length, min_length=None, blank=True, pattern=None, message=None, **kwargs):
    """A string the API is sent: its limits are validated here and stated in the document.

    Every input string refuses NUL; `blank=False` also refuses text that is
    empty or only white space; `pattern` replaces both (it must refuse NUL itself).
    """
    pattern = pattern or (NO_NUL if blank else NOT_BLANK)
    if message is None:
        message = "Use text without NUL characters." if blank else "Write some text (not only spaces)."
    validators = [validate.Length(min=min_length, max=max_length), Searched(pattern, message)]
    return fields.String(validate=validators, metadata={"pattern": pattern, **kwargs.pop("metadata", {})}, **kwargs)


class Searched(validate.Validator):
    """A JSON Schema `pattern`: the value must contain a match (re.search, not re.match)."""

    def __init__(self, pattern, error):
        self.regex, self.error = re.compile(pattern), error

    def __call__(self, value):
        if self.regex.search(value) is None:
            raise ValidationError(self.error)
        return value


# ------------------------------------------------------------------ errors


class ErrorBodySchema(Schema):
    code = _text(metadata={"description": "A stable machine-readable code, e.g. not_found, invalid."})
    message = _text(metadata={"description": "What went wrong, for a person to read."})
    field_errors = fields.Dict(
        data_key="fields",
        keys=fields.String(),
        values=fields.String(),
        metadata={"description": "For code `invalid`: what to fix, by field (request type fields as `fields.NAME`)."},
    )


class ErrorSchema(Schema):
    error = fields.Nested(ErrorBodySchema, required=True)


# ------------------------------------------------------------------ people


class MembershipSchema(Schema):
    participant = _text(attribute="participant.code", metadata={"description": "The participant's code."})
    participant_name = _text(attribute="participant.name")
    roles = fields.List(fields.String(validate=validate.OneOf(("external_manager", "security_admin"))), required=True)
    active = fields.Boolean(required=True, attribute="is_active")
    granted_at = UtcDateTime(required=True)
    ended_at = UtcDateTime(required=True, allow_none=True)


class TokenInfoSchema(Schema):
    name = _text()
    prefix = _text()
    scope = _text(validate=validate.OneOf(("read", "write")))
    expires_at = UtcDateTime(required=True)


class MeSchema(Schema):
    email = _text()
    name = _text()
    is_staff = fields.Boolean(required=True)
    staff_role = fields.String(required=True, allow_none=True)
    two_factor = fields.Boolean(required=True, attribute="has_totp")
    memberships = fields.List(fields.Nested(MembershipSchema), required=True)
    token = fields.Nested(TokenInfoSchema, required=True)


# ------------------------------------------------------------------ catalogue


class FieldSpecSchema(Schema):
    name = _text()
    label = _text()
    type = _text(metadata={"description": "text, textarea, phone, email, date_past, money or choice."})
    required = fields.Boolean(required=True, dump_default=True)
    choices = fields.List(fields.String())
    help = fields.String()


class RequestTypeSchema(Schema):
    key = _text()
    name = _text()
    description = _text()
    field_specs = fields.List(fields.Nested(FieldSpecSchema), required=True, data_key="fields", attribute="fields")
    for_participants = fields.Boolean(required=True)
    for_non_participants = fields.Boolean(required=True)
    file_required = fields.Boolean(required=True)
    default_topic = fields.String(required=True, allow_none=True, attribute="default_topic.key")


class RequestTypeListSchema(Schema):
    items = fields.List(fields.Nested(RequestTypeSchema), required=True)


# ------------------------------------------------------------------ cases


class ParticipantRefSchema(Schema):
    code = _text()
    name = _text()


class AttachmentSchema(Schema):
    id = fields.Integer(required=True)
    filename = _text()
    size = fields.Integer(required=True)
    content_type = _text()
    sha256 = _text()
    created_at = UtcDateTime(required=True)
    message_id = fields.Integer(required=True, allow_none=True)
    internal = fields.Boolean(attribute="is_internal", metadata={"description": "Staff only."})
    url = fields.Function(
        lambda a: url_for("api.download_attachment", number=a.case.number, attachment_id=a.id),
        required=True,
        metadata={"type": "string", "description": "Where to download the file (with the same token)."},
    )


def _message_attachment_ids(message):
    # A public message never lists a file that is internal (belt and braces).
    return [a.id for a in message.attachments if message.is_internal or not a.is_internal]


class MessageSchema(Schema):
    id = fields.Integer(required=True)
    body = _text(metadata={"description": "Markdown."})
    author = _text(attribute="display_author")
    created_at = UtcDateTime(required=True)
    source = _text(validate=validate.OneOf(("web", "email", "api")))
    internal = fields.Boolean(attribute="is_internal", metadata={"description": "Staff only: an internal note."})
    attachments = fields.Function(
        _message_attachment_ids,
        required=True,
        metadata={"type": "array", "items": {"type": "integer"}, "description": "Attachment ids."},
    )


class CaseSchema(Schema):
    number = _text(metadata={"example": "AI-2026-000123"})
    subject = _text()
    description = _text()
    status = _text(validate=validate.OneOf(STATUSES))
    status_label = _text()
    priority = _text(validate=validate.OneOf(PRIORITIES))
    participant = fields.Nested(ParticipantRefSchema, required=True, allow_none=True)
    request_type = _text(attribute="request_type.key")
    topic = fields.String(required=True, allow_none=True, attribute="topic.key")
    field_values = fields.Dict(keys=fields.String(), values=fields.String(), required=True, data_key="fields")
    submitter = fields.String(required=True, allow_none=True, attribute="submitter.name")
    source = _text()
    received_at = UtcDateTime(required=True, metadata={"description": "The legal receipt time."})
    created_at = UtcDateTime(required=True)
    updated_at = UtcDateTime(required=True)
    first_response_due_at = UtcDateTime(required=True, allow_none=True)
    resolution_due_at = UtcDateTime(required=True, allow_none=True)
    resolved_at = UtcDateTime(required=True, allow_none=True)
    closed_at = UtcDateTime(required=True, allow_none=True)
    version = fields.Integer(
        required=True, metadata={"description": "Send it back in PATCH to detect edits made meanwhile."}
    )
    queue = fields.String(allow_none=True, attribute="queue.key", metadata={"description": "Staff only."})
    assignee = fields.String(allow_none=True, attribute="assignee.email", metadata={"description": "Staff only."})
    url = fields.Function(
        lambda c: url_for("api.get_case", number=c.number),
        required=True,
        metadata={"type": "string", "description": "This case in the API."},
    )


class CaseDetailSchema(CaseSchema):
    messages = fields.List(fields.Nested(MessageSchema), required=True)
    attachments = fields.List(fields.Nested(AttachmentSchema), required=True)


class CaseListSchema(Schema):
    items = fields.List(fields.Nested(CaseSchema), required=True)
    next = fields.String(
        required=True, allow_none=True, metadata={"description": "Pass as `cursor` for the next page; null at the end."}
    )


STAFF_ONLY_CASE_FIELDS = ("queue", "assignee")


# ------------------------------------------------------------------ requests


class CaseListQuerySchema(StrictSchema):
    status = fields.String(validate=validate.OneOf(STATUSES))
    participant = text_input(max_length=32, metadata={"description": "A participant code."})
    q = text_input(
        max_length=200,
        metadata={
            "description": "Words in the subject or number, in the search page's language "
            "(422 when the search language refuses it, e.g. an unknown `status:`)."
        },
    )
    cursor = text_input(
        max_length=CURSOR_MAX,
        pattern=CURSOR_PATTERN,
        message="This is not a cursor: pass the `next` of the page before.",
        metadata={
            "description": "The `next` of the page before (422 when it is not one this server made "
            "for the same filters)."
        },
    )
    limit = fields.Integer(load_default=25, validate=validate.Range(min=1, max=100))


class CaseCreateSchema(StrictSchema):
    participant = text_input(
        max_length=32,
        load_default=None,
        allow_none=True,
        metadata={
            "description": "The participant's code; null (or empty) for a non-participant inquiry. "
            "422 when it is not one of your companies."
        },
    )
    request_type = text_input(
        required=True,
        max_length=60,
        metadata={"description": "A key from /request-types (422 when it is not an active one)."},
    )
    topic = text_input(
        max_length=40,
        load_default=None,
        allow_none=True,
        metadata={"description": "A topic key (422 when it is not an active one)."},
    )
    subject = text_input(required=True, max_length=SUBJECT_MAX, blank=False)
    description = text_input(required=True, max_length=BODY_MAX, blank=False)
    field_values = fields.Dict(
        data_key="fields",
        keys=fields.String(),
        values=FieldValue(),
        load_default=dict,
        metadata={
            "description": "The request type's own fields, by name (422 with `fields.NAME` when one is refused)."
        },
    )


class CaseCreateFormSchema(Schema):
    """multipart/form-data variant of POST /cases, for request types that need a file."""

    case = fields.Nested(
        CaseCreateSchema,
        required=True,
        metadata={
            "description": "The same JSON object as the application/json body (a part of type application/json)."
        },
    )
    file = fields.List(
        fields.Raw(metadata={"type": "string", "format": "binary"}),
        metadata={"description": f"Files to attach ({', '.join(ALLOWED_EXTENSIONS)}); 422 when one is refused."},
    )


class JsonBoolean(fields.Boolean):
    """true or false, and nothing else (not 0, 1 or "yes": the document says boolean)."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, bool):
            raise ValidationError("Send true or false.")
        return value


class FormFlag(fields.String):
    """A yes/no part of a multipart form: form parts are text, so the words are listed."""

    # The words the API has always taken (Python's requests sends True as "True"; "" is off).
    TRUE = ("true", "True", "1", "yes", "on")
    FALSE = ("false", "False", "0", "no", "off", "")

    def __init__(self, metadata=None, **kwargs):
        super().__init__(metadata={"enum": list(self.TRUE + self.FALSE), **(metadata or {})}, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if value not in self.TRUE + self.FALSE:
            raise ValidationError("Send true or false.")
        return value in self.TRUE


class MessageCreateSchema(StrictSchema):
    body = text_input(required=True, max_length=BODY_MAX, blank=False, metadata={"description": "Markdown."})
    internal = JsonBoolean(load_default=False, metadata={"description": "Staff only: an internal note."})


class AttachmentFormSchema(StrictSchema):
    file = fields.Raw(
        required=True,
        metadata={"type": "string", "format": "binary", "description": "422 when its type or content is refused."},
    )
    body = text_input(
        max_length=BODY_MAX,
        metadata={"description": "Text of the message that carries the file (optional)."},
    )
    internal = FormFlag(metadata={"description": "Staff only: attach to an internal note."})


class CasePatchSchema(StrictSchema):
    status = fields.String(
        validate=validate.OneOf(STATUSES),
        metadata={
            "description": "Participants may only send closed (to close) or in_progress (to reopen); "
            "422 when the case cannot take that step."
        },
    )
    reason = text_input(max_length=2000, metadata={"description": "Why (closing, reopening)."})
    priority = fields.String(validate=validate.OneOf(PRIORITIES), metadata={"description": "Staff only."})
    queue = text_input(max_length=40, metadata={"description": "Staff only: a queue key (422 when not an active one)."})
    assignee = text_input(
        max_length=254,
        allow_none=True,
        metadata={"description": "Staff only: a staff member's email, or null to unassign (422 when not one)."},
    )
    version = fields.Integer(
        strict=True,
        validate=validate.Range(min=1),
        metadata={"description": "The case's version you last saw; 409 when it changed meanwhile."},
    )

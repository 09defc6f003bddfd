"""GET /api/v1/obligations: the obligations of the caller's companies (active memberships only)."""

from marshmallow import Schema, fields, validate

from askiso.api.auth import api_user
from askiso.api.blueprint import bp
from askiso.api.openapi import operation
from askiso.api.schemas import UtcDateTime
from askiso.obligations.models import STATES
from askiso.obligations.queries import obligations_for


class ObligationSchema(Schema):
    name = fields.String(required=True)
    request_type = fields.String(required=True, attribute="request_type_key", metadata={"description": "Its key"})
    due_at = UtcDateTime(required=True)
    state = fields.String(required=True, validate=validate.OneOf(STATES))
    case = fields.String(required=True, allow_none=True, attribute="case_number",
                         metadata={"description": "The case that filed it, when you may see that case"})
    participant = fields.String(required=True, attribute="participant_code")


class ObligationListSchema(Schema):
    items = fields.List(fields.Nested(ObligationSchema), required=True)


@bp.route("/obligations", methods=["GET"])
@operation(
    "Obligations of your companies",
    tag="obligations",
    description="What your companies are asked to file by when (e.g. the FTR annual certification), with each "
    "one's state: open, filed, accepted, returned or overdue. Staff have no companies here.",
    responses={200: (ObligationListSchema, "Earliest due first")},
)
def obligations():
    """The signed-in person's companies' obligations."""
    return ObligationListSchema().dump({"items": obligations_for(api_user())})

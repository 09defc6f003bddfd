"""API views for signed receipts: a case's receipt, and verifying any receipt (no token needed)."""

from flask import current_app, url_for
from marshmallow import Schema, fields

from askiso.api.auth import api_user
from askiso.api.blueprint import bp
from askiso.api.errors import ApiError
from askiso.api.openapi import operation
from askiso.api.schemas import StrictSchema
from askiso.cases.lookup import get_case_or_404
from askiso.core.access import public
from askiso.receipts import services


class CaseReceiptSchema(Schema):
    receipt = fields.String(required=True, metadata={"description": "The compact JWS (EdDSA, Ed25519)."})
    case = fields.String(required=True)
    kid = fields.String(required=True, metadata={"description": "The signing key's id in the published key set."})
    claims = fields.Dict(required=True, metadata={"description": "The receipt's claims, as signed."})
    jwks_url = fields.String(required=True)
    verify_url = fields.String(required=True)
    pdf_url = fields.String(required=True)


class VerifyRequestSchema(StrictSchema):
    receipt = fields.String(required=True, metadata={"description": "A receipt (compact JWS)."})


class VerdictSchema(Schema):
    valid = fields.Boolean(required=True)
    claims = fields.Dict(required=True, metadata={"description": "The signed claims; empty when not valid."})
    reason = fields.String(required=True)
    kid = fields.String(allow_none=True, required=True)


@bp.route("/cases/<number>/receipt", methods=["GET"])
@operation(
    "The case's signed receipt",
    tag="receipts",
    description="A JWS stating what the submission held and when it was received; see docs/receipts.md.",
    responses={200: (CaseReceiptSchema, "The receipt")},
)
def case_receipt(number):
    """The receipt issued when the case was stored (404 when the case is not visible or has none)."""
    case = get_case_or_404(number, api_user())
    row = services.receipt_of(case)
    if row is None:
        raise ApiError(404, "not_found", "This case has no signed receipt: it was filed before receipts were signed.")
    base = current_app.config["EXTERNAL_URL"].rstrip("/")
    return CaseReceiptSchema().dump(
        {
            "receipt": row.jws,
            "case": case.number,
            "kid": row.kid,
            "claims": services.decoded_claims(row.jws),
            "jwks_url": base + url_for("receipts.jwks"),
            "verify_url": base + url_for("receipts.verify"),
            "pdf_url": base + url_for("receipts.case_pdf", number=case.number),
        }
    )


@bp.route("/receipts/verify", methods=["POST"])
@public
@operation(
    "Verify a receipt",
    tag="receipts",
    description="No token needed. `valid` is false for any change to the receipt, with the `reason`.",
    body=VerifyRequestSchema,
    responses={200: (VerdictSchema, "The verdict")},
)
def verify_receipt(body):
    """Whether the receipt is signed by one of the published keys, and what it states."""
    return VerdictSchema().dump(services.verify_receipt(body["receipt"]))

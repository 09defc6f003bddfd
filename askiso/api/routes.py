"""The REST API under /api/v1 (DESIGN §4): who am I, the catalogue, the document.

Case and file views live in case_views.py and file_views.py on the same
blueprint; auth.py authenticates every request by its bearer token.
"""

from flask import jsonify, render_template
from sqlalchemy import select

from askiso.api import auth, errors
from askiso.api.auth import api_token, api_user
from askiso.api.blueprint import bp
from askiso.api.openapi import cached_spec, operation
from askiso.api.reference import reference_model
from askiso.api.schemas import MeSchema, RequestTypeListSchema
from askiso.cams.models import Membership
from askiso.cases.models import RequestType
from askiso.core.access import public
from askiso.extensions import db

auth.install(bp)
errors.install(bp)

from askiso.api import case_views, file_views, receipt_views  # noqa: E402,F401  (their views join bp)
from askiso.articles import api_views as article_api_views  # noqa: E402,F401  (GET /articles joins bp)
from askiso.obligations import api_views  # noqa: E402,F401  (GET /obligations joins bp)


@bp.route("/me", methods=["GET"])
@operation("Who the token acts for", tag="account", responses={200: (MeSchema, "The person and their memberships")})
def me():
    """The token's owner, their memberships (ended ones too) and the token itself."""
    user = api_user()
    memberships = db.session.scalars(
        select(Membership)
        .where(Membership.user_id == user.id)
        .order_by(Membership.is_active.desc(), Membership.granted_at.desc())
    ).all()
    return MeSchema().dump(
        {
            "email": user.email,
            "name": user.name,
            "is_staff": user.is_staff,
            "staff_role": user.staff_role,
            "has_totp": user.has_totp,
            "memberships": memberships,
            "token": api_token(),
        }
    )


@bp.route("/request-types", methods=["GET"])
@operation(
    "The request types you can file, with their fields",
    tag="catalogue",
    responses={200: (RequestTypeListSchema, "Active request types, in the order the form shows them")},
)
def request_types():
    """Active request types; `fields` describes what POST /cases needs in `fields`."""
    rows = db.session.scalars(
        select(RequestType).where(RequestType.is_active.is_(True)).order_by(RequestType.sort_order, RequestType.id)
    ).all()
    return RequestTypeListSchema().dump({"items": rows})


@bp.route("/openapi.json", methods=["GET"])
@public
@operation(
    "This API's OpenAPI 3 document",
    tag="meta",
    responses={200: ({"application/json": {"schema": {"type": "object"}}}, "The document")},
)
def openapi_json():
    """Generated from the views and their marshmallow schemas; holds no data, so it is public."""
    return jsonify(cached_spec())


@public
def reference():
    """The API reference, rendered on the server from the OpenAPI document (no CDN, no script)."""
    return render_template("api/reference.html", ref=reference_model(cached_spec()))


# /api/docs sits beside /api/v1, outside the blueprint's prefix; its endpoint
# keeps the "api." name so that it reads as part of the API.
bp.record_once(lambda state: state.app.add_url_rule("/api/docs", "api.reference", reference, methods=["GET"]))

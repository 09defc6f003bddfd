"""API views for case files: upload (as a message carrying the file) and download."""

from flask import request, url_for
from sqlalchemy import select

from askiso.api.auth import api_user
from askiso.api.blueprint import bp
from askiso.api.errors import ApiError, invalid
from askiso.api.openapi import form_fields, operation
from askiso.api.schemas import AttachmentFormSchema, AttachmentSchema
from askiso.api.uploads import incoming_files
from askiso.cases import services
from askiso.cases.downloads import send_attachment
from askiso.cases.lookup import get_attachment_or_404, get_case_or_404
from askiso.cases.models import Attachment
from askiso.extensions import db

BINARY = {"schema": {"type": "string", "format": "binary"}}


@bp.route("/cases/<number>/attachments", methods=["POST"])
@operation(
    "Attach a file",
    tag="files",
    description=(
        "multipart/form-data with the file in `file`. The file arrives as a message on the case "
        "(text from `body`, or a line naming the file); staff may send `internal=true` to attach it "
        "to an internal note."
    ),
    multipart=AttachmentFormSchema,
    responses={201: (AttachmentSchema, "The stored file")},
    errors=(422,),
)
def upload_attachment(number):
    user = api_user()
    case = get_case_or_404(number, user)
    if request.mimetype != "multipart/form-data":
        raise ApiError(415, "unsupported_media_type", "Send the file as multipart/form-data in a `file` part.")
    form = form_fields(AttachmentFormSchema)
    files = incoming_files("file")
    if len(files) != 1:
        raise invalid({"file": "Send exactly one file in the `file` part."})
    internal = form.get("internal", False)
    body = (form.get("body") or "").strip() or f"Attached “{files[0].filename}”."
    try:
        message = services.add_message(case, user, body, internal=internal, files=files, source="api")
    except services.InvalidCase as exc:
        if "files" in exc.errors:
            raise ApiError(422, "unprocessable", exc.errors["files"], fields={"file": exc.errors["files"]}) from None
        raise
    attachment = db.session.scalar(select(Attachment).where(Attachment.message_id == message.id))
    schema = AttachmentSchema(exclude=() if user.is_staff else ("internal",))
    location = url_for("api.download_attachment", number=case.number, attachment_id=attachment.id)
    return schema.dump(attachment), 201, {"Location": location}


@bp.route("/cases/<number>/attachments/<int:attachment_id>", methods=["GET"])
@operation(
    "Download a file",
    tag="files",
    description="Sent as an attachment (never shown inline), with its checked content type.",
    responses={200: ({"*/*": BINARY}, "The file's bytes")},
)
def download_attachment(number, attachment_id):
    user = api_user()
    case = get_case_or_404(number, user)
    attachment = get_attachment_or_404(case, attachment_id, user)
    return send_attachment(attachment, missing=_missing_file)


def _missing_file():
    raise ApiError(404, "not_found", "This file is missing from storage; tell the ISO.")

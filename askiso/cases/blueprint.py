"""The participant cases blueprint object, shared by the view modules."""

from flask import Blueprint, render_template, request

from askiso.cases.uploads import ALLOWED_EXTENSIONS, format_size

bp = Blueprint("cases", __name__)


@bp.app_template_global("upload_limits")
def upload_limits():
    """What the file inputs accept, for hints and for cases.js."""
    from flask import current_app

    max_file = current_app.config["MAX_FILE_BYTES"]
    max_request = current_app.config.get("MAX_CONTENT_LENGTH") or max_file
    return {
        "max_file_bytes": max_file,
        "max_file": format_size(max_file),
        "max_request_bytes": max_request,
        "max_request": format_size(max_request),
        "accept": ",".join("." + e for e in ALLOWED_EXTENSIONS),
        "extensions": ", ".join(e for e in ALLOWED_EXTENSIONS if e != "jpeg"),
    }


@bp.app_template_filter("filesize")
def _filesize(size):
    return format_size(size or 0)


@bp.errorhandler(413)
def too_large(exc):
    """An upload over the request limit: nothing of the form could be read; say which limit."""
    was_reply = request.endpoint == "cases.reply"
    return render_template("cases/too_large.html", limits=upload_limits(), was_reply=was_reply), 413

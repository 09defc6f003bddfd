"""The one way a case file is sent: the case page (participants and staff), a tracking link and
the API all answer a download with `send_attachment`, so every route sends the same safe headers."""

from flask import abort, current_app, send_file

from askiso.cases.storage import storage

# Never rendered by the browser: a forced download, no sniffing of the type, and should a
# browser still open it, a sandbox without scripts, forms, plugins or same-origin access.
DOWNLOAD_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "sandbox; default-src 'none'",
    "Cache-Control": "private, no-store",
    "Cross-Origin-Resource-Policy": "same-origin",
}


def send_attachment(attachment, *, missing=None):
    """The response for a download of `attachment` (already checked visible by the caller):
    as an attachment under its own name, with DOWNLOAD_HEADERS. A stored file that is gone is
    logged and answers `missing()` when given (it raises), else 404."""
    path = storage().path(attachment.stored_name)
    if not path.is_file():
        current_app.logger.error("attachment %s is missing its stored file", attachment.id)
        if missing is not None:
            missing()
        abort(404)
    response = send_file(
        path, mimetype=attachment.content_type, as_attachment=True, download_name=attachment.filename,
        conditional=False, etag=False, max_age=0,
    )
    response.headers.update(DOWNLOAD_HEADERS)
    return response

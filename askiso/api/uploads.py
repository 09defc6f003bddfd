"""Files sent to the API: turned into the case services' IncomingFile, sizes checked first."""

import os

from flask import current_app, request

from askiso.api.errors import ApiError
from askiso.cases.incoming import uploaded_files


def _size_of(stream):
    position = stream.tell()
    stream.seek(0, os.SEEK_END)
    size = stream.tell()
    stream.seek(position)
    return size


def incoming_files(part):
    """Every non-empty file in the multipart `part`, as IncomingFile; 413 when one is too large."""
    if request.mimetype != "multipart/form-data":
        return []
    max_bytes = current_app.config["MAX_FILE_BYTES"]
    files = uploaded_files(part)
    for incoming in files:
        if _size_of(incoming.stream) > max_bytes:
            raise ApiError(
                413,
                "too_large",
                f"“{incoming.filename}” is larger than {max_bytes // (1024 * 1024)} MB.",
                fields={part: "The file is too large."},
            )
    return files

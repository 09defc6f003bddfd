"""The one way a request's uploaded files become IncomingFile (askiso/cases/services.py)."""

from flask import request

from askiso.cases.services import IncomingFile


def uploaded_files(name):
    """The files of the multipart field `name` as IncomingFile, in order (an empty input sends none)."""
    return [
        IncomingFile(storage.filename, storage.stream)
        for storage in request.files.getlist(name)
        if storage and storage.filename
    ]

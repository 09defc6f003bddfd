"""API errors: always JSON {"error": {"code", "message"[, "fields"]}} with the right status.

Plain HTTP errors (abort(404), 405, 413, 429) are rendered as JSON by
askiso/core/errors.py for every /api/ path; the handlers here add what that
shape lacks: field errors, and the case services' own exceptions.

400 means the request does not match the OpenAPI document (marshmallow
refused it); 422 means it does, but the server's data or rules refuse it
(docs/api.md, "Status codes").
"""

from flask import jsonify
from marshmallow import ValidationError

from askiso.cases.services import InvalidCase, NotAllowed, StaleCase
from askiso.core.unit_of_work import discard

INVALID_MESSAGE = "Some fields need fixing: see `fields`."


class ApiError(Exception):
    """An error answer with a status, a code and, for bad input, field messages."""

    def __init__(self, status, code, message, fields=None, headers=None):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message
        self.fields = fields
        self.headers = headers or {}


def invalid(fields, message=INVALID_MESSAGE, status=400, code="invalid"):
    """400: the request does not match the document."""
    return ApiError(status, code, message, fields=fields)


def refused(fields, message=INVALID_MESSAGE):
    """422: well-formed, but the server's data or rules refuse it (a key not in the catalogue, ...)."""
    return ApiError(422, "invalid", message, fields=fields)


def error_response(status, code, message, fields=None, headers=None):
    body = {"code": code, "message": message}
    if fields:
        body["fields"] = fields
    response = jsonify(error=body)
    response.status_code = status
    response.headers.update(headers or {})
    return response


def flatten_marshmallow(messages, prefix=""):
    """marshmallow's nested message lists as {"a.b": "text"}."""
    flat = {}
    if isinstance(messages, dict):
        for key, value in messages.items():
            flat.update(flatten_marshmallow(value, f"{prefix}{key}."))
        return flat
    if isinstance(messages, list) and all(isinstance(m, str) for m in messages):
        return {prefix.rstrip(".") or "_schema": " ".join(messages)}
    for item in messages if isinstance(messages, list) else [messages]:
        flat.update(flatten_marshmallow(item, prefix))
    return flat


def install(bp):
    @bp.errorhandler(ApiError)
    def _api_error(exc):
        discard("an API error answer")
        return error_response(exc.status, exc.code, exc.message, exc.fields, exc.headers)

    @bp.errorhandler(ValidationError)
    def _validation_error(exc):
        return error_response(400, "invalid", INVALID_MESSAGE, flatten_marshmallow(exc.messages))

    @bp.errorhandler(InvalidCase)
    def _invalid_case(exc):
        # The document already refused (400) what it can describe; what the case services refuse
        # on top is about the server's state: an unknown key, a company that is not yours, ...
        discard("the case services refused the request")
        return error_response(422, "invalid", INVALID_MESSAGE, {k: str(v) for k, v in exc.errors.items()})

    @bp.errorhandler(StaleCase)
    def _stale(exc):
        discard("a stale case")
        return error_response(409, "conflict", str(exc))

    @bp.errorhandler(NotAllowed)
    def _not_allowed(exc):
        discard("a change the caller may not make")
        return error_response(403, "forbidden", str(exc))

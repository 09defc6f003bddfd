"""Friendly error pages without stack traces; JSON for the API."""

from flask import jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from askiso.core.unit_of_work import discard

TITLES = {
    400: "That request could not be understood",
    403: "You do not have access to this page",
    404: "Page not found",
    405: "That action is not allowed here",
    409: "Someone else changed this first",
    413: "That upload is too large",
    429: "Too many attempts",
    500: "Something went wrong on our side",
}


def wants_json():
    return request.path.startswith("/api/")


def init_app(app):
    @app.errorhandler(HTTPException)
    def _http_error(exc):
        return _render(exc.code or 500, exc)

    @app.errorhandler(Exception)
    def _server_error(exc):
        discard("an unhandled error: the page is rendered on a clean session")
        app.logger.exception("unhandled error")
        return _render(500, None)


def _render(code, exc):
    title = TITLES.get(code, "Error")
    if wants_json():
        message = getattr(exc, "description", None) or title
        response = jsonify(error={"code": _json_code(code), "message": message})
        response.status_code = code
    else:
        response = app_response(code, title)
    if exc is not None and code == 429:
        retry = getattr(exc, "retry_after", None)
        response.headers["Retry-After"] = str(retry or 60)
    if exc is not None and code == 405 and hasattr(exc, "valid_methods") and exc.valid_methods:
        response.headers["Allow"] = ", ".join(exc.valid_methods)
    return response


def app_response(code, title):
    from flask import make_response

    return make_response(render_template("errors/error.html", code=code, title=title), code)


def _json_code(code):
    return {
        400: "bad_request",
        401: "unauthorized",
        403: "forbidden",
        404: "not_found",
        405: "method_not_allowed",
        409: "conflict",
        413: "too_large",
        415: "unsupported_media_type",
        422: "unprocessable",
        429: "rate_limited",
    }.get(code, "server_error")

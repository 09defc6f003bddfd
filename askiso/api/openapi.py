"""The OpenAPI 3 document, generated from the views' declared operations and
the marshmallow schemas they validate and answer with (apispec)."""

import re
from functools import wraps

from flask import current_app, request

from askiso.api import schemas
from askiso.api.auth import api_user
from askiso.api.errors import ApiError, invalid
from askiso.cases.lookup import get_case_or_404

API_VERSION = "1.0.0"
ERROR_DESCRIPTIONS = {
    400: "Bad input: `fields` says what to fix",
    401: "No valid token (see the WWW-Authenticate header)",
    403: "The token's scope or the person's role does not allow this",
    404: "No such case, or not visible to this person",
    409: "The case changed since the `version` you sent",
    413: "The upload is too large",
    415: "Wrong Content-Type",
    422: "The file type is refused",
    429: "Too many requests (see Retry-After)",
    503: "Search is unavailable for a moment",
}
_RULE_ARG = re.compile(r"<(?:(\w+):)?(\w+)>")


IDEMPOTENCY_HEADER = {
    "in": "header",
    "name": "Idempotency-Key",
    "required": False,
    "description": "Any unique string (e.g. a UUID): a retry with the same key returns the first result.",
    "schema": {"type": "string", "pattern": "^[!-~]{1,200}$"},
}


def operation(
    summary, *, tag, responses, description="", query=None, body=None, multipart=None, errors=(), idempotent=False
):
    """Declare an API view's contract; validates `query`/`body` and passes them as keyword arguments.

    `responses` maps a status to (schema or None, description); `errors` lists
    the error statuses this view may answer beyond 401 and 429.
    """

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            try:
                if query is not None:
                    kwargs["query"] = query().load(request.args.to_dict())
                if body is not None:
                    kwargs["body"] = body().load(_body_object(multipart is not None))
            except Exception:
                _case_before_input(kwargs)
                raise
            return view(*args, **kwargs)

        wrapped.api_operation = {
            "summary": summary,
            "description": description,
            "tag": tag,
            "responses": responses,
            "query": query,
            "body": body,
            "multipart": multipart,
            "errors": tuple(errors),
            "idempotent": idempotent,
        }
        wrapped.login_protected = True  # by a token, for every API view that is not @public
        return wrapped

    return decorator


def _case_before_input(view_args):
    """A case the caller may not see is not found, whatever they sent: checked before telling them
    what is wrong with their input, so a refusal of bad input never says that the case exists."""
    if "number" in view_args:
        get_case_or_404(view_args["number"], api_user())


def _body_object(multipart_allowed):
    """The request's JSON object (from the body, or the `case` part of a multipart form)."""
    if multipart_allowed and request.mimetype == "multipart/form-data":
        import json

        raw = request.form.get("case")
        try:
            data = json.loads(raw) if raw is not None else None
        except ValueError:
            raise invalid({"case": "The `case` part must be a JSON object."}) from None
        if not isinstance(data, dict):
            raise invalid({"case": "Send the case as a JSON object in the `case` part."})
        return data
    if not request.is_json:
        raise ApiError(415, "unsupported_media_type", "Send JSON with Content-Type: application/json.")
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise invalid({"_schema": "The body must be a JSON object."}, message="The body must be a JSON object.")
    return data


# ------------------------------------------------------------------ the document


def build_spec(app):
    """The OpenAPI document of every API view, as a dict (built on the first request for it)."""
    from apispec import APISpec
    from apispec.ext.marshmallow import MarshmallowPlugin

    spec = APISpec(
        title="Ask ISO API",
        version=API_VERSION,
        openapi_version="3.0.3",
        plugins=[MarshmallowPlugin()],
        info={
            "description": (
                "Participant support cases: the same people, rights and rules as the web pages. "
                "Authenticate with `Authorization: Bearer TOKEN` (a personal access token from your account page)."
            )
        },
        servers=[{"url": "/api/v1"}],
    )
    spec.components.security_scheme("bearerAuth", {"type": "http", "scheme": "bearer"})
    spec.components.schema("Error", schema=schemas.ErrorSchema)
    spec.options["security"] = [{"bearerAuth": []}]
    paths = {}
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        view = app.view_functions[rule.endpoint]
        declared = getattr(view, "api_operation", None)
        if declared is None or not rule.rule.startswith("/api/v1/"):
            continue
        path = _RULE_ARG.sub(r"{\2}", rule.rule[len("/api/v1") :])
        methods = sorted(rule.methods - {"HEAD", "OPTIONS"})
        for method in methods:
            paths.setdefault(path, {})[method.lower()] = _operation(rule, method, view, declared)
    for path, operations in paths.items():
        spec.path(path=path, operations=operations)
    document = spec.to_dict()
    document["security"] = [{"bearerAuth": []}]
    return document


def _operation(rule, method, view, declared):
    op = {
        "operationId": rule.endpoint.split(".", 1)[1],
        "summary": declared["summary"],
        "tags": [declared["tag"]],
        "parameters": _path_parameters(rule),
        "responses": {},
    }
    if declared["description"]:
        op["description"] = declared["description"]
    if getattr(view, "is_public", False):
        op["security"] = []
    if declared["query"] is not None:
        op["parameters"].append({"in": "query", "schema": declared["query"]})
    if declared["idempotent"]:
        op["parameters"].append(dict(IDEMPOTENCY_HEADER))
    if declared["body"] is not None or declared["multipart"] is not None:
        op["requestBody"] = _request_body(declared)
    for status, (schema, text) in declared["responses"].items():
        op["responses"][str(status)] = _response(schema, text)
    for status in _error_statuses(rule, method, view, declared):
        op["responses"][str(status)] = {
            "description": ERROR_DESCRIPTIONS[status],
            "content": {"application/json": {"schema": "Error"}},
        }
    return op


def _path_parameters(rule):
    params = []
    for converter, name in _RULE_ARG.findall(rule.rule):
        schema = {"type": "integer", "minimum": 0} if converter == "int" else {"type": "string"}
        params.append({"in": "path", "name": name, "required": True, "schema": schema})
    return params


def _request_body(declared):
    content = {}
    if declared["body"] is not None:
        content["application/json"] = {"schema": declared["body"]}
    if declared["multipart"] is not None:
        content["multipart/form-data"] = {"schema": declared["multipart"]}
    return {"required": True, "content": content}


def _response(schema, text):
    if schema is None:
        return {"description": text}
    if isinstance(schema, dict):
        return {"description": text, "content": schema}
    return {"description": text, "content": {"application/json": {"schema": schema}}}


def _error_statuses(rule, method, view, declared):
    if getattr(view, "is_public", False):
        return sorted({*declared["errors"]})
    statuses = {401, 429, *declared["errors"]}
    if method != "GET":
        statuses.add(403)  # a read-only token
    if rule.arguments:
        statuses.add(404)
    if declared["query"] is not None or declared["body"] is not None or declared["multipart"] is not None:
        statuses.add(400)
    if declared["body"] is not None and declared["multipart"] is None:
        statuses.add(415)
    return sorted(statuses)


def cached_spec():
    """The document is the same for the whole life of the app: build it once."""
    app = current_app._get_current_object()
    spec = app.extensions.get("askiso_openapi")
    if spec is None:
        spec = app.extensions["askiso_openapi"] = build_spec(app)
    return spec

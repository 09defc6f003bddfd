"""The OpenAPI 3 document, generated from the views' declared operations and
the marshmallow schemas they validate and answer with (apispec).

Everything an operation can answer is derived here from how it is declared
(docs/api.md, "Status codes"), and so are the links from an answer to the
operations whose path parameters it supplies: a view declared with
`@operation` gets both without listing them.
"""

import re
from functools import wraps

from flask import current_app, request

from askiso.api import schemas
from askiso.api.auth import api_user
from askiso.api.errors import ApiError, invalid
from askiso.api.schemas import NO_NUL
from askiso.cases.lookup import get_case_or_404

API_VERSION = "1.0.0"
ERROR_DESCRIPTIONS = {
    400: "The request does not match this document (a missing or unknown field, a wrong type, "
    "a length or pattern broken, bad JSON): `fields` says what to fix",
    401: "No valid token (see the WWW-Authenticate header)",
    403: "The token's scope or the person's role does not allow this",
    404: "No such resource, or not visible to this person",
    409: "The case changed since the `version` you sent",
    413: "The request or a file in it is too large",
    415: "Wrong Content-Type",
    422: "Well-formed, but refused by the server's data or rules (a key not in the catalogue, a company "
    "that is not yours, a step the case cannot take, a refused file, a reused Idempotency-Key): "
    "`fields` says what, when it is about a field",
    429: "Too many requests (see Retry-After)",
    503: "Search is unavailable for a moment",
}
_RULE_ARG = re.compile(r"<(?:(\w+):)?(\w+)>")
CASE_NUMBER = re.compile(r"AI-[0-9]{4}-[0-9]{6,}")
# What a path parameter looks like, by name; anything else in that place is not found (404).
PATH_PATTERNS = {"number": CASE_NUMBER}
# Any other text in a path: no NUL (PostgreSQL cannot compare with one).
ANY_PATH_TEXT = re.compile(r"[^\x00]+")
# Integer path parameters are database ids: larger ones cannot exist (and SQLite cannot bind them).
INT_PATH_MAX = 2**31 - 1


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
    the statuses about the server's state this view may answer (409, 422, 503):
    the others are derived from the declaration (`error_statuses`).
    """

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            _check_path(kwargs)
            try:
                _refuse_nul(request.args.to_dict())
                if multipart is not None and request.mimetype == "multipart/form-data":
                    _refuse_nul(request.form.to_dict())
                if query is not None:
                    kwargs["query"] = query().load(request.args.to_dict())
                if body is not None:
                    kwargs["body"] = body().load(_refuse_nul(_body_object(multipart is not None)))
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


def _check_path(view_args):
    """A path parameter that cannot name anything (as the document describes them) is not found."""
    for name, value in view_args.items():
        if isinstance(value, int):
            ok = 0 <= value <= INT_PATH_MAX
        else:
            ok = PATH_PATTERNS.get(name, ANY_PATH_TEXT).fullmatch(str(value)) is not None
        if not ok:
            raise ApiError(404, "not_found", "Not found.")


def _refuse_nul(data):
    """No text the API is sent may hold a NUL character (PostgreSQL cannot store or compare one):
    400 for any operation, whatever its schema says; the document says so too (`state_no_nul`)."""
    bad = sorted(_nul_paths(data, ""))
    if bad:
        raise invalid({path or "_schema": "Use text without NUL characters." for path in bad})
    return data


def _nul_paths(value, path):
    if isinstance(value, str):
        return [path] if "\x00" in value else []
    if isinstance(value, dict):
        items = ((f"{path}.{key}" if path else str(key), item) for key, item in value.items())
    elif isinstance(value, list):
        items = ((f"{path}.{index}" if path else str(index), item) for index, item in enumerate(value))
    else:
        return []
    return [found for sub_path, item in items for found in _nul_paths(item, sub_path)]


def form_fields(schema):
    """The text parts of a multipart request, validated by `schema` (its binary fields are read as files)."""
    binary = {name for name, field in schema().fields.items() if _is_binary(field)}
    return schema(exclude=tuple(binary)).load({k: v for k, v in request.form.items() if k not in binary})


def _is_binary(field):
    from marshmallow import fields

    if isinstance(field, fields.List):
        field = field.inner
    return field.metadata.get("format") == "binary"


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
    state_no_nul(document)
    add_links(document)
    return document


def state_no_nul(document):
    """Every string a client sends says that NUL is refused (as the server does, `_refuse_nul`):
    strings in query and header parameters and request bodies that have no pattern of their own
    get NO_NUL (the patterns askiso.api.schemas.text_input sets refuse NUL already)."""
    schemas = document.get("components", {}).get("schemas", {})
    seen = set()

    def walk(node):
        if isinstance(node, list):
            for item in node:
                walk(item)
            return
        if not isinstance(node, dict):
            return
        if "$ref" in node:
            name = node["$ref"].rsplit("/", 1)[-1]
            if name not in seen:
                seen.add(name)
                walk(schemas.get(name, {}))
            return
        if node.get("type") == "string" and not {"pattern", "enum", "format"} & node.keys():
            node["pattern"] = NO_NUL
        for item in (node.get("properties") or {}).values():
            walk(item)
        for key in ("items", "additionalProperties"):
            walk(node.get(key))
        for key in ("oneOf", "anyOf", "allOf"):
            walk(node.get(key) or [])

    for methods in document.get("paths", {}).values():
        for op in methods.values():
            if not isinstance(op, dict):
                continue
            for parameter in op.get("parameters", []):
                if parameter.get("in") in ("query", "header"):
                    walk(parameter.get("schema"))
            for media in (op.get("requestBody", {}).get("content") or {}).values():
                walk(media.get("schema"))


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
    for status in error_statuses(rule, method, view, declared):
        op["responses"][str(status)] = {
            "description": ERROR_DESCRIPTIONS[status],
            "content": {"application/json": {"schema": "Error"}},
        }
    return op


def _path_parameters(rule):
    params = []
    for converter, name in _RULE_ARG.findall(rule.rule):
        if converter == "int":
            schema = {"type": "integer", "minimum": 0, "maximum": INT_PATH_MAX}
        else:
            schema = {"type": "string", "pattern": "^" + PATH_PATTERNS.get(name, ANY_PATH_TEXT).pattern + "$"}
        params.append({"in": "path", "name": name, "required": True, "schema": schema})
    return params


def _request_body(declared):
    content = {}
    if declared["body"] is not None:
        content["application/json"] = {"schema": declared["body"]}
    if declared["multipart"] is not None:
        media = {"schema": declared["multipart"]}
        # A part holding an object is sent as JSON (the OpenAPI default for objects, said outright).
        objects = [name for name, field in declared["multipart"]().fields.items() if _is_object(field)]
        if objects:
            media["encoding"] = {name: {"contentType": "application/json"} for name in objects}
        content["multipart/form-data"] = media
    return {"required": True, "content": content}


def _is_object(field):
    from marshmallow import fields

    return isinstance(field, (fields.Nested, fields.Dict))


def _response(schema, text):
    if schema is None:
        return {"description": text}
    if isinstance(schema, dict):
        return {"description": text, "content": schema}
    return {"description": text, "content": {"application/json": {"schema": schema}}}


def error_statuses(rule, method, view, declared):
    """Every error status an operation can answer, from how it is declared (docs/api.md, "Status codes").

    - 429 everywhere (the blueprint's rate limits); 401 unless the view is public;
      403 for a change made with a token (a read-only token);
    - 404 when the path has parameters (not found, or not visible);
    - 400 when the request carries input the document constrains (query, body, form, header);
    - 413 and 415 when it carries a body;
    - whatever the view lists in `errors` (409, 422, 503: answers about the server's state).
    """
    statuses = {429, *declared["errors"]}
    if not getattr(view, "is_public", False):
        statuses.add(401)
        if method not in ("GET", "HEAD", "OPTIONS"):
            statuses.add(403)
    if rule.arguments:
        statuses.add(404)
    has_body = declared["body"] is not None or declared["multipart"] is not None
    if has_body or declared["query"] is not None or declared["idempotent"]:
        statuses.add(400)
    if has_body:
        statuses.update((413, 415))
    return sorted(statuses)


# ------------------------------------------------------------------ links


def add_links(document):
    """OpenAPI links from each success answer to the operations whose path parameters it supplies.

    A path parameter `{name}` is supplied by a property `name` of the answer
    (or of the first item of one of its lists): `number` by a case; `{thing_id}`
    by the `id` of a `Thing` schema (`attachment_id` by an Attachment). A
    parameter the answer does not carry comes from the request's own path.
    Only links that learn something from the answer are made.
    """
    schemas = document.get("components", {}).get("schemas", {})
    operations = [
        (path, method, op)
        for path, methods in document.get("paths", {}).items()
        for method, op in methods.items()
        if isinstance(op, dict) and "operationId" in op
    ]
    for _path, _method, op in operations:
        own = {p["name"] for p in op.get("parameters", []) if p.get("in") == "path"}
        for status, response in op.get("responses", {}).items():
            if not status.startswith("2"):
                continue
            schema = (response.get("content") or {}).get("application/json", {}).get("schema")
            if not schema:
                continue
            links = {}
            for _target_path, _target_method, target in operations:
                needed = [p["name"] for p in target.get("parameters", []) if p.get("in") == "path"]
                if not needed:
                    continue
                values = {}
                for name in needed:
                    pointer = _pointer_for(name, schema, schemas)
                    if pointer is not None:
                        values[name] = "$response.body#" + pointer
                    elif name in own:
                        values[name] = f"$request.path.{name}"
                if len(values) == len(needed) and any(v.startswith("$response") for v in values.values()):
                    links[target["operationId"]] = {"operationId": target["operationId"], "parameters": values}
            if links:
                response["links"] = links


def _resolve(schema, schemas):
    """(component name or None, the schema itself) of a schema or a $ref to one."""
    ref = schema.get("$ref") if isinstance(schema, dict) else None
    if ref:
        name = ref.rsplit("/", 1)[-1]
        return name, schemas.get(name, {})
    return None, schema if isinstance(schema, dict) else {}


def _supplies(name, component, schema):
    """The property of this object that supplies path parameter `name`, or None."""
    properties = schema.get("properties") or {}
    if name in properties:
        return name
    if name.endswith("_id") and "id" in properties and component:
        wanted = name[: -len("_id")].replace("_", "")
        if component.lower() == wanted:
            return "id"
    return None


def _pointer_for(name, schema, schemas):
    """A JSON pointer into the answer to the value of path parameter `name`: the answer's own
    property, or the property of the first item of one of its lists; None when it has none."""
    component, resolved = _resolve(schema, schemas)
    found = _supplies(name, component, resolved)
    if found is not None:
        return "/" + found
    for prop_name, prop in (resolved.get("properties") or {}).items():
        if not isinstance(prop, dict) or prop.get("type") != "array":
            continue
        item_component, item = _resolve(prop.get("items") or {}, schemas)
        found = _supplies(name, item_component, item)
        if found is not None:
            return f"/{prop_name}/0/{found}"
    return None


def cached_spec():
    """The document is the same for the whole life of the app: build it once."""
    app = current_app._get_current_object()
    spec = app.extensions.get("askiso_openapi")
    if spec is None:
        spec = app.extensions["askiso_openapi"] = build_spec(app)
    return spec

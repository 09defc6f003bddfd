"""A readable API reference made on the server from the OpenAPI document."""

from askiso.api.schemas import NO_NUL, NOT_BLANK

# The document's text rules in words (the patterns themselves are for programs).
PATTERN_WORDS = {NO_NUL: "no NUL character", NOT_BLANK: "not blank, no NUL character"}

METHOD_ORDER = {"get": 0, "post": 1, "patch": 2, "put": 3, "delete": 4}


def _ref_name(ref):
    return ref.rsplit("/", 1)[-1]


def describe_type(prop):
    """A short human description of a JSON-schema property: "string", "array of Case", ..."""
    if not prop:
        return "any"
    if "$ref" in prop:
        text = _ref_name(prop["$ref"])
    elif "oneOf" in prop:
        text = " or ".join(describe_type(p) for p in prop["oneOf"])
    elif prop.get("type") == "array":
        text = "array of " + describe_type(prop.get("items", {}))
    elif prop.get("type") == "object" and "additionalProperties" in prop:
        text = "object of " + describe_type(prop["additionalProperties"])
    else:
        text = prop.get("type", "object")
        if prop.get("format"):
            text += f" ({prop['format']})"
    if prop.get("enum"):
        text += ": " + ", ".join(str(v) for v in prop["enum"])
    if prop.get("nullable"):
        text += ", or null"
    return text


def _limits(prop):
    parts = []
    for key, label in (
        ("minLength", "min length"),
        ("maxLength", "max length"),
        ("minimum", "min"),
        ("maximum", "max"),
    ):
        if key in prop:
            parts.append(f"{label} {prop[key]}")
    if "pattern" in prop:
        parts.append(PATTERN_WORDS.get(prop["pattern"], f"pattern {prop['pattern']}"))
    if "default" in prop:
        parts.append(f"default {prop['default']!r}")
    return ", ".join(parts)


def schema_rows(schema):
    """Rows (name, type, required, notes) of an object schema."""
    required = set(schema.get("required", []))
    rows = []
    for name, prop in (schema.get("properties") or {}).items():
        notes = " ".join(filter(None, [prop.get("description", ""), _limits(prop)]))
        rows.append({"name": name, "type": describe_type(prop), "required": name in required, "notes": notes})
    return rows


def _body(operation):
    bodies = []
    for content_type, media in (operation.get("requestBody", {}).get("content") or {}).items():
        schema = media.get("schema", {})
        bodies.append({"content_type": content_type, "type": describe_type(schema), "ref": _maybe_ref(schema)})
    return bodies


def _maybe_ref(schema):
    return _ref_name(schema["$ref"]) if "$ref" in schema else None


def _responses(operation):
    rows = []
    for status, response in sorted(operation.get("responses", {}).items()):
        media = next(iter((response.get("content") or {}).items()), None)
        schema = media[1].get("schema", {}) if media else {}
        rows.append(
            {
                "status": status,
                "description": response.get("description", ""),
                "type": describe_type(schema) if media else "",
                "ref": _maybe_ref(schema),
                "content_type": media[0] if media else "",
            }
        )
    return rows


def _parameters(operation):
    return [
        {
            "name": p["name"],
            "in": p["in"],
            "type": describe_type(p.get("schema", {})),
            "required": p.get("required", False),
            "notes": " ".join(filter(None, [p.get("description", ""), _limits(p.get("schema", {}))])),
        }
        for p in operation.get("parameters", [])
    ]


def reference_model(spec):
    """The document reshaped for templates/api/reference.html."""
    server = (spec.get("servers") or [{"url": ""}])[0]["url"]
    groups = {}
    for path, operations in spec.get("paths", {}).items():
        for method, op in sorted(operations.items(), key=lambda item: METHOD_ORDER.get(item[0], 9)):
            tag = (op.get("tags") or ["other"])[0]
            groups.setdefault(tag, []).append(
                {
                    "id": op.get("operationId", f"{method}-{path}"),
                    "method": method.upper(),
                    "path": server + path,
                    "summary": op.get("summary", ""),
                    "description": op.get("description", ""),
                    "public": op.get("security") == [],
                    "parameters": _parameters(op),
                    "bodies": _body(op),
                    "responses": _responses(op),
                }
            )
    schemas = [
        {"name": name, "rows": schema_rows(schema), "description": schema.get("description", "")}
        for name, schema in sorted(spec.get("components", {}).get("schemas", {}).items())
    ]
    return {"info": spec.get("info", {}), "server": server, "groups": groups, "schemas": schemas}

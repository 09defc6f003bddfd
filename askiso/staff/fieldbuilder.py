"""The field builder of the request-type page: its rows, the buttons that work without
JavaScript (add, move, remove, preview) and the preview of the participant's form.

Nothing here saves: a button re-renders the page with the rows rearranged and
everything typed kept; "Save request type" hands the rows to
admin.save_request_type, which checks them (askiso/cases/fields.py).
"""

import re
from types import SimpleNamespace

from flask import request
from sqlalchemy import select

from askiso.cases.fields import FIELD_TYPES, NAME, BrokenDefinition, check_definition, choice_lines, name_from_label
from askiso.cases.forms import new_case_form, type_fields
from askiso.cases.models import Queue
from askiso.extensions import db
from askiso.staff.forms import FieldSpecForm, RequestTypeForm

OP = re.compile(r"^(add|preview|save|(up|down|remove)-(\d{1,3}))$")
BASICS = (
    "key",
    "name",
    "description",
    "queue_id",
    "file_required",
    "for_participants",
    "for_non_participants",
    "is_active",
)


def spec_row(spec):
    """A stored field spec as the builder's row shows it."""
    return {
        "label": spec.get("label", ""),
        "type": spec.get("type", "text"),
        "required": spec.get("required", True),
        "choices": "\n".join(spec.get("choices") or []),
        "help": spec.get("help", ""),
        "name": spec.get("name", ""),
    }


def type_form(request_type):
    """The request-type form: the posted one, or the type's (or a new type's) values."""
    # Posted rows are taken as posted: never completed from the stored row of the same index.
    rows = [spec_row(spec) for spec in (request_type.fields or [])] if request_type and request.method == "GET" else []
    return _with_queues(RequestTypeForm(obj=request_type, specs=rows))


def _with_queues(form):
    form.queue_id.choices = [(q.id, q.name) for q in db.session.scalars(select(Queue).order_by(Queue.name))]
    return form


def blank_row():
    """An empty row named for the template that fieldbuilder.js copies (it puts the index in)."""
    return FieldSpecForm(formdata=None, prefix="specs-__index__-")


def posted_rows():
    """The builder's rows as posted (the preview needs nothing else of the form)."""
    return rows_of(RequestTypeForm())


def rows_of(form):
    return [dict(entry.form.data) for entry in form.specs]


def type_data(form):
    """What admin.save_request_type takes: the basics and the rows as typed."""
    return {**{name: form[name].data for name in BASICS}, "fields": rows_of(form)}


def operation(value):
    """The builder button pressed ("add", "up-2", ...), "save" for the main button or Enter."""
    return value if value and OP.match(value) else "save"


def rearranged(form, op):
    """The form again with the rows changed by a builder button, and the row to focus (or None)."""
    rows = rows_of(form)
    verb, _, index = op.partition("-")
    i = int(index) if index else None
    focus = None
    if verb == "add":
        rows.append({"type": "text", "required": True})
        focus = len(rows) - 1
    elif i is not None and i < len(rows):
        if verb == "remove":
            rows.pop(i)
        else:
            j = i - 1 if verb == "up" else i + 1
            if 0 <= j < len(rows):
                rows[i], rows[j] = rows[j], rows[i]
                focus = j
    data = {name: form[name].data for name in BASICS}
    return _with_queues(RequestTypeForm(formdata=None, data=data, specs=rows)), focus


def show_definition_problems(form, definition):
    """Put a BrokenDefinition's messages next to the rows' inputs, with the keys that would be saved."""
    if definition is None:
        return
    for entry, row in zip(form.specs, definition.rows, strict=False):
        if row.get("name") and not entry.form["name"].data:
            entry.form["name"].data = row["name"]
    for i, problems in definition.errors.items():
        for attr, message in problems.items():
            entry = form.specs[i].form[attr]
            entry.errors = [*entry.errors, message]


def preview_specs(rows):
    """The fields as the participant's form would show them now: rows without a label are left
    out, and a missing or repeated key gets one of its own (the preview never refuses)."""
    specs, taken = [], set()
    for row in rows:
        label = (row.get("label") or "").strip()
        if not label:
            continue
        base = name = row.get("name") if NAME.match(row.get("name") or "") else name_from_label(label)
        n = 2
        while name in taken:
            name, n = f"{base}_{n}", n + 1
        taken.add(name)
        kind = row.get("type") if row.get("type") in FIELD_TYPES else "text"
        spec = {
            "name": name,
            "label": label,
            "type": kind,
            "required": bool(row.get("required")),
            "help": (row.get("help") or "").strip(),
        }
        if kind == "choice":
            spec["choices"] = choice_lines(row.get("choices"))
        specs.append(spec)
    return specs


def preview_fields(rows):
    """The participant form's own fields for these rows, to render with its own partial."""
    shown = SimpleNamespace(fields=preview_specs(rows))
    return type_fields(new_case_form(shown), shown)


def definition_problems(form):
    """The BrokenDefinition of the rows as typed, or None when they could be saved."""
    try:
        check_definition(rows_of(form))
    except BrokenDefinition as broken:
        return broken
    return None

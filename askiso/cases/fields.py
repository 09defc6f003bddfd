"""Validation of a request type's own fields (shared by pages, API and email)."""

import re
from datetime import date
from decimal import Decimal, InvalidOperation

from askiso.core.timeutil import to_local, utcnow
from askiso.core.validation import normalized_email_or_error

MAX_TEXT = 500
MAX_TEXTAREA = 10000


def validate_field_values(request_type, raw):
    """Clean the submitted values of a request type's fields.

    Returns (values, errors): values keyed by field name (strings), errors
    keyed by field name with a message saying exactly what to fix.
    """
    raw = raw or {}
    values, errors = {}, {}
    for spec in request_type.fields or []:
        name = spec["name"]
        value = raw.get(name)
        value = "" if value is None else str(value).strip()
        if not value:
            if spec.get("required", True):
                errors[name] = f"Enter {spec['label'][0].lower() + spec['label'][1:]}."
            continue
        try:
            values[name] = _clean(spec, value)
        except ValueError as exc:
            errors[name] = str(exc)
    return values, errors


def _clean(spec, value):
    kind = spec.get("type", "text")
    cleaner = _CLEANERS.get(kind, _text)
    return cleaner(spec, value)


def _text(spec, value):
    if len(value) > MAX_TEXT:
        raise ValueError(f"Use at most {MAX_TEXT} characters.")
    return value


def _textarea(spec, value):
    if len(value) > MAX_TEXTAREA:
        raise ValueError(f"Use at most {MAX_TEXTAREA} characters.")
    return value


def _phone(spec, value):
    if re.search(r"(ext|x|#)\s*\.?\s*\d", value, re.I):
        raise ValueError("Give a 10-digit number without an extension.")
    digits = re.sub(r"[\s().+-]", "", value)
    if digits.startswith("1") and len(digits) == 11:
        digits = digits[1:]
    if not (digits.isdigit() and len(digits) == 10):
        raise ValueError("Give a 10-digit phone number, e.g. 413-555-0123.")
    return digits


def _email(spec, value):
    try:
        return normalized_email_or_error(value)
    except ValueError as exc:
        raise ValueError(f"Enter a valid email address ({exc}).") from exc


def _date_past(spec, value):
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise ValueError("Give the date as YYYY-MM-DD, e.g. 2026-03-15.") from None
    today = to_local(utcnow()).date()
    if day > today:
        raise ValueError("The operating day cannot be in the future.")
    if day.year < 2000:
        raise ValueError("Give a date from 2000 on.")
    return day.isoformat()


def _money(spec, value):
    cleaned = value.replace(",", "").replace("$", "").strip()
    try:
        amount = Decimal(cleaned)
    except InvalidOperation:
        raise ValueError("Give an amount in dollars, e.g. 1250.00.") from None
    if not amount.is_finite() or amount.as_tuple().exponent < -2:
        raise ValueError("Give an amount in dollars and cents, at most 2 decimals.")
    if abs(amount) >= Decimal("1e12"):
        raise ValueError("That amount is too large.")
    return f"{amount:.2f}"


def _choice(spec, value):
    if value not in spec.get("choices", []):
        raise ValueError("Choose one of the options in the list.")
    return value


_CLEANERS = {
    "text": _text,
    "textarea": _textarea,
    "phone": _phone,
    "email": _email,
    "date_past": _date_past,
    "money": _money,
    "choice": _choice,
}


# ---------------------------------------------------------------- a request type's field definition

FIELD_TYPES = {
    "text": "Short text",
    "textarea": "Long text",
    "choice": "Choice from a list",
    "date_past": "Date (today or earlier)",
    "money": "Amount in dollars",
    "phone": "Phone number (10 digits)",
    "email": "Email address",
}
MAX_FIELDS = 30
MAX_LABEL = 200
MAX_HELP = 500
MAX_CHOICES = 100
MAX_CHOICE = 200
NAME = re.compile(r"^[a-z][a-z0-9_]{1,39}$")
NAME_RULE = "Use 2-40 lower-case letters, digits and underscores, starting with a letter."


class BrokenDefinition(ValueError):
    """A field definition that cannot be saved: `errors` by row index and attribute, `problems` for the list."""

    def __init__(self, errors, problems=(), rows=()):
        super().__init__("The fields need fixing.")
        self.errors, self.problems, self.rows = errors, list(problems), list(rows)


def name_from_label(label):
    """A field's key made from its label: "Auction (FCA)" -> "auction_fca"."""
    name = re.sub(r"[^a-z0-9]+", "_", (label or "").lower()).strip("_")[:40].rstrip("_")
    if name and not name[0].isalpha():
        name = ("f_" + name)[:40]
    return name if len(name) >= 2 else "field"


def choice_lines(text):
    """The choices of a field as typed, one per line, blank lines left out."""
    if isinstance(text, (list, tuple)):
        return [str(c).strip() for c in text if str(c).strip()]
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def check_definition(rows):
    """The specs to store from rows as an admin typed them, or BrokenDefinition saying what to fix.

    A row: {"name", "label", "type", "required", "choices" (list or lines), "help"}. A blank
    name is made from the label. `BrokenDefinition.rows` are the rows with the names filled in,
    so that the page shows what would be saved.
    """
    rows = [dict(row, name=(row.get("name") or "").strip().lower()) for row in rows]
    _fill_names(rows)
    errors = {i: problems for i, row in enumerate(rows) if (problems := _row_problems(row, rows[:i]))}
    problems = [f"Use at most {MAX_FIELDS} fields."] if len(rows) > MAX_FIELDS else []
    if errors or problems:
        raise BrokenDefinition(errors, problems, rows)
    return [_spec(row) for row in rows]


def _fill_names(rows):
    taken = {row["name"] for row in rows if row["name"]}
    for row in rows:
        if row["name"] or not (row.get("label") or "").strip():
            continue
        base = name = name_from_label(row["label"])
        n = 2
        while name in taken:
            name, n = f"{base[:36]}_{n}", n + 1
        row["name"] = name
        taken.add(name)


def _row_problems(row, earlier):
    problems = {}
    label = (row.get("label") or "").strip()
    if not label:
        problems["label"] = "Give the field a label, e.g. “Operating day”."
    elif len(label) > MAX_LABEL:
        problems["label"] = f"Keep the label to {MAX_LABEL} characters."
    if row["name"] and not NAME.match(row["name"]):
        problems["name"] = NAME_RULE
    elif row["name"] and any(other["name"] == row["name"] for other in earlier):
        problems["name"] = f"Another field already uses the key “{row['name']}”: give this one its own."
    kind = row.get("type") or "text"
    if kind not in FIELD_TYPES:
        problems["type"] = "Choose a type from the list."
    elif kind == "choice" and (message := _choice_problem(choice_lines(row.get("choices")))):
        problems["choices"] = message
    if len((row.get("help") or "").strip()) > MAX_HELP:
        problems["help"] = f"Keep the help text to {MAX_HELP} characters."
    return problems


def _choice_problem(choices):
    if len(choices) < 2:
        return "A choice field needs at least two choices, one per line."
    if len(choices) > MAX_CHOICES:
        return f"Use at most {MAX_CHOICES} choices."
    if too_long := next((c for c in choices if len(c) > MAX_CHOICE), None):
        return f"Keep each choice to {MAX_CHOICE} characters (“{too_long[:40]}…” is longer)."
    seen = set()
    for choice in choices:
        if choice in seen:
            return f"“{choice}” is listed twice: list each choice once."
        seen.add(choice)
    return None


def _spec(row):
    kind = row.get("type") or "text"
    spec = {"name": row["name"], "label": row["label"].strip(), "type": kind, "required": bool(row.get("required"))}
    if kind == "choice":
        spec["choices"] = choice_lines(row.get("choices"))
    if (row.get("help") or "").strip():
        spec["help"] = row["help"].strip()
    return spec


# ---------------------------------------------------------------- revisions: a case keeps the fields it was filed with


def filed_specs(request_type, revision):
    """The field specs a case was filed with: its revision of the type's fields.

    Cases filed before revisions were kept have none: they show revision 1, the
    fields the type had when revisions began.
    """
    revision = revision or 1
    if revision == (request_type.field_revision or 1):
        return request_type.fields or []
    return (request_type.past_fields or {}).get(str(revision), request_type.fields or [])


def revise_fields(request_type, specs):
    """Give the type these fields; keep the ones they replace for the cases filed with them.

    Returns True when the fields changed (a new revision).
    """
    current = list(request_type.fields or [])
    if request_type.id is None:  # a new type: no case was filed with anything else
        request_type.fields, request_type.field_revision = specs, 1
        return False
    if current == specs:
        return False
    revision = request_type.field_revision or 1
    request_type.past_fields = {**(request_type.past_fields or {}), str(revision): current}
    request_type.field_revision = revision + 1
    request_type.fields = specs
    return True

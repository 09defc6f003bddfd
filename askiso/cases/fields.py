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

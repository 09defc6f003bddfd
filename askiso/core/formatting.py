"""Numbers, amounts, sizes and times for people, with Babel, in the ISO's locale and time zone.

One place, so that every page says "Dec 3, 2026, 1:05 PM EST", "$12,345.67"
and "1.5 MB" the same way. The locale is the app's ISO_LOCALE setting (en_US
by default); times are shown in America/New_York (askiso/core/timeutil.py).
"""

import functools
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from babel.core import Locale
from babel.dates import format_date, format_datetime
from babel.numbers import format_currency, format_decimal
from babel.units import format_unit
from flask import current_app, has_app_context

from askiso.core.timeutil import to_local

DEFAULT_LOCALE = "en_US"
DATETIME_PATTERN = "MMM d, y, h:mm a zzz"  # Dec 3, 2026, 1:05 PM EST
CURRENCY = "USD"


def locale():
    if has_app_context():
        return current_app.config.get("ISO_LOCALE") or DEFAULT_LOCALE
    return DEFAULT_LOCALE


def local_datetime(value):
    """A stored (naive UTC) datetime as the ISO's local date and time; '' for None.

    Babel's format_datetime(local, DATETIME_PATTERN) exactly (tests/staff/test_formatting.py
    compares them over a year), put together from the locale's words that Babel gives once:
    applying the pattern costs 0.1 ms a call, and a case list shows a hundred times.
    """
    local = to_local(value)
    if local is None:
        return ""
    name = locale()
    months, periods = _words(name)
    hour = local.hour % 12 or 12
    period = periods[0] if local.hour < 12 else periods[1]
    return (f"{months[local.month]} {local.day}, {local.year}, {hour}:{local.minute:02d} {period} "
            f"{_zone(name, local)}")


@functools.lru_cache(maxsize=16)
def _words(name):
    """(abbreviated month names by number, (am, pm)) of a locale, from Babel."""
    loc = Locale.parse(name)
    months = loc.months["format"]["abbreviated"]
    periods = loc.day_periods["format"]["abbreviated"]
    return months, (periods["am"], periods["pm"])


_ZONES = {}


def _zone(name, local):
    """Babel's short zone name ('EST', 'EDT') for this locale, asked once per locale and offset."""
    key = (name, local.utcoffset())
    if key not in _ZONES:
        _ZONES[key] = format_datetime(local, "zzz", tzinfo=local.tzinfo, locale=name)
    return _ZONES[key]


def local_date(value):
    """A date, or a stored datetime's local date: 'Dec 3, 2026'; '' for None."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = to_local(value).date()
    return _medium_date(value, locale())


@functools.lru_cache(maxsize=4096)
def _medium_date(day, name):
    return format_date(day, "medium", locale=name)


def weekday_date(value):
    """'Thu, Dec 3, 2026' (a holiday list)."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = to_local(value).date()
    return format_date(value, "EEE, MMM d, y", locale=locale())


def size(n):
    """A byte count: '31 bytes', '14 kB', '2.5 MB', one decimal when useful. Counted in 1,024s, as
    the upload limit is set ("25 MB" is MAX_UPLOAD_MB=25)."""
    return _size(int(n or 0), locale())


# Babel's format_unit takes ~0.1 ms, and every page with a file input shows the upload limits.
@functools.lru_cache(maxsize=4096)
def _size(n, name):
    if n < 1024:
        return format_unit(n, "digital-byte", length="long", locale=name)
    for unit, factor in (("digital-kilobyte", 1024), ("digital-megabyte", 1024**2), ("digital-gigabyte", 1024**3)):
        if n < factor * 1024 or unit == "digital-gigabyte":
            value = n / factor
            shown = round(value) if value >= 100 else round(value, 1)
            return format_unit(shown, unit, length="short", format="#,##0.#", locale=name)
    raise AssertionError("unreachable")


def amount(value, currency=CURRENCY):
    """A money amount: '$12,345.67'; text that is not a number comes back as it was."""
    try:
        number = Decimal(str(value).replace(",", "").strip())
    except (InvalidOperation, ValueError):
        return value
    return format_currency(number, currency, locale=locale())


def number(value):
    """A number with the locale's separators: '12,345'."""
    return format_decimal(value or 0, locale=locale())


def field_value(value, kind):
    """A request-type field's stored value as people read it (money as an amount, dates as dates)."""
    if value in (None, ""):
        return ""
    if kind == "money":
        return amount(value)
    if kind == "date_past" and isinstance(value, str):
        try:
            return local_date(date.fromisoformat(value))
        except ValueError:
            return value
    return value


def format_local(value, fmt=None):
    """Render a stored UTC datetime in the ISO's local time: by default as every page shows times
    (local_datetime), or with a strftime format (files, CSV)."""
    if fmt is None:
        return local_datetime(value)
    local = to_local(value)
    return local.strftime(fmt) if local else ""

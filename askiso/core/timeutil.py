"""Time helpers: everything is stored in UTC and shown in the ISO's local time."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

LOCAL_TZ = ZoneInfo("America/New_York")


def utcnow():
    """Naive UTC now; every DateTime column stores naive UTC."""
    return datetime.now(UTC).replace(tzinfo=None)


def to_local(value):
    """A naive-UTC datetime as an aware America/New_York datetime."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(LOCAL_TZ)


def format_local(value, fmt=None):
    """Render a stored UTC datetime in the ISO's local time: by default as every page shows times
    (Babel, askiso/core/formatting.py), or with a strftime format (files, CSV)."""
    if fmt is None:
        from askiso.core.formatting import local_datetime

        return local_datetime(value)
    local = to_local(value)
    return local.strftime(fmt) if local else ""

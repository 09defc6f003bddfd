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

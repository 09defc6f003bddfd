"""Business hours between two moments for many cases at once, and their percentiles.

askiso/staff/sla.py walks day by day for one case (zoneinfo conversions each
day), fine for a due time but slow for the tens of thousands of cases a
quarter's report reads. Here the business windows of the report's days are
built once, with the business seconds before each; a moment then maps to
"business seconds since the first window" by one bisection, and a duration is a
subtraction. Same rule as sla.business_minutes_between (tested against it).
"""

import bisect
import statistics
from datetime import UTC, datetime, timedelta

from askiso.staff.sla import _window, is_business_day

EPOCH = datetime(1970, 1, 1)


def _seconds(naive_utc):
    return (naive_utc - EPOCH).total_seconds()


class BusinessCalendar:
    """The business windows of the local dates first..last (inclusive)."""

    def __init__(self, first, last, holidays):
        self.opens, self.closes, self.before = [], [], []
        total, day = 0.0, first
        while day <= last:
            if is_business_day(day, holidays):
                start, end = (_seconds(m.astimezone(UTC).replace(tzinfo=None)) for m in _window(day))
                self.opens.append(start)
                self.closes.append(end)
                self.before.append(total)
                total += end - start
            day += timedelta(days=1)

    def _position(self, moment):
        """Business seconds from the first window to `moment` (naive UTC)."""
        ts = _seconds(moment)
        i = bisect.bisect_right(self.opens, ts) - 1
        if i < 0:
            return 0.0
        return self.before[i] + min(ts, self.closes[i]) - self.opens[i]

    def minutes_between(self, start, end):
        if end <= start:
            return 0.0
        return max(0.0, self._position(end) - self._position(start)) / 60


def percentiles(values):
    """{"count", "median", "p90"} of business hours, rounded to a tenth (None without values)."""
    if not values:
        return {"count": 0, "median": None, "p90": None}
    values = sorted(values)
    p90 = statistics.quantiles(values, n=10, method="inclusive")[-1] if len(values) > 1 else values[0]
    return {"count": len(values), "median": round(statistics.median(values), 1), "p90": round(p90, 1)}

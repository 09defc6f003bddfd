"""Readable names for the browsers behind a person's sessions."""

from functools import lru_cache


@lru_cache(maxsize=512)
def describe_user_agent(ua_string):
    """'Firefox 128 on Windows 10', or a short fallback when the string is unknown."""
    ua_string = (ua_string or "").strip()
    if not ua_string:
        return "Unknown browser"
    from ua_parser import parse  # its regex tables: loaded where sessions are listed, not at start-up

    result = parse(ua_string[:300])
    browser = _name(result.user_agent)
    system = _name(result.os)
    if browser and system:
        return f"{browser} on {system}"
    return browser or system or ua_string[:60]


def _name(part):
    if part is None or not part.family or part.family == "Other":
        return ""
    return f"{part.family} {part.major}" if part.major else part.family

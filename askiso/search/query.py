"""The search language: free text for the engine, field filters for SQL and the index.

    words  "a phrase"  prefix*  typo~  -excluded  a OR b
    status:open (new, in progress, waiting)  status:closed (resolved or closed)
    status:new|in_progress|waiting|resolved  participant:CODE  type:KEY

Filters of one kind are alternatives (status:new status:waiting); filters of
different kinds, and the filters chosen in the form, all apply together.
"""

import re
from dataclasses import dataclass, field

from markupsafe import Markup, escape
from sqlalchemy import func, select

from askiso.cams.models import Participant
from askiso.cases.models import OPEN_STATUSES, STATUSES, Case, RequestType
from askiso.search.documents import MARK_END, MARK_START

STATUS_GROUPS = {"open": frozenset(OPEN_STATUSES), "closed": frozenset(("resolved", "closed"))}
STATUS_WORDS = ("open", "closed", *[s for s in STATUSES if s != "closed"])
FILTER_KINDS = ("status", "participant", "type")
MAX_QUERY = 500

_TOKEN = re.compile(r'-?"[^"]*"?|\S+')
_FILTER = re.compile(r"^(status|participant|type):(\S+)$", re.IGNORECASE)
_MARKED = re.compile(f"{MARK_START}([^{MARK_START}{MARK_END}]*){MARK_END}")


@dataclass
class ParsedQuery:
    """Free text for the engine plus (kind, allowed values) constraints."""

    text: str = ""
    constraints: list = field(default_factory=list)
    errors: list = field(default_factory=list)

    @property
    def is_empty(self):
        return not self.text and not self.constraints

    def add(self, kind, raw):
        """Add a filter given by the person; unknown statuses are an error."""
        value = (raw or "").strip()
        if not value:
            return
        if kind == "status":
            statuses = status_values(value)
            if statuses is None:
                self.errors.append(f"Unknown status “{value}”: use one of {', '.join(STATUS_WORDS)}.")
                return
            self.constraints.append(("status", statuses))
        elif kind == "participant":
            self.constraints.append(("participant", frozenset({value.lower()})))
        else:
            self.constraints.append(("type", frozenset({value.lower()})))

    def values(self, kind):
        """The constraints of one kind (each a frozenset of alternatives)."""
        return [values for k, values in self.constraints if k == kind]


def status_values(word):
    """The statuses a status filter word stands for, or None when unknown."""
    word = word.strip().lower().replace("-", "_")
    if word in STATUS_GROUPS:
        return STATUS_GROUPS[word]
    return frozenset({word}) if word in STATUSES else None


def parse_query(q, *, status=None, participant=None, request_type=None):
    """Split the typed query into engine text and filters, adding the form's filters."""
    parsed = ParsedQuery()
    words, grouped = [], {}
    for token in _TOKEN.findall((q or "")[:MAX_QUERY]):
        match = _FILTER.match(token)
        if match:
            grouped.setdefault(match.group(1).lower(), []).append(match.group(2))
        else:
            words.append(token)
    parsed.text = " ".join(words).strip()
    for kind, values in grouped.items():
        _add_alternatives(parsed, kind, values)
    for kind, value in (("status", status), ("participant", participant), ("type", request_type)):
        parsed.add(kind, value)
    return parsed


def _add_alternatives(parsed, kind, raw_values):
    """Several filters of one kind typed in the query: any of them may match."""
    probe = ParsedQuery()
    for raw in raw_values:
        probe.add(kind, raw)
    parsed.errors += probe.errors
    if probe.constraints:
        parsed.constraints.append((kind, frozenset().union(*(v for _, v in probe.constraints))))


def sql_filters(parsed):
    """SQL conditions on Case for the parsed filters."""
    clauses = []
    for values in parsed.values("status"):
        clauses.append(Case.status.in_(sorted(values)))
    for values in parsed.values("participant"):
        codes = select(Participant.id).where(func.lower(Participant.code).in_(sorted(values)))
        clauses.append(Case.participant_id.in_(codes))
    for values in parsed.values("type"):
        keys = select(RequestType.id).where(func.lower(RequestType.key).in_(sorted(values)))
        clauses.append(Case.request_type_id.in_(keys))
    return clauses


def render_snippet(marked_text):
    """Snippet text with marker characters → safe HTML: escape first, then <mark>."""
    if not marked_text:
        return None
    html = _MARKED.sub(lambda m: f"<mark>{m.group(1)}</mark>", str(escape(marked_text)))
    return Markup(html.replace(MARK_START, "").replace(MARK_END, ""))  # noqa: S704  (escaped above)


def plain_snippet(text, limit=220):
    """The start of a text, escaped, for hits that matched outside the body."""
    text = " ".join((text or "").split())
    if not text:
        return None
    return escape(text if len(text) <= limit else text[:limit].rsplit(" ", 1)[0] + " …")

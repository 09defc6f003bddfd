"""What every search backend shares: its hits, totals and errors (re-exported by the package)."""

from dataclasses import dataclass, field


class WriterBusy(RuntimeError):
    """Another process or thread is writing the index; try again later."""


class MoreThan(int):
    """A search total that stopped counting: more than this many cases match."""


class SearchUnavailable(RuntimeError):
    """The index cannot answer right now."""


@dataclass
class Hit:
    case_id: int
    # Backend-specific: matched terms (Whoosh) or the query text (PostgreSQL).
    context: dict = field(default_factory=dict)

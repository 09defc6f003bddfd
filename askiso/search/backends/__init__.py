"""Two search engines behind one small interface, chosen by SEARCH_BACKEND.

A backend offers:

- `writer()`: a context manager yielding an object with `update(doc)` and
  `delete(case_id)`; the index changes are durable when the block exits
  without error. It raises `WriterBusy` when another writer holds the lock.
- `rebuild(documents)` (Whoosh) or `rebuild_from_database(progress)`
  (PostgreSQL, set-based in SQL): the whole index from the database while
  searches keep being answered; returns the number of cases indexed.
- `search(viewer, parsed, offset, limit)`: `(hits, total)`, ranked, newest
  first on ties, restricted to the viewer's scope and the parsed filters;
  `total` may be a `MoreThan` (PostgreSQL ranks the newest matches only).
- `snippet(hit, doc, staff)`: `(Markup or None, from_internal)`.
"""

from flask import current_app

from askiso.extensions import db
from askiso.search.backends.base import Hit, MoreThan, SearchUnavailable, WriterBusy

__all__ = ["BACKENDS", "Hit", "MoreThan", "SearchUnavailable", "WriterBusy", "backend_name", "get_backend"]

BACKENDS = ("whoosh", "postgres")


def backend_name(app=None):
    app = app or current_app
    name = (app.config.get("SEARCH_BACKEND") or "whoosh").strip().lower()
    if name not in BACKENDS:
        raise RuntimeError(f"SEARCH_BACKEND must be one of {', '.join(BACKENDS)}, not {name!r}")
    return name


def get_backend(app=None):
    """The configured backend for this app."""
    app = app or current_app
    name = backend_name(app)
    if name == "postgres":
        if db.engine.dialect.name != "postgresql":
            raise RuntimeError("SEARCH_BACKEND=postgres needs DATABASE_URL to point at PostgreSQL")
        from askiso.search.backends.postgres_backend import PostgresBackend

        return PostgresBackend()
    from askiso.search.backends.whoosh_backend import WhooshBackend

    return WhooshBackend(app.config["SEARCH_INDEX_DIR"])

"""The catalogue: queues, topics and request types, as read by the pages.

The rows themselves come with the migrations (migrations/versions/a4c2e9f7b1d3_reference_catalogue.py
holds the seeded set; see docs/operations.md, "Reference data"), and admins edit them afterwards.
"""

from types import MappingProxyType

from sqlalchemy import select

from askiso.cases.models import Queue, RequestType, Topic
from askiso.core import reference
from askiso.extensions import db

# ---------------------------------------------------------------- the catalogue, kept per process

# Rows (immutable, attribute access like the models') kept by askiso/core/reference.py.
_REQUEST_TYPES = (
    select(*RequestType.__table__.columns)
    .where(RequestType.is_active.is_(True))
    .order_by(RequestType.sort_order, RequestType.name)
)
_TOPICS = select(*Topic.__table__.columns).where(Topic.is_active.is_(True)).order_by(Topic.sort_order, Topic.name)
_NAMES = select(RequestType.key, RequestType.name, RequestType.id).order_by(RequestType.sort_order, RequestType.name)
_QUEUES = (
    select(Queue.id, Queue.key, Queue.name, Queue.description).where(Queue.is_active.is_(True)).order_by(Queue.name)
)


def _rows(stmt):
    return tuple(db.session.execute(stmt).all())


def active_request_types():
    """Active request types in their order: rows with the model's columns."""
    return reference.cached("request_types", lambda: _rows(_REQUEST_TYPES))


def active_request_type(key):
    """The active request type with this key, or None."""
    return next((t for t in active_request_types() if t.key == (key or "")), None)


def request_type_names(by_name=False):
    """Rows of key, name and id of every request type, retired ones too (filters find their old
    cases): in the catalogue's order, or by name."""
    names = reference.cached("request_type_names", lambda: _rows(_NAMES))
    return tuple(sorted(names, key=lambda row: (row.name, row.key))) if by_name else names


def request_type_names_by_id():
    """{id: name} of every request type, retired ones too."""
    return reference.cached(
        "request_type_names_by_id", lambda: MappingProxyType({row.id: row.name for row in request_type_names()})
    )


def active_topics():
    """Active topics in their order: rows with the model's columns."""
    return reference.cached("topics", lambda: _rows(_TOPICS))


def active_topic(key):
    """The active topic with this key, or None."""
    return next((t for t in active_topics() if t.key == key), None) if key else None


def active_queues():
    """Active queues by name: rows of id, key, name, description."""
    return reference.cached("queues", lambda: _rows(_QUEUES))

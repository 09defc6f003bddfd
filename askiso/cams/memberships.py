"""A person's active memberships (CAMS) as this request knows them: read once a request
(again after any write), brought with the session row when there is one, by company name.

The visibility rule (askiso/visibility.py) takes its values from here; the navigation's
participant-role links ask here too.
"""

import functools
import json
import unicodedata
from typing import NamedTuple

from flask import has_request_context
from flask_login import current_user
from sqlalchemy import bindparam, func, select

from askiso.cams.models import Membership, Participant
from askiso.core.database import generic_plan
from askiso.core.request_cache import request_cache
from askiso.core.viewer import require_viewer
from askiso.extensions import db


class MembershipRow(NamedTuple):
    """One of active_memberships' rows."""

    participant_id: int
    is_external_manager: bool
    is_security_admin: bool
    participant_code: str
    participant_name: str
    participant_status: str


def _active_memberships_of(user_id, *columns):
    """SELECT `columns` over the active memberships of `user_id` (a parameter or a column) and their
    participants. By default a MembershipRow's columns, in its order."""
    columns = columns or (
        Membership.participant_id,
        Membership.is_external_manager,
        Membership.is_security_admin,
        Participant.code,
        Participant.name,
        Participant.status,
    )
    return (
        select(*columns)
        .select_from(Membership)
        .join(Participant, Participant.id == Membership.participant_id)
        .where(Membership.user_id == user_id, Membership.is_active.is_(True))
    )


@functools.cache
def _active_memberships_statement():
    # Built on first use: joins at import time would configure the mappers before every model is imported.
    # Unordered: _in_order sorts the rows.
    return generic_plan(_active_memberships_of(bindparam("viewer_id")))


def memberships_column(dialect_name, user_id, correlate):
    """The active memberships of the user whose id is the column `user_id` of the table `correlate`
    of the enclosing statement, as one JSON array: lets the statement that reads a signed-in
    request's session bring them (askiso/auth/sessions.py, note_memberships), one round trip
    fewer on every participant's page."""
    array, aggregate = (
        (func.json_build_array, func.json_agg)
        if dialect_name == "postgresql"
        else (func.json_array, func.json_group_array)
    )
    rows = _active_memberships_of(user_id).selected_columns
    return _active_memberships_of(user_id, aggregate(array(*rows))).correlate(correlate).scalar_subquery()


def _name_key(name):
    """A company name as people sort it: case and accents aside (Alpha, Ältere, beta)."""
    plain = unicodedata.normalize("NFKD", name or "")
    return "".join(c for c in plain if not unicodedata.combining(c)).casefold(), name or ""


def _in_order(rows):
    """By company name, then id: in Python, so that both ways of reading them (with the session row
    and on their own) agree whatever the database's collation."""
    return tuple(sorted(rows, key=lambda m: (*_name_key(m.participant_name), m.participant_id)))


def note_memberships(user_id, value):
    """Keep the memberships memberships_column read for this request (as active_memberships would)."""
    if not has_request_context():
        return
    cache = request_cache()
    if ("memberships", user_id) in cache:
        return
    items = json.loads(value) if isinstance(value, str) else (value or [])
    cache[("memberships", user_id)] = _in_order(
        MembershipRow(int(i[0]), bool(i[1]), bool(i[2]), i[3], i[4], i[5]) for i in items
    )


def active_memberships(viewer):
    """The viewer's active memberships with their participant's code and name, read once a request
    (again after any write): rows of participant_id, is_external_manager, is_security_admin,
    participant_code, participant_name, participant_status, by participant name. Staff have
    none here. Fails closed (VisibilityError) without a signed-in, active viewer."""
    require_viewer(viewer)
    if viewer.is_staff:
        return ()
    cache = request_cache()
    key = ("memberships", viewer.id)
    if key not in cache:
        rows = db.session.execute(_active_memberships_statement(), {"viewer_id": viewer.id}).all()
        cache[key] = _in_order(MembershipRow(*row) for row in rows)
    return cache[key]


class _NavRole:
    """Whether the navigation shows a participant-role link: true when the signed-in person holds
    the role in an active membership. Asked only when a template tests it (a page's navigation),
    so an email rendered during a request reads no memberships."""

    __slots__ = ("attribute",)

    def __init__(self, attribute):
        self.attribute = attribute

    def __bool__(self):
        if not has_request_context() or not current_user or not current_user.is_authenticated:
            return False
        if current_user.is_staff:
            return False
        return any(getattr(row, self.attribute) for row in active_memberships(current_user))


NAV_ROLES = {
    "nav_is_external_manager": _NavRole("is_external_manager"),
    "nav_is_security_admin": _NavRole("is_security_admin"),
}


def init_app(app):
    """Give every template the navigation's participant-role tests (nav_is_external_manager, ...)."""
    app.context_processor(lambda: NAV_ROLES)

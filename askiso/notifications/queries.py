"""Reading a person's notices: only those of cases they may see now.

Every read joins the case and applies the visibility rule
(askiso/visibility.py, `kept_case_clause`), so a notice of a case whose access
ended (a former member, a moved case) is neither listed, counted nor opened.
The statements are built once per kind of viewer and kept.
"""

from sqlalchemy import bindparam, func, select

from askiso.cases.models import Case
from askiso.core.database import generic_plan
from askiso.extensions import db
from askiso.notifications.models import Notification
from askiso.visibility import kept_case_clause, scoped

PAGE = 50
# The bell counts up to this many ("99+"): one bounded range of the unread index, however many.
COUNT_CAP = 100

_ME = bindparam("viewer_id")
_KEPT = {}  # (statement name, clause key) -> statement


def _kept(name, key, build):
    stmt = _KEPT.get((name, key))
    if stmt is None:
        stmt = _KEPT[(name, key)] = build()
    return stmt


def _of_visible_cases(columns, clause):
    return select(*columns).join(Case, Case.id == Notification.case_id).where(Notification.user_id == _ME, clause)


def unread_count(viewer):
    """How many unread notices the viewer has, up to COUNT_CAP (one bounded indexed count)."""
    key, clause, values = kept_case_clause(viewer)

    def build():
        unread = _of_visible_cases((Notification.id,), clause).where(Notification.read_at.is_(None))
        return generic_plan(scoped(select(func.count()).select_from(unread.limit(COUNT_CAP).subquery())))

    return db.session.scalar(_kept("count", key, build), {**values, "viewer_id": viewer.id})


def notices(viewer, before=None, unread_only=False):
    """(rows, next cursor): a page of the viewer's notices, newest first, with each case's number and
    subject. `before` is a notice id (the next page starts below it)."""
    key, clause, values = kept_case_clause(viewer)
    shape = "unread" if unread_only else "all"

    def build():
        stmt = _of_visible_cases(
            (
                Notification.id,
                Notification.kind,
                Notification.summary,
                Notification.created_at,
                Notification.read_at,
                Case.number,
                Case.subject,
            ),
            clause,
        ).where(Notification.id < bindparam("before"))
        if unread_only:
            stmt = stmt.where(Notification.read_at.is_(None))
        return scoped(stmt.order_by(Notification.id.desc()).limit(PAGE + 1))

    params = {**values, "viewer_id": viewer.id, "before": before if before is not None else 2**31 - 1}
    rows = db.session.execute(_kept(f"list-{shape}", key, build), params).all()
    more = len(rows) > PAGE
    rows = rows[:PAGE]
    return rows, (rows[-1].id if more else None)

"""The viewer's search scope, read from the same facts as askiso/visibility.py.

The index holds cases of every company, so the scope is part of each query;
hits are re-checked through visibility.py before they are shown anyway.
"""

from dataclasses import dataclass

from sqlalchemy import and_, exists, false, or_, select, true

from askiso.cams.models import Membership
from askiso.cases.models import Case, CaseContact, QueueMember
from askiso.extensions import db
from askiso.visibility import _require_viewer, _restricted_to_queues


@dataclass(frozen=True)
class Scope:
    user_id: int
    queue_ids: tuple = ()
    # Participants whose every case the viewer sees (External Manager).
    all_cases_of: tuple = ()
    # Participants where the viewer sees cases they submitted or follow.
    own_cases_of: tuple = ()
    own_inquiries: bool = True


def viewer_scope(viewer):
    """(is_staff, Scope or None); None means every case. Fails closed without a viewer."""
    _require_viewer(viewer)
    if viewer.is_staff:
        if _restricted_to_queues(viewer):
            queues = db.session.scalars(select(QueueMember.queue_id).where(QueueMember.user_id == viewer.id))
            return True, Scope(viewer.id, queue_ids=tuple(sorted(queues)), own_inquiries=False)
        return True, None
    rows = db.session.execute(
        select(Membership.participant_id, Membership.is_external_manager).where(
            Membership.user_id == viewer.id, Membership.is_active.is_(True)
        )
    ).all()
    managed = tuple(sorted({pid for pid, em in rows if em}))
    member = tuple(sorted({pid for pid, em in rows if not em} - set(managed)))
    return False, Scope(viewer.id, all_cases_of=managed, own_cases_of=member)


def scope_clause(scope):
    """The Scope as a SQL condition on Case (True for "every case").

    Searches AND it with visibility.py's own condition: two independent
    statements of the rules must both let a case through.
    """
    if scope is None:
        return true()
    follows = exists().where(CaseContact.case_id == Case.id, CaseContact.user_id == scope.user_id).correlate(Case)
    clauses = []
    if scope.queue_ids:
        clauses.append(Case.queue_id.in_(scope.queue_ids))
    if scope.all_cases_of:
        clauses.append(Case.participant_id.in_(scope.all_cases_of))
    if scope.own_cases_of:
        clauses.append(
            and_(Case.participant_id.in_(scope.own_cases_of), or_(Case.submitter_id == scope.user_id, follows))
        )
    if scope.own_inquiries:
        clauses.append(and_(Case.participant_id.is_(None), Case.submitter_id == scope.user_id))
    return or_(*clauses) if clauses else false()

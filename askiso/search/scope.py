"""The viewer's search scope, derived from askiso/visibility.py's rule.

The index holds cases of every company, so the scope is part of each query: the Scope is the
rule's values for this viewer (visibility.rule_values) in the shape the index filters by, and
scope_clause is the rule itself with those values bound (visibility.bound_rule). Hits are
re-checked through visibility.py before they are shown anyway.
"""

from dataclasses import dataclass

from sqlalchemy import select, true

from askiso.cases.models import QueueMember
from askiso.extensions import db
from askiso.visibility import bound_rule, rule_values


@dataclass(frozen=True)
class Scope:
    user_id: int
    queue_ids: tuple = ()
    # Participants whose every case the viewer sees (External Manager).
    all_cases_of: tuple = ()
    # Participants where the viewer sees cases they submitted or follow.
    own_cases_of: tuple = ()
    own_inquiries: bool = True

    @property
    def rule(self):
        """(key, values): the visibility rule this scope stands for (see visibility.RULES)."""
        if not self.own_inquiries:  # an agent restricted to their queues
            return "staff-queues", {"viewer_id": self.user_id}
        return "participant", {
            "viewer_id": self.user_id,
            "member_ids": [*self.all_cases_of, *self.own_cases_of],
            "managed_ids": list(self.all_cases_of),
        }


def viewer_scope(viewer):
    """(is_staff, Scope or None); None means every case. Fails closed without a viewer."""
    key, values = rule_values(viewer)
    if key == "staff":
        return True, None
    if key == "staff-queues":
        queues = db.session.scalars(select(QueueMember.queue_id).where(QueueMember.user_id == viewer.id))
        return True, Scope(viewer.id, queue_ids=tuple(sorted(queues)), own_inquiries=False)
    managed = tuple(sorted(set(values["managed_ids"])))
    member = tuple(sorted(set(values["member_ids"]) - set(managed)))
    return False, Scope(viewer.id, all_cases_of=managed, own_cases_of=member)


def scope_clause(scope):
    """The Scope as a SQL condition on Case (True for "every case"): the rule, bound."""
    if scope is None:
        return true()
    return bound_rule(*scope.rule)

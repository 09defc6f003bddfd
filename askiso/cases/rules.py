"""Named rules for what a person may do with cases (who *sees* is visibility.py)."""

from datetime import timedelta
from typing import NamedTuple

from sqlalchemy import select

from askiso.cams.memberships import active_memberships
from askiso.cams.models import Membership
from askiso.core.timeutil import utcnow
from askiso.extensions import db
from askiso.visibility import can_view_case

REOPEN_WINDOW = timedelta(days=14)


def active_membership(user, participant_id):
    """The user's active membership of a participant, or None."""
    if user is None or participant_id is None:
        return None
    return db.session.scalar(
        select(Membership).where(
            Membership.user_id == user.id,
            Membership.participant_id == participant_id,
            Membership.is_active.is_(True),
        )
    )


def is_active_member(user, participant_id):
    """Is the user an active member of this participant? (Their memberships as read this request.)"""
    if user is None or participant_id is None:
        return False
    if user.is_staff:
        return active_membership(user, participant_id) is not None
    return any(m.participant_id == participant_id for m in active_memberships(user))


class Company(NamedTuple):
    """A participant as the person's memberships show it."""

    id: int
    name: str
    code: str
    status: str


def member_companies(user):
    """Every participant the user is an active member of, by name (read once a request)."""
    return [
        Company(m.participant_id, m.participant_name, m.participant_code, m.participant_status)
        for m in active_memberships(user)
    ]


def submittable_participants(user):
    """Active participants the user is an active member of (for the chooser)."""
    return [company for company in member_companies(user) if company.status == "active"]


def can_submit_for(user, participant, request_type):
    """May this person file this request type for this participant (or none)?"""
    if user is None or not user.is_active or not request_type.is_active:
        return False
    if participant is None:
        return request_type.for_non_participants
    if not request_type.for_participants or participant.status != "active":
        return False
    return is_active_member(user, participant.id)


def is_read_only_for(user, case):
    """Non-staff cannot act on cases of a suspended or retired participant."""
    if user.is_staff or case.participant is None:
        return False
    return case.participant.status != "active"


def can_reply(user, case):
    if not can_view_case(user, case):
        return False
    if user.is_staff:
        return True
    return case.status != "closed" and not is_read_only_for(user, case) and case.merged_into_id is None


def can_close(user, case):
    if not can_view_case(user, case) or case.status == "closed":
        return False
    return user.is_staff or not is_read_only_for(user, case)


def reopen_deadline(case):
    """Until when a participant may reopen a Resolved or Closed case."""
    ended = case.closed_at if case.status == "closed" else case.resolved_at
    return (ended or case.updated_at) + REOPEN_WINDOW


def can_reopen(user, case):
    if not can_view_case(user, case) or case.status not in ("resolved", "closed"):
        return False
    if user.is_staff:
        return case.merged_into_id is None
    if is_read_only_for(user, case) or case.merged_into_id is not None:
        return False
    return utcnow() <= reopen_deadline(case)


def can_manage_contacts(user, case):
    if not can_view_case(user, case) or case.participant_id is None:
        return False
    return user.is_staff or not is_read_only_for(user, case)


def can_be_contact(user, case):
    """Contacts are colleagues of the same participant with an active membership."""
    return (
        user is not None
        and user.is_active
        and case.participant_id is not None
        and is_active_member(user, case.participant_id)
    )

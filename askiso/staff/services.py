"""Staff operations on cases: assignment, bulk actions, canned responses, saved views.

Every change goes through the case service layer (askiso/cases/services.py),
which checks versions, audits and sends the case signals. These functions
flush; the view commits.
"""

import functools
from dataclasses import dataclass, field

from sqlalchemy import bindparam, or_, select

from askiso.auth.models import User
from askiso.cases import catalog
from askiso.cases import services as case_services
from askiso.cases.models import PRIORITIES, Case, Queue
from askiso.cases.services import CaseError, InvalidCase, NotAllowed, StaleCase
from askiso.core.database import generic_plan
from askiso.extensions import db
from askiso.staff.models import CannedResponse, SavedView
from askiso.visibility import visible_cases

BULK_ACTIONS = ("assign", "status", "priority", "queue")
SAVED_VIEW_LIMIT = 50


# ---------------------------------------------------------------- people and queues


def staff_members():
    """Active staff accounts, by name (the assignee choices): rows of id, name, email, staff_role."""
    return db.session.execute(_staff_members_statement()).all()


def active_queues():
    """Active queues by name: rows of id, key, name, description."""
    return catalog.active_queues()


# Plain rows from statements built once: these lists fill a select on the busiest staff pages.
@functools.cache
def _staff_members_statement():
    return generic_plan(
        select(User.id, User.name, User.email, User.staff_role)
        .where(User.staff_role.isnot(None), User.is_active.is_(True))
        .order_by(User.name)
    )


def my_queue_ids(user):
    from askiso.cases.models import QueueMember

    return list(db.session.scalars(select(QueueMember.queue_id).where(QueueMember.user_id == user.id)))


def staff_user(user_id):
    user = db.session.get(User, user_id) if user_id else None
    if user is None or not user.is_staff or not user.is_active:
        raise InvalidCase({"assignee": "Choose an active staff member."})
    return user


def active_queue(queue_id):
    queue = db.session.get(Queue, queue_id) if queue_id else None
    if queue is None or not queue.is_active:
        raise InvalidCase({"queue": "Choose an active queue."})
    return queue


# ---------------------------------------------------------------- single-case actions


def assign(case, actor, assignee_id, expected_version=None):
    """Assign the case to a staff member (None unassigns)."""
    if assignee_id in (None, "", 0):
        return case_services.update_case(case, actor, expected_version=expected_version, assignee_id=None)
    user = staff_user(int(assignee_id))
    return case_services.update_case(case, actor, expected_version=expected_version, assignee_id=user.id)


def take(case, actor, expected_version=None):
    """Assign the case to the acting staff member."""
    return assign(case, actor, actor.id, expected_version)


def transfer(case, actor, queue_id, expected_version=None):
    """Move the case to another queue."""
    queue = active_queue(int(queue_id) if str(queue_id or "").isdigit() else None)
    return case_services.update_case(case, actor, expected_version=expected_version, queue_id=queue.id)


def set_priority(case, actor, priority, expected_version=None):
    if priority not in PRIORITIES:
        raise InvalidCase({"priority": "Choose a priority from the list."})
    return case_services.update_case(case, actor, expected_version=expected_version, priority=priority)


def set_status(case, actor, status, reason=None, expected_version=None):
    return case_services.change_status(case, actor, status, reason=reason, expected_version=expected_version)


# ---------------------------------------------------------------- bulk


@dataclass
class BulkResult:
    done: list = field(default_factory=list)
    stale: list = field(default_factory=list)
    failed: list = field(default_factory=list)  # (number, message)
    missing: list = field(default_factory=list)


def parse_selection(values):
    """Checkbox values 'NUMBER:VERSION' as {number: version}."""
    selected = {}
    for raw in values:
        number, _, version = (raw or "").partition(":")
        number = number.strip()[:20]
        if number:
            selected[number] = int(version) if version.isdigit() else None
    return selected


def _bulk_one(case, actor, action, value, version):
    if action == "assign":
        target = actor.id if value == "me" else (None if value == "unassigned" else value)
        return assign(case, actor, int(target) if str(target or "").isdigit() else target, version)
    if action == "status":
        return set_status(case, actor, value, reason="bulk change", expected_version=version)
    if action == "priority":
        return set_priority(case, actor, value, version)
    return transfer(case, actor, value, version)


def bulk_apply(actor, selection, action, value):
    """Apply one action to each selected case the actor may see; report stale rows."""
    if action not in BULK_ACTIONS:
        raise InvalidCase({"action": "Choose an action."})
    if value in (None, ""):
        raise InvalidCase({"value": "Choose the new value."})
    result = BulkResult()
    cases = {
        c.number: c
        for c in db.session.scalars(visible_cases(actor).where(Case.number.in_(list(selection)))).all()
    }
    for number, version in selection.items():
        case = cases.get(number)
        if case is None:
            result.missing.append(number)
            continue
        try:
            _bulk_one(case, actor, action, value, version)
        except StaleCase:
            result.stale.append(number)
        except InvalidCase as exc:
            result.failed.append((number, "; ".join(exc.errors.values())))
        except (NotAllowed, CaseError) as exc:
            result.failed.append((number, str(exc)))
        else:
            result.done.append(number)
    return result


# ---------------------------------------------------------------- canned responses


PLACEHOLDERS = ("participant_name", "case_number", "requester_first_name")


def canned_for(case):
    """Active canned responses usable on this case: global ones and its queue's."""
    return db.session.scalars(_canned_statement(), {"queue_id": case.queue_id}).all()


@functools.cache
def _canned_statement():
    # Built once (every staff case page asks; building it cost more than running it).
    return generic_plan(
        select(CannedResponse)
        .where(
            CannedResponse.is_active.is_(True),
            or_(CannedResponse.queue_id.is_(None), CannedResponse.queue_id == bindparam("queue_id")),
        )
        .order_by(CannedResponse.title)
    )


def fill_placeholders(text, case):
    """Replace {participant_name}, {case_number} and {requester_first_name}."""
    values = {
        "participant_name": case.participant.name if case.participant else "",
        "case_number": case.number,
        "requester_first_name": case.submitter.first_name if case.submitter else "",
    }
    for key, value in values.items():
        text = text.replace("{" + key + "}", value)
    return text


def canned_text(case, canned_id):
    """The filled text of a canned response usable on this case, or None."""
    if not str(canned_id or "").isdigit():
        return None
    usable = {c.id: c for c in canned_for(case)}
    canned = usable.get(int(canned_id))
    return fill_placeholders(canned.body, case) if canned else None


# ---------------------------------------------------------------- saved views


def saved_views(user):
    return db.session.scalars(select(SavedView).where(SavedView.user_id == user.id).order_by(SavedView.name)).all()


def save_view(user, name, query_string):
    """Save (or overwrite by name) the person's current list filter."""
    name = (name or "").strip()
    if not name:
        raise InvalidCase({"name": "Give the view a name."})
    if len(name) > 80:
        raise InvalidCase({"name": "Use at most 80 characters."})
    existing = db.session.scalar(select(SavedView).where(SavedView.user_id == user.id, SavedView.name == name))
    if existing is None:
        if len(saved_views(user)) >= SAVED_VIEW_LIMIT:
            raise InvalidCase({"name": f"You can keep at most {SAVED_VIEW_LIMIT} views; delete one first."})
        existing = SavedView(user_id=user.id, name=name)
        db.session.add(existing)
    existing.query_string = (query_string or "")[:2000]
    db.session.flush()
    return existing


def delete_view(user, view_id):
    view = db.session.get(SavedView, view_id)
    if view is None or view.user_id != user.id:
        return False
    db.session.delete(view)
    db.session.flush()
    return True

"""Staff administration: accounts, queues, request types, canned responses,
holidays and service-level settings. Every change is audited."""

import re

from sqlalchemy import select

from askiso.audit.services import record
from askiso.auth import services as auth_services
from askiso.auth.models import STAFF_ROLES, User, normalize_email, user_by_email
from askiso.cases.fields import BrokenDefinition, check_definition, revise_fields
from askiso.cases.models import Queue, QueueMember, RequestType
from askiso.cases.services import InvalidCase
from askiso.core.timeutil import utcnow
from askiso.extensions import db
from askiso.staff.models import CannedResponse, Holiday, ServiceLevelSettings
from askiso.staff.sla import DEFAULTS

_KEY = re.compile(r"^[a-z][a-z0-9_]{1,39}$")


# ---------------------------------------------------------------- staff accounts


def staff_accounts():
    return db.session.scalars(select(User).where(User.staff_role.isnot(None)).order_by(User.name)).all()


def create_staff(actor, email, name, role):
    """A new staff account with an emailed set-password link."""
    if role not in STAFF_ROLES:
        raise InvalidCase({"role": "Choose a role."})
    existing = user_by_email(email)
    if existing is not None:
        raise InvalidCase({"email": "An account with this email already exists; change its role instead."})
    user = auth_services.create_user(normalize_email(email), name, staff_role=role)
    auth_services.send_set_password_email(user, invited_by=actor)
    record("staff.account_created", actor, subject_user=user, role=role)
    return user


def change_role(actor, user, role):
    """Change a staff member's role (admins cannot demote themselves)."""
    if role not in STAFF_ROLES:
        raise InvalidCase({"role": "Choose a role."})
    if user.id == actor.id and role != "admin":
        raise InvalidCase({"role": "You cannot lower your own role; ask another admin."})
    if user.staff_role == role:
        return False
    before, user.staff_role = user.staff_role, role
    record("staff.role_changed", actor, subject_user=user, before=before, after=role)
    return True


def deactivate_staff(actor, user):
    if user.id == actor.id:
        raise InvalidCase({"user": "You cannot deactivate your own account."})
    return auth_services.deactivate_user(user, actor)


def reactivate_staff(actor, user):
    return auth_services.reactivate_user(user, actor)


# ---------------------------------------------------------------- queues


def save_queue(actor, queue, key, name, description, is_active):
    """Create (queue None) or edit a queue."""
    key = (key or "").strip().lower()
    if not _KEY.match(key):
        raise InvalidCase({"key": "Use 2-40 lower-case letters, digits and underscores, starting with a letter."})
    clash = db.session.scalar(select(Queue).where(Queue.key == key))
    if clash is not None and clash is not queue:
        raise InvalidCase({"key": "Another queue uses this key."})
    created = queue is None
    if created:
        queue = Queue()
        db.session.add(queue)
    queue.key, queue.name, queue.description, queue.is_active = key, name.strip(), description or "", is_active
    db.session.flush()
    record("staff.queue_created" if created else "staff.queue_updated", actor, queue=queue.key,
           active=is_active)
    return queue


def set_queue_members(actor, queue, user_ids):
    """Make the queue's members exactly these staff accounts."""
    wanted = {u.id for u in db.session.scalars(select(User).where(User.id.in_(user_ids),
                                                                  User.staff_role.isnot(None)))}
    current = {m.user_id for m in queue.members}
    for member in list(queue.members):
        if member.user_id not in wanted:
            queue.members.remove(member)
    for user_id in wanted - current:
        queue.members.append(QueueMember(user_id=user_id))
    db.session.flush()
    if wanted != current:
        record("staff.queue_members_changed", actor, queue=queue.key,
               added=sorted(wanted - current), removed=sorted(current - wanted))


# ---------------------------------------------------------------- request types


class InvalidRequestType(InvalidCase):
    """A request type that cannot be saved; `definition` (a BrokenDefinition) when its fields are broken."""

    def __init__(self, errors, definition=None):
        super().__init__(errors)
        self.definition = definition


def save_request_type(actor, request_type, data):
    """Create (request_type None) or edit a request type from the form's data.

    `data["fields"]` are the builder's rows as typed; every problem, with the
    fields or the rest, is reported at once and nothing is changed.
    """
    errors, definition, specs = _type_problems(request_type, data), None, []
    try:
        specs = check_definition(data.get("fields") or [])
    except BrokenDefinition as broken:
        definition = broken
        errors["fields"] = _fields_summary(broken)
    if errors:
        raise InvalidRequestType(errors, definition)
    created = request_type is None
    if created:
        request_type = RequestType()
        db.session.add(request_type)
    request_type.key = data["key"].strip().lower()
    for name in ("name", "description", "file_required", "queue_id", "for_participants",
                 "for_non_participants", "is_active"):
        setattr(request_type, name, data[name])
    fields_changed = revise_fields(request_type, specs)
    db.session.flush()
    record("staff.request_type_created" if created else "staff.request_type_updated", actor,
           request_type=request_type.key, queue_id=request_type.queue_id, active=request_type.is_active,
           fields=[spec["name"] for spec in specs], field_revision=request_type.field_revision,
           fields_changed=fields_changed)
    return request_type


def _type_problems(request_type, data):
    key = (data["key"] or "").strip().lower()
    if not _KEY.match(key):
        return {"key": "Use 2-40 lower-case letters, digits and underscores, starting with a letter."}
    problems = {}
    clash = db.session.scalar(select(RequestType).where(RequestType.key == key))
    if clash is not None and clash is not request_type:
        problems["key"] = "Another request type uses this key."
    if not (data["for_participants"] or data["for_non_participants"]):
        problems["for_participants"] = "Offer it to participants, non-participants or both."
    return problems


def _fields_summary(broken):
    count = len(broken.errors)
    if not count:
        return " ".join(broken.problems)
    marked = f"{count} {'field needs' if count == 1 else 'fields need'} fixing (marked below)."
    return " ".join([*broken.problems, marked])


# ---------------------------------------------------------------- canned responses


def save_canned(actor, canned, title, body, queue_id, is_active):
    created = canned is None
    if created:
        canned = CannedResponse()
        db.session.add(canned)
    canned.title, canned.body = title.strip(), body.strip()
    canned.queue_id = queue_id or None
    canned.is_active = is_active
    canned.updated_at = utcnow()
    db.session.flush()
    record("staff.canned_created" if created else "staff.canned_updated", actor, canned_id=canned.id,
           title=canned.title)
    return canned


def delete_canned(actor, canned):
    record("staff.canned_deleted", actor, canned_id=canned.id, title=canned.title)
    db.session.delete(canned)
    db.session.flush()


# ---------------------------------------------------------------- holidays and service levels


def add_holiday(actor, day, name):
    if db.session.scalar(select(Holiday).where(Holiday.day == day)) is not None:
        raise InvalidCase({"day": "This date is already a holiday."})
    holiday = Holiday(day=day, name=name.strip())
    db.session.add(holiday)
    db.session.flush()
    record("staff.holiday_added", actor, day=day.isoformat(), name=holiday.name)
    return holiday


def delete_holiday(actor, holiday):
    record("staff.holiday_removed", actor, day=holiday.day.isoformat(), name=holiday.name)
    db.session.delete(holiday)
    db.session.flush()


def save_service_levels(actor, values):
    """Store the targets (business minutes and autoclose days); audited before/after."""
    if values["reminder_days"] >= values["autoclose_days"]:
        raise InvalidCase({"reminder_days": "Send the reminder before the automatic closure."})
    row = db.session.get(ServiceLevelSettings, 1)
    if row is None:
        row = ServiceLevelSettings(id=1, **DEFAULTS)
        db.session.add(row)
    before = {k: getattr(row, k) for k in DEFAULTS}
    for key in DEFAULTS:
        setattr(row, key, values[key])
    row.updated_at = utcnow()
    db.session.flush()
    record("staff.service_levels_changed", actor, before=before, after={k: values[k] for k in DEFAULTS})
    return row

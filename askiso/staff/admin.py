"""Staff administration: accounts, queues, request types, canned responses,
holidays and service-level settings. Every change is audited."""

import json
import re

from sqlalchemy import select

from askiso.audit.services import record
from askiso.auth import services as auth_services
from askiso.auth.models import STAFF_ROLES, User, normalize_email, user_by_email
from askiso.cases.models import Queue, QueueMember, RequestType
from askiso.cases.services import InvalidCase
from askiso.core.timeutil import utcnow
from askiso.extensions import db
from askiso.staff.models import CannedResponse, Holiday, ServiceLevelSettings
from askiso.staff.sla import DEFAULTS

_FIELD_TYPES = ("text", "textarea", "phone", "email", "date_past", "money", "choice")
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


def parse_fields_json(text):
    """Validate the request type fields editor (a JSON list of field specs)."""
    try:
        fields = json.loads(text or "[]")
    except json.JSONDecodeError as exc:
        raise InvalidCase({"fields": f"Not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})."}) from None
    if not isinstance(fields, list):
        raise InvalidCase({"fields": "Give a list of fields: [ {...}, {...} ]."})
    names, problems = set(), []
    for i, spec in enumerate(fields, 1):
        problems += _field_problems(i, spec, names)
    if problems:
        raise InvalidCase({"fields": " ".join(problems)})
    return fields


def _field_problems(i, spec, names):
    if not isinstance(spec, dict):
        return [f"Field {i} must be an object."]
    problems = []
    name = spec.get("name")
    if not isinstance(name, str) or not _KEY.match(name):
        problems.append(f"Field {i}: “name” must be lower_case_with_underscores.")
    elif name in names:
        problems.append(f"Field {i}: the name “{name}” is used twice.")
    names.add(name)
    if not isinstance(spec.get("label"), str) or not spec.get("label").strip():
        problems.append(f"Field {i}: give a “label”.")
    if spec.get("type", "text") not in _FIELD_TYPES:
        problems.append(f"Field {i}: “type” must be one of {', '.join(_FIELD_TYPES)}.")
    if spec.get("type") == "choice" and not (isinstance(spec.get("choices"), list) and spec["choices"]):
        problems.append(f"Field {i}: a choice field needs a non-empty “choices” list.")
    if "required" in spec and not isinstance(spec["required"], bool):
        problems.append(f"Field {i}: “required” must be true or false.")
    return problems


def save_request_type(actor, request_type, data):
    """Create (request_type None) or edit a request type from validated form data."""
    fields = parse_fields_json(data["fields_json"])
    key = (data["key"] or "").strip().lower()
    if not _KEY.match(key):
        raise InvalidCase({"key": "Use 2-40 lower-case letters, digits and underscores, starting with a letter."})
    clash = db.session.scalar(select(RequestType).where(RequestType.key == key))
    if clash is not None and clash is not request_type:
        raise InvalidCase({"key": "Another request type uses this key."})
    if not (data["for_participants"] or data["for_non_participants"]):
        raise InvalidCase({"for_participants": "Offer it to participants, non-participants or both."})
    created = request_type is None
    if created:
        request_type = RequestType()
        db.session.add(request_type)
    request_type.key = key
    for name in ("name", "description", "file_required", "queue_id", "for_participants",
                 "for_non_participants", "is_active"):
        setattr(request_type, name, data[name])
    request_type.fields = fields
    db.session.flush()
    record("staff.request_type_created" if created else "staff.request_type_updated", actor,
           request_type=key, queue_id=request_type.queue_id, active=request_type.is_active)
    return request_type


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

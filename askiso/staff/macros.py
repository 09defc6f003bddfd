"""Macros: a named set of staff actions (text, status, priority, queue, assignee) applied at once.

Shared macros (no owner) are managed by admins; personal ones by the agent who owns them. A macro is
applied through the case page's one submit (askiso/staff/casework.work_case), so it is checked
against the case version once and lands all or nothing.
"""

import functools
from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, bindparam, or_, select
from sqlalchemy.orm import Mapped, joinedload, mapped_column, relationship

from askiso.core.database import generic_plan
from askiso.core.timeutil import utcnow
from askiso.extensions import db

# What a macro does to the assignee: leave it, the person applying it, nobody, or one named person.
ASSIGN_CHOICES = (
    ("", "Leave as it is"),
    ("me", "The person applying it"),
    ("nobody", "Unassign"),
    ("user", "This staff member:"),
)


class Macro(db.Model):
    """A named set of staff actions; shared when owner_id is None."""

    __tablename__ = "macros"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80))
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    body: Mapped[str] = mapped_column(Text, default="")
    is_internal: Mapped[bool] = mapped_column(default=False)
    status: Mapped[str | None] = mapped_column(String(20))
    priority: Mapped[str | None] = mapped_column(String(20))
    queue_id: Mapped[int | None] = mapped_column(ForeignKey("queues.id", ondelete="SET NULL"))
    assign_to: Mapped[str] = mapped_column(String(10), default="")
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    is_active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    queue = relationship("Queue")
    assignee = relationship("User", foreign_keys=[assignee_id])

    @property
    def is_shared(self):
        return self.owner_id is None

    def property_values(self, actor):
        """The case properties this macro sets, as posted strings (see casework.property_changes)."""
        values = {
            "status": self.status,
            "priority": self.priority,
            "queue": str(self.queue_id) if self.queue_id else None,
        }
        if self.assign_to == "me":
            values["assignee"] = str(actor.id)
        elif self.assign_to == "nobody":
            values["assignee"] = ""
        elif self.assign_to == "user" and self.assignee_id:
            values["assignee"] = str(self.assignee_id)
        return {name: value for name, value in values.items() if value is not None}


def usable_macros(user):
    """Active macros this person may apply: shared ones and their own, shared first, by name."""
    return db.session.scalars(_usable_statement(), {"user_id": user.id}).all()


@functools.cache
def _usable_statement():
    # Built once (every staff case page asks; building it cost more than running it).
    return generic_plan(
        select(Macro)
        .options(joinedload(Macro.queue), joinedload(Macro.assignee))  # the summaries name them
        .where(Macro.is_active.is_(True), or_(Macro.owner_id.is_(None), Macro.owner_id == bindparam("user_id")))
        .order_by(Macro.owner_id.isnot(None), Macro.name)
    )


def usable_macro(user, macro_id):
    """The active macro with this id that the person may apply, or None."""
    macro = db.session.get(Macro, int(macro_id)) if str(macro_id or "").isdigit() else None
    if macro is None or not macro.is_active or macro.owner_id not in (None, user.id):
        return None
    return macro


def can_manage(user, macro):
    """Admins manage shared macros; everyone manages only their own personal ones."""
    return user.is_admin if macro.owner_id is None else macro.owner_id == user.id


def managed_macros(user):
    """The macros on the management page: shared ones (editable by admins) and the person's own."""
    return db.session.scalars(
        select(Macro)
        .options(joinedload(Macro.queue), joinedload(Macro.assignee))
        .where(or_(Macro.owner_id.is_(None), Macro.owner_id == user.id))
        .order_by(Macro.owner_id.isnot(None), Macro.name)
    ).all()


def summary(macro):
    """What the macro does, in words: 'Public reply; status Waiting on Participant; priority high'."""
    from askiso.cases.models import STATUS_LABELS

    parts = []
    if macro.body:
        parts.append("internal note" if macro.is_internal else "public reply")
    if macro.status:
        parts.append(f"status {STATUS_LABELS.get(macro.status, macro.status)}")
    if macro.priority:
        parts.append(f"priority {macro.priority}")
    if macro.queue_id:
        parts.append(f"queue {macro.queue.name}")
    labels = {"me": "assign to you", "nobody": "unassign"}
    if macro.assign_to in labels:
        parts.append(labels[macro.assign_to])
    elif macro.assign_to == "user" and macro.assignee:
        parts.append(f"assign to {macro.assignee.name}")
    text = "; ".join(parts)
    return text[:1].upper() + text[1:] if text else "Does nothing yet"


def save_macro(actor, macro, data):
    """Create or update a macro from the form's data; shared only when an admin asks. Flushes."""
    from askiso.audit.services import record
    from askiso.cases.services import InvalidCase

    if not (data.get("body") or "").strip() and not any(
        data.get(k) for k in ("status", "priority", "queue_id", "assign_to")
    ):
        raise InvalidCase({"name": "A macro must do something: give it a text or a property to set."})
    if data.get("assign_to") == "user" and not data.get("assignee_id"):
        raise InvalidCase({"assignee_id": "Choose the staff member to assign to."})
    created = macro is None
    if created:
        macro = Macro()
        db.session.add(macro)
    shared = bool(data.get("is_shared")) and actor.is_admin
    macro.owner_id = None if shared else actor.id
    macro.name, macro.body = data["name"].strip(), (data.get("body") or "").strip()
    macro.is_internal = bool(data.get("is_internal"))
    macro.status, macro.priority = data.get("status") or None, data.get("priority") or None
    macro.queue_id = int(data["queue_id"]) if str(data.get("queue_id") or "").isdigit() else None
    macro.assign_to = data.get("assign_to") or ""
    macro.assignee_id = int(data["assignee_id"]) if macro.assign_to == "user" else None
    macro.is_active = bool(data.get("is_active"))
    macro.updated_at = utcnow()
    db.session.flush()
    record(
        "staff.macro_created" if created else "staff.macro_updated",
        actor,
        macro_id=macro.id,
        name=macro.name,
        shared=macro.is_shared,
    )
    return macro


def delete_macro(actor, macro):
    from askiso.audit.services import record

    record("staff.macro_deleted", actor, macro_id=macro.id, name=macro.name, shared=macro.is_shared)
    db.session.delete(macro)
    db.session.flush()

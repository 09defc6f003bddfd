"""Macros: a named set of staff actions (text, status, priority, queue, assignee) applied at once.

Shared macros (no owner) are managed by admins; personal ones by the agent who owns them. A macro is
applied through the case page's one submit (askiso/staff/casework.work_case), so it is checked
against the case version once and lands all or nothing.
"""

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, or_, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from askiso.core.timeutil import utcnow
from askiso.extensions import db

# What a macro does to the assignee: leave it, the person applying it, nobody, or one named person.
ASSIGN_CHOICES = (("", "Leave as it is"), ("me", "The person applying it"), ("nobody", "Unassign"),
                  ("user", "This staff member:"))


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
        values = {"status": self.status, "priority": self.priority,
                  "queue": str(self.queue_id) if self.queue_id else None}
        if self.assign_to == "me":
            values["assignee"] = str(actor.id)
        elif self.assign_to == "nobody":
            values["assignee"] = ""
        elif self.assign_to == "user" and self.assignee_id:
            values["assignee"] = str(self.assignee_id)
        return {name: value for name, value in values.items() if value is not None}


def usable_macros(user):
    """Active macros this person may apply: shared ones and their own, shared first, by name."""
    return db.session.scalars(
        select(Macro)
        .where(Macro.is_active.is_(True), or_(Macro.owner_id.is_(None), Macro.owner_id == user.id))
        .order_by(Macro.owner_id.isnot(None), Macro.name)
    ).all()


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
        select(Macro).where(or_(Macro.owner_id.is_(None), Macro.owner_id == user.id))
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
    return "; ".join(parts).capitalize() or "Does nothing yet"

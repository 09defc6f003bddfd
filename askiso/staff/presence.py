"""Presence: who else has a staff case page open, and who is typing on it.

Each open page reports every few seconds (static/js/staff.js); a report older than
PRESENCE_SECONDS no longer counts. The rows live in the database, so every web host sees the
same people (no process memory, no extra service); one row per person and case, updated in place.
"""

from datetime import datetime, timedelta

from sqlalchemy import ForeignKey, String, delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from askiso.auth.models import User
from askiso.core.timeutil import utcnow
from askiso.extensions import db

PRESENCE_SECONDS = 20
REPORT_EVERY_SECONDS = 5


class CasePresence(db.Model):
    """A staff member's last report from a case page: viewing or typing, and when."""

    __tablename__ = "case_presence"

    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    state: Mapped[str] = mapped_column(String(10), default="viewing")
    seen_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


def report(case, user, typing=False, now=None):
    """Record that `user` has the case open (typing or not); flushes."""
    now = now or utcnow()
    state = "typing" if typing else "viewing"
    updated = db.session.execute(
        update(CasePresence)
        .where(CasePresence.case_id == case.id, CasePresence.user_id == user.id)
        .values(state=state, seen_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    if updated:
        return
    try:
        with db.session.begin_nested():  # the same person's other tab may insert at the same moment
            db.session.add(CasePresence(case_id=case.id, user_id=user.id, state=state, seen_at=now))
    except IntegrityError:
        report(case, user, typing, now)


def leave(case, user):
    """The page was closed: forget the person at once."""
    db.session.execute(delete(CasePresence).where(CasePresence.case_id == case.id, CasePresence.user_id == user.id))


def others(case, user, now=None):
    """Other staff with the case open in the last PRESENCE_SECONDS: [{"name", "typing"}], by name."""
    since = (now or utcnow()) - timedelta(seconds=PRESENCE_SECONDS)
    rows = db.session.execute(
        select(User.name, CasePresence.state)
        .join(User, User.id == CasePresence.user_id)
        .where(CasePresence.case_id == case.id, CasePresence.user_id != user.id, CasePresence.seen_at >= since)
        .order_by(User.name)
    ).all()
    return [{"name": name, "typing": state == "typing"} for name, state in rows]

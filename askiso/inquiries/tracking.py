"""What a tracking link shows of its one case: the public messages and public files, up to the
moment the rule stops letting the inquirer see it (askiso/visibility.py, tracking_view_ends_at)."""

from sqlalchemy import false, select

from askiso.cases.models import Attachment, Message
from askiso.visibility import PUBLIC_FILE, PUBLIC_MESSAGE, scoped, tracking_view_ends_at


def visible_messages_for_tracking(case):
    """The public messages of the one case a tracking link opens, oldest first."""
    if case is None:
        return scoped(select(Message).where(false()))
    stmt = select(Message).where(Message.case_id == case.id, PUBLIC_MESSAGE).order_by(Message.created_at, Message.id)
    ends_at = tracking_view_ends_at(case)
    return scoped(stmt if ends_at is None else stmt.where(Message.created_at < ends_at))


def visible_attachments_for_tracking(case):
    """The public files of the one case a tracking link opens (never files of internal notes)."""
    if case is None:
        return scoped(select(Attachment).where(false()))
    stmt = (
        select(Attachment)
        .where(Attachment.case_id == case.id, PUBLIC_FILE)
        .order_by(Attachment.created_at, Attachment.id)
    )
    ends_at = tracking_view_ends_at(case)
    return scoped(stmt if ends_at is None else stmt.where(Attachment.created_at < ends_at))

"""Loading a case (and its files and conversation) for a page, through the visibility rule.

The rule is askiso/visibility.py's; what is here is what the case pages load with it (the
case's many-to-ones in one joined row) and the statements kept for the busiest of them.
"""

import functools

from flask import abort
from sqlalchemy import bindparam, select
from sqlalchemy.orm import joinedload

from askiso.auth.models import User
from askiso.cases.models import Attachment, Case, CaseContact, Message
from askiso.core.database import generic_plan
from askiso.core.request_cache import request_cache
from askiso.extensions import db
from askiso.visibility import (
    PUBLIC_FILE,
    PUBLIC_MESSAGE,
    can_see_internal,
    can_view_case,
    kept_case_clause,
    scoped,
    visible_attachments,
)


@functools.cache
def _case_page_loads():
    """What the case pages show of the case's many-to-ones: one joined row instead of a lazy load each."""
    return (
        joinedload(Case.participant),
        joinedload(Case.request_type),
        joinedload(Case.topic),
        joinedload(Case.queue),
        joinedload(Case.submitter),
        joinedload(Case.assignee),
    )


_BY_NUMBER = {}  # (clause key, the options) -> kept statement


def get_case_or_404(number, viewer, *options):
    """Load a case by its number and check the viewer may see it; 404 otherwise.

    `options` are further loader options (eager loads) for what the caller
    shows; they never change which cases the viewer may see. Pass the same
    option objects each time (module constants) and the statement is kept.
    """
    if viewer is None or not getattr(viewer, "is_authenticated", False):
        abort(404)
    key, clause, values = kept_case_clause(viewer)
    shape = (key, options)  # the options themselves (compared by identity): held while kept
    stmt = _BY_NUMBER.get(shape)
    if stmt is None:
        stmt = generic_plan(  # a unique number: one plan fits every value
            scoped(
                select(Case).where(clause, Case.number == bindparam("number")).options(*_case_page_loads(), *options)
            )
        )
        if len(_BY_NUMBER) < 32:
            _BY_NUMBER[shape] = stmt
    # unique(): a caller's options may join a collection (the contacts) into the row.
    case = db.session.execute(stmt, {**values, "number": number}).unique().scalar_one_or_none()
    if case is None:
        abort(404)
    # Loaded through the visibility rule: can_view_case need not ask again this request.
    request_cache()[(viewer.id, case.id)] = True
    return case


def get_attachment_or_404(case, attachment_id, viewer):
    """An attachment of a visible case, if the viewer may download it."""
    attachment = db.session.scalar(visible_attachments(viewer, case).where(Attachment.id == attachment_id))
    if attachment is None:
        abort(404)
    return attachment


@functools.cache
def _conversation_statements(with_internal):
    """Every message of one case (internal notes only `with_internal`) with its author's name and
    staff role, and its files likewise, as plain rows, kept: both case pages."""
    case_id = bindparam("case_id")
    messages = (
        select(
            Message.id,
            Message.created_at,
            Message.body,
            Message.author_name,
            Message.is_internal,
            User.id.label("user_id"),
            User.name.label("user_name"),
            User.staff_role.label("user_staff_role"),
        )
        .outerjoin(User, User.id == Message.author_id)
        .where(Message.case_id == case_id)
        .order_by(Message.created_at, Message.id)
    )
    files = (
        select(Attachment.id, Attachment.message_id, Attachment.filename, Attachment.size, Attachment.is_internal)
        .where(Attachment.case_id == case_id)
        .order_by(Attachment.created_at, Attachment.id)
    )
    if not with_internal:
        messages, files = messages.where(PUBLIC_MESSAGE), files.where(PUBLIC_FILE)
    return generic_plan(scoped(messages)), generic_plan(scoped(files))


def public_conversation(viewer, case):
    """(messages, files) as plain rows: the public messages of a case, oldest first, with their
    authors' names, and its public files, when the viewer may see the case; ([], []) otherwise.
    Internal notes and their files are never in it, whoever asks (the participant's view)."""
    return _conversation(viewer, case, with_internal=False)


def case_conversation(viewer, case):
    """(messages, files) as plain rows: what visible_messages and visible_attachments give the
    viewer, oldest first, the messages with their authors' names and staff roles; ([], []) when the
    viewer may not see the case. Internal notes and their files only for those who may see them."""
    return _conversation(viewer, case, with_internal=can_see_internal(viewer))


def _conversation(viewer, case, *, with_internal):
    if not can_view_case(viewer, case):
        return [], []
    messages, files = _conversation_statements(with_internal)
    values = {"case_id": case.id}
    return db.session.execute(messages, values).all(), db.session.execute(files, values).all()


@functools.cache
def _contacts_statement():
    return generic_plan(
        select(CaseContact.user_id, User.name)
        .join(User, User.id == CaseContact.user_id)
        .where(CaseContact.case_id == bindparam("case_id"))
        .order_by(CaseContact.added_at, CaseContact.user_id)
    )


def page_contacts(case):
    """(user_id, name) of the people who follow the case as contacts, in the order they were added
    (the case pages: read on their own, not joined into the case's row, where PostgreSQL spent 2 ms
    planning the join)."""
    return db.session.execute(_contacts_statement(), {"case_id": case.id}).all()

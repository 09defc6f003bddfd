"""The one place that decides who sees which case, message and attachment.

Every query for cases, messages and attachments goes through here. It fails
closed: asking for a scoped query without a viewer raises instead of returning
everything. Background jobs that really need every case call `all_cases()`,
which says so in its name.

Rules (DESIGN §1):
- staff see every case (or, when STAFF_RESTRICT_TO_QUEUES is on, agents see the
  cases of their queues; supervisors and admins still see all);
- a participant user sees the cases of participants they are *currently* an
  active member of, when they submitted the case, are a contact on it, or hold
  External Manager on that membership;
- anyone sees the non-participant inquiries they submitted themselves;
- internal notes and their files are for staff only;
- a tracking link (askiso/inquiries) opens one case: its public messages and files,
  up to the moment the case was filed under a participant whose rule does not let
  the inquirer see it (tracking_view_ends_at);
- an email about a case goes only to people who may see it (case_mail_recipients,
  asked when it is queued and again when it is sent).
"""

import functools
import json
import logging
import unicodedata
import weakref
from typing import NamedTuple

from flask import abort, current_app, g, has_request_context, request
from sqlalchemy import and_, bindparam, event, exists, false, func, literal, or_, select, union_all
from sqlalchemy.orm import Session, joinedload, with_loader_criteria

from askiso.cams.models import Membership, Participant
from askiso.cases.models import Attachment, Case, CaseContact, Message, QueueMember
from askiso.core.database import generic_plan
from askiso.extensions import db


class VisibilityError(RuntimeError):
    """A scoped query was asked for without a viewer."""


def _require_viewer(viewer):
    if viewer is None or not getattr(viewer, "is_authenticated", False):
        raise VisibilityError("a visibility-scoped query needs a signed-in viewer")
    if not getattr(viewer, "is_active", False):
        raise VisibilityError("an inactive account sees nothing")


def _restricted_to_queues(viewer):
    return viewer.staff_role == "agent" and current_app.config.get("STAFF_RESTRICT_TO_QUEUES")


def case_clause(viewer):
    """A SQL condition on Case that is true exactly for the viewer's visible cases."""
    _require_viewer(viewer)
    if viewer.is_staff:
        if _restricted_to_queues(viewer):
            return Case.queue_id.in_(select(QueueMember.queue_id).where(QueueMember.user_id == viewer.id))
        return Case.id.isnot(None)
    # Written as uncorrelated IN (...) sets rather than a correlated EXISTS so
    # the planner can evaluate each set once and use the cases indexes
    # (participant, submitter, id) instead of probing memberships per case.
    # Same rule: an active membership of the case's participant, plus External
    # Manager on it, or being the submitter, or being a contact on the case.
    active_member = select(Membership.participant_id).where(
        Membership.user_id == viewer.id, Membership.is_active.is_(True)
    )
    managed = active_member.where(Membership.is_external_manager.is_(True))
    contact_of = select(CaseContact.case_id).where(CaseContact.user_id == viewer.id)
    participant_case = or_(
        Case.participant_id.in_(managed),
        and_(
            Case.participant_id.in_(active_member),
            or_(Case.submitter_id == viewer.id, Case.id.in_(contact_of)),
        ),
    )
    own_inquiry = and_(Case.participant_id.is_(None), Case.submitter_id == viewer.id)
    return or_(participant_case, own_inquiry)


def visible_cases(viewer):
    """A SELECT of the cases the viewer may see, to refine with filters."""
    return scoped(select(Case).where(case_clause(viewer)))


# --- Kept statements -------------------------------------------------------
# The busiest pages run the same statements on every request with other
# values. Built once and reused, a statement's SQLAlchemy cache key is
# computed once instead of on every request (a third of a list page's time).
# The clauses below say the same rules as case_clause, but name the viewer
# only through bound parameters; `kept_case_clause` gives a clause, the
# values of this viewer to bind, and a key naming the clause's shape. A kept
# statement without its values fails (SQLAlchemy refuses an unbound
# parameter): it cannot silently mean "everything".

VIEWER_ID = bindparam("viewer_id")
MEMBER_IDS = bindparam("member_ids", expanding=True)
MANAGED_IDS = bindparam("managed_ids", expanding=True)
_STAFF_ALL = Case.id.isnot(None)
_STAFF_QUEUES = Case.queue_id.in_(select(QueueMember.queue_id).where(QueueMember.user_id == VIEWER_ID))
_CONTACT_OF = select(CaseContact.case_id).where(CaseContact.user_id == VIEWER_ID)
_PARTICIPANT = or_(
    Case.participant_id.in_(MANAGED_IDS),
    and_(
        Case.participant_id.in_(MEMBER_IDS),
        or_(Case.submitter_id == VIEWER_ID, Case.id.in_(_CONTACT_OF)),
    ),
    and_(Case.participant_id.is_(None), Case.submitter_id == VIEWER_ID),
)
_MANAGED = Case.participant_id.in_(MANAGED_IDS)
_SUBMITTED = Case.submitter_id == VIEWER_ID
_FOLLOWED = and_(Case.id.in_(_CONTACT_OF), or_(Case.submitter_id != VIEWER_ID, Case.submitter_id.is_(None)))
# A followed case within _PARTICIPANT, said without its ORs: the viewer is a contact (so the member
# branch holds whoever submitted it) and not its submitter (so the own-inquiry branch cannot), and
# managed companies are among the memberships; what is left is "in a company they belong to".
# Said whole, the rule's repeated contact subquery and ORs hid from PostgreSQL that a follower's
# cases are few: it scanned all cases (115 ms at 1,000,000 for a person following 2,000).
_OWN_FOLLOWED = and_(_FOLLOWED, Case.participant_id.in_(MEMBER_IDS))
_OWN_PARTICIPANT_GROUPS = (
    (
        # Read by the submitter's index in update order, whatever the participant...
        and_(Case.submitter_id == VIEWER_ID, or_(Case.participant_id.in_(MEMBER_IDS), Case.participant_id.is_(None))),
        # ...counted from the (submitter, participant, status) index, one range each.
        (
            and_(Case.submitter_id == VIEWER_ID, Case.participant_id.in_(MEMBER_IDS)),
            and_(Case.submitter_id == VIEWER_ID, Case.participant_id.is_(None)),
        ),
    ),
    (_OWN_FOLLOWED, (_OWN_FOLLOWED,)),
)


def _active_memberships_of(user_id, *columns):
    """SELECT `columns` over the active memberships of `user_id` (a parameter or a column) and their
    participants. By default a MembershipRow's columns, in its order."""
    columns = columns or (
        Membership.participant_id,
        Membership.is_external_manager,
        Membership.is_security_admin,
        Participant.code,
        Participant.name,
        Participant.status,
    )
    return (
        select(*columns)
        .select_from(Membership)
        .join(Participant, Participant.id == Membership.participant_id)
        .where(Membership.user_id == user_id, Membership.is_active.is_(True))
    )


@functools.cache
def _active_memberships_statement():
    # Built on first use: joins at import time would configure the mappers before every model is imported.
    # Unordered: _in_order sorts the rows.
    return generic_plan(_active_memberships_of(VIEWER_ID))


class MembershipRow(NamedTuple):
    """One of active_memberships' rows."""

    participant_id: int
    is_external_manager: bool
    is_security_admin: bool
    participant_code: str
    participant_name: str
    participant_status: str


def memberships_column(dialect_name, user_id, correlate):
    """The active memberships of the user whose id is the column `user_id` of the table `correlate`
    of the enclosing statement, as one JSON array: lets the statement that reads a signed-in
    request's session bring them (askiso/auth/sessions.py, note_memberships), one round trip
    fewer on every participant's page."""
    array, aggregate = (
        (func.json_build_array, func.json_agg)
        if dialect_name == "postgresql"
        else (func.json_array, func.json_group_array)
    )
    rows = _active_memberships_of(user_id).selected_columns
    return _active_memberships_of(user_id, aggregate(array(*rows))).correlate(correlate).scalar_subquery()


def _name_key(name):
    """A company name as people sort it: case and accents aside (Alpha, Ältere, beta)."""
    plain = unicodedata.normalize("NFKD", name or "")
    return "".join(c for c in plain if not unicodedata.combining(c)).casefold(), name or ""


def _in_order(rows):
    """By company name, then id: in Python, so that both ways of reading them (with the session row
    and on their own) agree whatever the database's collation."""
    return tuple(sorted(rows, key=lambda m: (*_name_key(m.participant_name), m.participant_id)))


def note_memberships(user_id, value):
    """Keep the memberships memberships_column read for this request (as active_memberships would)."""
    if not has_request_context():
        return
    cache = _request_cache()
    if ("memberships", user_id) in cache:
        return
    items = json.loads(value) if isinstance(value, str) else (value or [])
    cache[("memberships", user_id)] = _in_order(
        MembershipRow(int(i[0]), bool(i[1]), bool(i[2]), i[3], i[4], i[5]) for i in items
    )


def active_memberships(viewer):
    """The viewer's active memberships with their participant's code and name, read once a request
    (again after any write): rows of participant_id, is_external_manager, is_security_admin,
    participant_code, participant_name, participant_status, by participant name. Staff have
    none here."""
    _require_viewer(viewer)
    if viewer.is_staff:
        return ()
    cache = _request_cache()
    key = ("memberships", viewer.id)
    if key not in cache:
        rows = db.session.execute(_active_memberships_statement(), {"viewer_id": viewer.id}).all()
        cache[key] = _in_order(MembershipRow(*row) for row in rows)
    return cache[key]


def kept_case_clause(viewer):
    """(key, clause, values): case_clause's rule as a clause with bound parameters.

    The clause is the same object for every viewer of the same kind (key), so
    statements built on it can be kept under that key; `values` are this
    viewer's, to pass when executing. The participant rule uses the viewer's
    active memberships read this request (active_memberships) as values.
    """
    _require_viewer(viewer)
    if viewer.is_staff:
        if _restricted_to_queues(viewer):
            return "staff-queues", _STAFF_QUEUES, {"viewer_id": viewer.id}
        return "staff", _STAFF_ALL, {}
    memberships = active_memberships(viewer)
    values = {
        "viewer_id": viewer.id,
        "member_ids": [m.participant_id for m in memberships],
        "managed_ids": [m.participant_id for m in memberships if m.is_external_manager],
    }
    return "participant", _PARTICIPANT, values


def kept_own_cases(viewer):
    """(key, groups, values): the cases the viewer submitted or follows as a contact, among
    those they may see (kept_case_clause), as disjoint groups with bound parameters: each a
    pair (clause to read the group by, in index order; disjoint clauses to count it by).

    Each group is read on its own (submitted; followed), each counting clause
    counted on its own. A participant's submitted cases are "in a participant
    they belong to" and "their own inquiries", which is what the rule says of
    a case they submitted (an External Manager's participants are among their
    memberships), so neither repeats the rule's ORs that keep PostgreSQL from
    counting from an index; followed cases keep the whole rule. For a participant (key "participant") the first group is
    exactly what they submitted in values["member_ids"] and their own
    inquiries: askiso/cases/counts.submitted_counts counts the same cases.
    """
    key, clause, values = kept_case_clause(viewer)
    values = {**values, "viewer_id": viewer.id}
    if key == "participant":
        return key, _OWN_PARTICIPANT_GROUPS, values
    submitted, followed = and_(_SUBMITTED, clause), and_(_FOLLOWED, clause)
    return key, ((submitted, (submitted,)), (followed, (followed,))), values


def kept_managed_clause(viewer):
    """(key, clause, values): managed_cases's rule with bound parameters (see kept_case_clause)."""
    return "managed", _MANAGED, {"managed_ids": list(managed_participant_ids(viewer))}


def managed_participant_ids(viewer):
    """Ids of the participants where the viewer is an active External Manager (asked once a request)."""
    _require_viewer(viewer)
    return tuple(sorted(m.participant_id for m in active_memberships(viewer) if m.is_external_manager))


def managed_cases(viewer):
    """The cases of the participants where the viewer is an active External Manager.

    The External Manager branch of case_clause on its own: a subset of
    visible_cases(viewer) by the rule itself. Company lists and their status
    counts start here, with the participant ids as plain values, so that
    counting a large company's cases is one ordered read of the
    (participant_id, status) index instead of testing every branch per case.
    """
    ids = managed_participant_ids(viewer)
    if not ids:
        return scoped(select(Case).where(false()))
    return scoped(select(Case).where(Case.participant_id.in_(ids)))


def all_cases():
    """Every case, unscoped: for workers, CLI and reindexing only."""
    return select(Case)


def can_view_case(viewer, case):
    """True when the viewer may see this case."""
    if case is None:
        return False
    try:
        _require_viewer(viewer)
    except VisibilityError:
        return False
    if viewer.is_staff and not _restricted_to_queues(viewer):
        return True
    cache = _request_cache()
    key = (viewer.id, case.id)
    if key not in cache:
        stmt = scoped(select(Case.id).where(Case.id == case.id, case_clause(viewer)))
        cache[key] = db.session.scalar(stmt) is not None
    return cache[key]


def case_mail_recipients(case, people):
    """Those of `people` (accounts) who may see `case` now, by can_view_case, in order, once each.

    The one filter of every email about a case (askiso/mail/case_mail.py asks it when an email
    is queued and again when the worker sends it): mail about a case goes only to whoever the
    rule lets see the case, so ending a membership ends its mail too.
    """
    people = list({p.id: p for p in people if p is not None}.values())
    _ask_at_once(case, people)
    return [person for person in people if can_view_case(person, case)]


def _ask_at_once(case, people):
    """Answer can_view_case for all of `people` about one case in one statement, into this request's
    cache (a reply's followers: one round trip however many contacts the case has)."""
    cache = _request_cache()
    if not has_request_context() or case is None or case.id is None:
        return
    asked = []
    for person in people:
        if (person.id, case.id) in cache or not getattr(person, "is_active", False):
            continue
        if not getattr(person, "is_authenticated", False) or (person.is_staff and not _restricted_to_queues(person)):
            continue
        asked.append(person)
    if len(asked) < 2:
        return  # can_view_case asks for one as cheaply
    stmt = union_all(*(
        select(literal(person.id).label("viewer_id")).where(Case.id == case.id, case_clause(person))
        for person in asked
    ))
    seen = set(db.session.scalars(scoped(select(stmt.subquery().c.viewer_id))))
    cache = _request_cache()  # again: the query may have flushed, which empties the cache
    for person in asked:
        cache[(person.id, case.id)] = person.id in seen


def _request_cache():
    """Answers of can_view_case for this request; any write empties it.

    A page asks several times about the same case (messages, files, the rules
    for each button); one query answers them all until something changes.
    Kept on the request object, not `g`, which may outlive a request.
    """
    if not has_request_context():
        return {}
    cache = getattr(request, "_visibility_cache", None)
    if cache is None:
        cache = request._visibility_cache = {}
    return cache


def _forget_answers():
    if has_request_context():
        request._visibility_cache = {}


@event.listens_for(Session, "after_flush")
def _after_flush(session, flush_context):
    _forget_answers()


@event.listens_for(Session, "do_orm_execute")
def _after_bulk_write(state):
    if state.is_update or state.is_delete or state.is_insert:
        _forget_answers()


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


_BY_NUMBER = {}  # (clause key, ids of the options) -> (options, kept statement)


def get_case_or_404(number, viewer, *options):
    """Load a case by its number and check the viewer may see it; 404 otherwise.

    `options` are further loader options (eager loads) for what the caller
    shows; they never change which cases the viewer may see. Pass the same
    option objects each time (module constants) and the statement is kept.
    """
    if viewer is None or not getattr(viewer, "is_authenticated", False):
        abort(404)
    key, clause, values = kept_case_clause(viewer)
    shape = (key, tuple(id(o) for o in options))
    kept = _BY_NUMBER.get(shape)
    if kept is None:
        stmt = generic_plan(  # a unique number: one plan fits every value
            scoped(
                select(Case).where(clause, Case.number == bindparam("number")).options(*_case_page_loads(), *options)
            )
        )
        # The options are held with the statement, so their ids cannot be reused meanwhile.
        kept = (options, stmt)
        if len(_BY_NUMBER) < 32:
            _BY_NUMBER[shape] = kept
    # unique(): a caller's options may join a collection (the contacts) into the row.
    case = db.session.execute(kept[1], {**values, "number": number}).unique().scalar_one_or_none()
    if case is None:
        abort(404)
    # Loaded through the visibility rule: can_view_case need not ask again this request.
    _request_cache()[(viewer.id, case.id)] = True
    return case


def can_see_internal(viewer):
    """Internal notes and their files are shown to staff only."""
    return bool(viewer is not None and getattr(viewer, "is_authenticated", False) and viewer.is_staff)


def visible_messages(viewer, case):
    """The messages of a case the viewer may read, oldest first."""
    if not can_view_case(viewer, case):
        return scoped(select(Message).where(false()))
    stmt = scoped(select(Message).where(Message.case_id == case.id))
    if not can_see_internal(viewer):
        stmt = stmt.where(Message.is_internal.is_(False))
    return stmt.order_by(Message.created_at, Message.id)


def visible_attachments(viewer, case):
    """The files of a case the viewer may download."""
    if not can_view_case(viewer, case):
        return scoped(select(Attachment).where(false()))
    stmt = scoped(select(Attachment).where(Attachment.case_id == case.id))
    if not can_see_internal(viewer):
        stmt = stmt.where(Attachment.is_internal.is_(False))
    return stmt.order_by(Attachment.created_at, Attachment.id)


@functools.cache
def _public_conversation_statements():
    """The public messages (with their authors' names) and public files of one case, as plain
    rows, kept (see kept_case_clause)."""
    from askiso.auth.models import User

    case_id = bindparam("case_id")
    messages = (
        select(
            Message.id,
            Message.created_at,
            Message.body,
            Message.author_name,
            User.name.label("user_name"),
            User.staff_role.label("user_staff_role"),
        )
        .outerjoin(User, User.id == Message.author_id)
        .where(Message.case_id == case_id, Message.is_internal.is_(False))
        .order_by(Message.created_at, Message.id)
    )
    files = (
        select(Attachment.id, Attachment.message_id, Attachment.filename, Attachment.size)
        .where(Attachment.case_id == case_id, Attachment.is_internal.is_(False))
        .order_by(Attachment.created_at, Attachment.id)
    )
    return generic_plan(scoped(messages)), generic_plan(scoped(files))


def public_conversation(viewer, case):
    """(messages, files) as plain rows: the public messages of a case, oldest first, with their
    authors' names, and its public files, when the viewer may see the case; ([], []) otherwise.
    Internal notes and their files are never in it, whoever asks (the participant's view)."""
    if not can_view_case(viewer, case):
        return [], []
    messages, files = _public_conversation_statements()
    values = {"case_id": case.id}
    return db.session.execute(messages, values).all(), db.session.execute(files, values).all()


def can_view_message(viewer, message):
    if message.is_internal and not can_see_internal(viewer):
        return False
    return can_view_case(viewer, message.case)


def can_view_attachment(viewer, attachment):
    if attachment.is_internal and not can_see_internal(viewer):
        return False
    return can_view_case(viewer, attachment.case)


def get_attachment_or_404(case, attachment_id, viewer):
    """An attachment of a visible case, if the viewer may download it."""
    attachment = db.session.scalar(visible_attachments(viewer, case).where(Attachment.id == attachment_id))
    if attachment is None:
        abort(404)
    return attachment


# A private tracking link (askiso/inquiries) opens exactly one case and is held
# by a person who may have no account: it shows what the inquirer may read,
# the public conversation and public files, never internal notes or their files.


# The link's holder is the inquirer: while the inquiry belongs to no participant it is their own
# and they see it all; once staff file it under a participant, the rule above decides through
# their account (the case's submitter, if they made one), and a link whose inquirer may not see
# the case shows only what was there before the filing.


def tracking_view_ends_at(case):
    """None when a tracking link shows all of the case; else the time from which it shows
    nothing more (messages, files, emails): when the case was filed under a participant whose
    rule does not let the inquirer see it."""
    if case.participant_id is None:
        return None
    if case.submitter is not None and can_view_case(case.submitter, case):
        return None
    contact = case.inquiry_contact
    linked_at = contact.participant_linked_at if contact is not None else None
    return linked_at or case.created_at


def inquirer_may_see(case, at):
    """True when the inquirer (by tracking link) may see what the case had at time `at`."""
    ends_at = tracking_view_ends_at(case)
    return ends_at is None or at < ends_at


def visible_messages_for_tracking(case):
    """The public messages of the one case a tracking link opens, oldest first."""
    if case is None:
        return scoped(select(Message).where(false()))
    stmt = (
        select(Message)
        .where(Message.case_id == case.id, Message.is_internal.is_(False))
        .order_by(Message.created_at, Message.id)
    )
    ends_at = tracking_view_ends_at(case)
    return scoped(stmt if ends_at is None else stmt.where(Message.created_at < ends_at))


def visible_attachments_for_tracking(case):
    """The public files of the one case a tracking link opens (never files of internal notes)."""
    if case is None:
        return scoped(select(Attachment).where(false()))
    internal_message = exists().where(Message.id == Attachment.message_id, Message.is_internal.is_(True))
    stmt = (
        select(Attachment)
        .where(Attachment.case_id == case.id, Attachment.is_internal.is_(False), ~internal_message)
        .order_by(Attachment.created_at, Attachment.id)
    )
    ends_at = tracking_view_ends_at(case)
    return scoped(stmt if ends_at is None else stmt.where(Attachment.created_at < ends_at))


# --- The guard ---------------------------------------------------------------
# Every ORM SELECT of cases, messages or files made while a request is served is
# scoped to that request's viewer, whether or not the code that made it
# remembered to: the statements this module builds are marked as scoped
# already; any other gets the rule added (SQLAlchemy's with_loader_criteria,
# on the statement and on the relationship loads of what it returns). A query
# of case content in a request with no viewer is an error. Work that must read
# beyond the viewer (a worker's job run inline, a tracking link, indexing after
# a commit) says so: `with unscoped("why"):`, and is logged.

GUARDED = (Case, Message, Attachment)
_SCOPED_OPTION = "askiso_visibility_scoped"
_log = logging.getLogger("askiso.visibility")


def scoped(stmt):
    """Mark a statement as scoped by this module's rule (the guard leaves it as it is)."""
    return stmt.execution_options(**{_SCOPED_OPTION: True})


class unscoped:  # noqa: N801 - reads as a phrase: `with unscoped("why"):`
    """Read case content beyond the request's viewer, for a named reason (logged)."""

    def __init__(self, why):
        if not why:
            raise ValueError("say why the read is unscoped")
        self.why = why

    def __enter__(self):
        if has_request_context():
            stack = request.__dict__.setdefault("_visibility_unscoped", [])
            stack.append(self.why)
            _log.debug("unscoped read: %s (%s)", self.why, request.endpoint)
        return self

    def __exit__(self, *exc):
        if has_request_context():
            request.__dict__["_visibility_unscoped"].pop()
        return False

    def __call__(self, fn):
        """As a decorator: the whole function reads unscoped."""

        @functools.wraps(fn)
        def wrapped(*args, **kwargs):
            with self:
                return fn(*args, **kwargs)

        return wrapped


def _request_viewer():
    """The person this request acts for (an API token's, or the signed-in person), or None."""
    api_user = g.get("api_user")
    if api_user is not None:
        return api_user
    from flask_login import current_user

    user = current_user._get_current_object()
    return user if getattr(user, "is_authenticated", False) else None


def _guarded_entities(state):
    """The guarded models among the statement's entities and its primary entity (what a
    `select(func.count()).select_from(Case)` counts). A statement about something else that joins
    cases in is not seen here (finding every FROM costs a quarter of a millisecond a statement):
    such statements use this module's clauses, as askiso/cases/counts.py does."""
    stmt = state.statement
    try:
        return _ENTITIES_OF[stmt]
    except (KeyError, TypeError):
        pass
    found = {m.class_ for m in state.all_mappers if m.class_ in GUARDED}
    primary = state.bind_mapper
    if primary is not None and primary.class_ in GUARDED:
        found.add(primary.class_)
    try:
        _ENTITIES_OF[stmt] = found = frozenset(found)
    except TypeError:
        pass
    return found


# What _guarded_entities found, per statement object: kept statements are asked once, not on
# every request (all_mappers costs ~16 µs a statement, the guard's whole cost otherwise ~1 µs).
_ENTITIES_OF = weakref.WeakKeyDictionary()


def _criteria(viewer, entities, relationship_load):
    """The loader criteria that keep this viewer's statement within the rule."""
    if viewer.is_staff:
        if not _restricted_to_queues(viewer):
            return ()
        return (with_loader_criteria(Case, case_clause(viewer), include_aliases=True),)
    options = [with_loader_criteria(Case, case_clause(viewer), include_aliases=True)]
    for model in (Message, Attachment):
        criterion = model.is_internal.is_(False)
        if not relationship_load:  # a relationship load starts from a case loaded within the rule
            criterion = and_(criterion, model.case_id.in_(select(Case.id).where(case_clause(viewer))))
        options.append(with_loader_criteria(model, criterion, include_aliases=True))
    return tuple(options)


@event.listens_for(Session, "do_orm_execute")
def _guard(state):
    if not state.is_select or state.is_column_load or not has_request_context():
        return
    if state.execution_options.get(_SCOPED_OPTION) or request.__dict__.get("_visibility_unscoped"):
        return
    entities = _guarded_entities(state)
    if not entities:
        return
    viewer = _request_viewer()
    if viewer is None or not getattr(viewer, "is_active", False):
        raise VisibilityError(f"a query of {sorted(e.__name__ for e in entities)} in a request with no viewer")
    options = _criteria(viewer, entities, state.is_relationship_load)
    if options:
        state.statement = state.statement.options(*options)

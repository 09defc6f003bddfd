"""Who sees which case, message and file: the rule, stated once, and the guard. Nothing else.

The rule (DESIGN §1):
- staff see every case (or, when STAFF_RESTRICT_TO_QUEUES is on, agents see the cases of their
  queues; supervisors and admins still see all);
- a participant user sees the cases of participants they are *currently* an active member of,
  when they submitted the case, are a contact on it, or hold External Manager on that
  membership;
- anyone sees the non-participant inquiries they submitted themselves;
- internal notes and their files are for staff only (a file is internal when its message is);
- a tracking link (askiso/inquiries) opens one case: its public messages and files, up to the
  moment the case was filed under a participant whose rule does not let the inquirer see it
  (tracking_view_ends_at);
- an email about a case goes only to people who may see it (case_mail_recipients, asked when it
  is queued and again when it is sent).

It is written once, as SQL conditions on Case that name the viewer only through bound
parameters (RULES, one per kind of viewer), with the viewer's values read in one place
(rule_values). Every other form is derived from that statement, not written again:

- kept_case_clause: the statement and the values, for statements built once and kept;
- case_clause / visible_cases: the statement with the values bound in (bound_rule);
- can_view_case and case_mail_recipients: the same statement evaluated in Python on the loaded
  case (_evaluator), with the contact fact read only when the answer depends on it;
- the search scope (askiso/search/scope.py): rule_values as the index's filter and bound_rule as
  its SQL condition.

tests/core/test_visibility_property.py checks on made-up companies, people and cases that every
form answers what the rule in plain words says. Fails closed: asking without a signed-in,
active viewer raises instead of returning everything. Background jobs that really need every
case call `all_cases()`, which says so in its name.
"""

import functools
import logging
import weakref

from flask import current_app, g, has_request_context, request
from sqlalchemy import and_, bindparam, event, false, or_, select
from sqlalchemy.orm import Session, with_loader_criteria
from sqlalchemy.sql import operators
from sqlalchemy.sql.elements import BinaryExpression, BindParameter, BooleanClauseList, Grouping, Null

from askiso.cams.memberships import active_memberships
from askiso.cams.models import Membership
from askiso.cases.models import Attachment, Case, CaseContact, Message, QueueMember
from askiso.core.database import generic_plan
from askiso.core.request_cache import request_cache
from askiso.core.viewer import VisibilityError, require_viewer
from askiso.extensions import db


def restricted_to_queues(viewer):
    """True for an agent of a deployment that restricts agents to their queues' cases."""
    return viewer.staff_role == "agent" and current_app.config.get("STAFF_RESTRICT_TO_QUEUES")


# --- The rule, once --------------------------------------------------------------------------
# One SQL condition on Case per kind of viewer, naming the viewer only through bound
# parameters. A statement built on it without its values fails (SQLAlchemy refuses an unbound
# parameter): it cannot silently mean "everything". The participant rule's sets are written as
# uncorrelated IN (...) so the planner evaluates each once and uses the cases indexes
# (participant, submitter, id) instead of probing memberships per case.

VIEWER_ID = bindparam("viewer_id")
MEMBER_IDS = bindparam("member_ids", expanding=True)  # participants of the viewer's active memberships
MANAGED_IDS = bindparam("managed_ids", expanding=True)  # those where they hold External Manager
_CONTACT_OF = select(CaseContact.case_id).where(CaseContact.user_id == VIEWER_ID)
_FOLLOWS = Case.id.in_(_CONTACT_OF)  # the viewer is a contact on the case

RULES = {
    "staff": Case.id.isnot(None),
    "staff-queues": Case.queue_id.in_(select(QueueMember.queue_id).where(QueueMember.user_id == VIEWER_ID)),
    "participant": or_(
        Case.participant_id.in_(MANAGED_IDS),
        and_(
            Case.participant_id.in_(MEMBER_IDS),
            or_(Case.submitter_id == VIEWER_ID, _FOLLOWS),
        ),
        and_(Case.participant_id.is_(None), Case.submitter_id == VIEWER_ID),
    ),
}


def rule_values(viewer):
    """(key, values): which of RULES applies to the viewer and the values to bind into it.

    The one place the viewer's facts are read: a participant's active memberships come from
    this request's (askiso/cams/memberships.py, read once a request and again after a write).
    """
    require_viewer(viewer)
    if viewer.is_staff:
        if restricted_to_queues(viewer):
            return "staff-queues", {"viewer_id": viewer.id}
        return "staff", {}
    memberships = active_memberships(viewer)
    return "participant", {
        "viewer_id": viewer.id,
        "member_ids": [m.participant_id for m in memberships],
        "managed_ids": [m.participant_id for m in memberships if m.is_external_manager],
    }


def bound_rule(key, values):
    """RULES[key] with `values` bound in: a condition that stands on its own."""
    clause = RULES[key]
    return clause.params(values) if values else clause


def kept_case_clause(viewer):
    """(key, clause, values): the rule as a clause with bound parameters.

    The clause is the same object for every viewer of the same kind (key), so statements built
    on it can be kept under that key; `values` are this viewer's, to pass when executing.
    """
    key, values = rule_values(viewer)
    return key, RULES[key], values


def case_clause(viewer):
    """A SQL condition on Case that is true exactly for the viewer's visible cases."""
    return bound_rule(*rule_values(viewer))


def visible_cases(viewer):
    """A SELECT of the cases the viewer may see, to refine with filters."""
    return scoped(select(Case).where(case_clause(viewer)))


def all_cases():
    """Every case, unscoped: for workers, CLI and reindexing only."""
    return select(Case)


# --- The rule in Python ----------------------------------------------------------------------
# RULES read as Python instead of SQL, for one loaded case: the same statement, so the two
# cannot drift. Each kind of term the rule uses has its reading; anything else is refused when
# the rule is read (at import), not guessed.


def _evaluator(clause):
    """A function (case, values, follows) -> bool that says what `clause` says of one case.

    `values` are the bound parameters; `follows()` answers "the case is among the viewer's
    contact cases" (the rule's one subquery), asked only when the answer depends on it.
    Returns None when the clause holds a term with no Python reading (the caller asks SQL).
    """
    if clause is _FOLLOWS:
        return lambda case, values, follows: follows()
    if isinstance(clause, Grouping):
        return _evaluator(clause.element)
    if isinstance(clause, BooleanClauseList):
        parts = [_evaluator(c) for c in clause.clauses]
        if None in parts:
            return None
        if clause.operator is operators.or_:
            return lambda case, values, follows: any(p(case, values, follows) for p in parts)
        if clause.operator is operators.and_:
            return lambda case, values, follows: all(p(case, values, follows) for p in parts)
        return None
    table = getattr(getattr(clause, "left", None), "table", None)
    if not isinstance(clause, BinaryExpression) or getattr(table, "name", None) != Case.__tablename__:
        return None
    name, op, right = clause.left.key, clause.operator, clause.right
    if isinstance(right, Null) and op in (operators.is_, operators.is_not):
        wanted = op is operators.is_
        return lambda case, values, follows: (getattr(case, name) is None) is wanted
    if isinstance(right, BindParameter):
        key = right.key
        if op is operators.in_op:
            return lambda case, values, follows: getattr(case, name) in values[key]
        if op is operators.eq:
            return lambda case, values, follows: getattr(case, name) == values[key]
        if op is operators.ne:
            return lambda case, values, follows: getattr(case, name) != values[key]
        return None
    return None


_IN_PYTHON = {key: _evaluator(clause) for key, clause in RULES.items()}
assert _IN_PYTHON["participant"] is not None, "the participant rule must read in Python (can_view_case)"


@functools.cache
def _follows_statement():
    return generic_plan(
        select(CaseContact.case_id).where(CaseContact.case_id == bindparam("case_id"), CaseContact.user_id == VIEWER_ID)
    )


def _follows(viewer_id, case_id):
    return lambda: db.session.scalar(_follows_statement(), {"case_id": case_id, "viewer_id": viewer_id}) is not None


def can_view_case(viewer, case):
    """True when the viewer may see this case."""
    if case is None or case.id is None:
        return False
    try:
        require_viewer(viewer)
    except VisibilityError:
        return False
    if viewer.is_staff and not restricted_to_queues(viewer):
        return True
    cache = request_cache()
    answer_key = (viewer.id, case.id)
    if answer_key not in cache:
        key, values = rule_values(viewer)
        in_python = _IN_PYTHON[key]
        if in_python is not None:
            cache[answer_key] = bool(in_python(case, values, _follows(viewer.id, case.id)))
        else:
            stmt = scoped(select(Case.id).where(Case.id == case.id, RULES[key]))
            cache[answer_key] = db.session.scalar(stmt, values) is not None
    return cache[answer_key]


def case_mail_recipients(case, people):
    """Those of `people` (accounts) who may see `case` now, in order, once each.

    The one filter of every email about a case (askiso/mail/case_mail.py asks it when an email
    is queued and again when the worker sends it): mail about a case goes only to whoever the
    rule lets see the case, so ending a membership ends its mail too. The rule read in Python
    (as can_view_case) on the memberships of everyone asked about at the case's participant
    and the case's contacts: two statements at most, however many people.
    """
    people = list({person.id: person for person in people if person is not None}.values())
    if case is None or case.id is None or not people:
        return []
    others = [p for p in people if not p.is_staff and getattr(p, "is_active", False)]
    memberships, contacts = {}, None
    if others and case.participant_id is not None:
        ids = [p.id for p in others]
        memberships = dict(
            db.session.execute(
                select(Membership.user_id, Membership.is_external_manager).where(
                    Membership.participant_id == case.participant_id,
                    Membership.is_active.is_(True),
                    Membership.user_id.in_(ids),
                )
            ).all()
        )

    def follows(person_id):
        def answer():
            nonlocal contacts
            if contacts is None:
                contacts = set(
                    db.session.scalars(
                        select(CaseContact.user_id).where(
                            CaseContact.case_id == case.id, CaseContact.user_id.in_([p.id for p in others])
                        )
                    )
                )
            return person_id in contacts

        return answer

    chosen = []
    for person in people:
        if person.is_staff or not getattr(person, "is_active", False):
            allowed = can_view_case(person, case)
        else:
            member = [case.participant_id] if person.id in memberships else []
            values = {
                "viewer_id": person.id,
                "member_ids": member,
                "managed_ids": member if memberships.get(person.id) else [],
            }
            allowed = _IN_PYTHON["participant"](case, values, follows(person.id))
        if allowed:
            chosen.append(person)
    return chosen


# --- Forms of the rule for the busiest pages -------------------------------------------------
# "My cases" and the company lists read the rule in pieces an index can walk. Each piece is a
# part of RULES["participant"] (or the rule itself ANDed in), with the same parameters.

_SUBMITTED = Case.submitter_id == VIEWER_ID
_MANAGED = Case.participant_id.in_(MANAGED_IDS)
_FOLLOWED = and_(_FOLLOWS, or_(Case.submitter_id != VIEWER_ID, Case.submitter_id.is_(None)))
# A followed case within the participant rule, said without its ORs: the viewer is a contact (so
# the member branch holds whoever submitted it) and not its submitter (so the own-inquiry branch
# cannot), and managed companies are among the memberships; what is left is "in a company they
# belong to". Said whole, the rule's repeated contact subquery and ORs hid from PostgreSQL that a
# follower's cases are few: it scanned all cases (115 ms at 1,000,000 for a person following 2,000).
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
    require_viewer(viewer)
    return tuple(sorted(m.participant_id for m in active_memberships(viewer) if m.is_external_manager))


def managed_cases(viewer):
    """The cases of the participants where the viewer is an active External Manager.

    The External Manager branch of the participant rule on its own: a subset of
    visible_cases(viewer) by the rule itself. Company lists and their status
    counts start here, with the participant ids as plain values, so that
    counting a large company's cases is one ordered read of the
    (participant_id, status) index instead of testing every branch per case.
    """
    ids = managed_participant_ids(viewer)
    if not ids:
        return scoped(select(Case).where(false()))
    return scoped(select(Case).where(Case.participant_id.in_(ids)))


# --- Messages and files ----------------------------------------------------------------------

# What a person who is not staff may see of a case's messages and files: the one definition.
# A file is internal when its message is (askiso/cases/services.store_files makes it so).
PUBLIC_MESSAGE = Message.is_internal.is_(False)
PUBLIC_FILE = Attachment.is_internal.is_(False)


def can_see_internal(viewer):
    """Internal notes and their files are shown to staff only."""
    return bool(viewer is not None and getattr(viewer, "is_authenticated", False) and viewer.is_staff)


def visible_messages(viewer, case):
    """The messages of a case the viewer may read, oldest first."""
    if not can_view_case(viewer, case):
        return scoped(select(Message).where(false()))
    stmt = scoped(select(Message).where(Message.case_id == case.id))
    if not can_see_internal(viewer):
        stmt = stmt.where(PUBLIC_MESSAGE)
    return stmt.order_by(Message.created_at, Message.id)


def visible_attachments(viewer, case):
    """The files of a case the viewer may download."""
    if not can_view_case(viewer, case):
        return scoped(select(Attachment).where(false()))
    stmt = scoped(select(Attachment).where(Attachment.case_id == case.id))
    if not can_see_internal(viewer):
        stmt = stmt.where(PUBLIC_FILE)
    return stmt.order_by(Attachment.created_at, Attachment.id)


def can_view_message(viewer, message):
    if message.is_internal and not can_see_internal(viewer):
        return False
    return can_view_case(viewer, message.case)


def can_view_attachment(viewer, attachment):
    if attachment.is_internal and not can_see_internal(viewer):
        return False
    return can_view_case(viewer, attachment.case)


# --- Tracking links --------------------------------------------------------------------------
# A private tracking link (askiso/inquiries) opens exactly one case and is held by a person who
# may have no account: it shows what the inquirer may read, the public conversation and public
# files (PUBLIC_MESSAGE, PUBLIC_FILE), never internal notes or their files. The link's holder is
# the inquirer: while the inquiry belongs to no participant it is their own and they see it all;
# once staff file it under a participant, the rule above decides through their account (the
# case's submitter, if they made one), and a link whose inquirer may not see the case shows only
# what was there before the filing. The queries are askiso/inquiries/tracking.py's.


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
        if not restricted_to_queues(viewer):
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

"""askiso/visibility.py on its own: the rules of DESIGN §1, and failing closed."""

import pytest
from flask_login import AnonymousUserMixin

from askiso.cases import services
from askiso.extensions import db
from askiso.visibility import VisibilityError, can_view_case, visible_cases
from tests.cases.helpers import new_case


def visible_numbers(user):
    return set(db.session.scalars(visible_cases(user).with_only_columns(db.text("cases.number"))))


def test_being_a_contact_on_one_case_opens_that_case_only(people):
    followed = new_case(people.alpha_colleague, people.alpha, subject="followed")
    hidden = new_case(people.alpha_colleague, people.alpha, subject="not followed")
    services.add_contact(followed, people.alpha_colleague, people.alpha_user)
    db.session.commit()
    seen = visible_numbers(people.alpha_user)
    assert followed.number in seen
    assert hidden.number not in seen
    assert not can_view_case(people.alpha_user, hidden)


def test_external_manager_sees_the_company_and_nothing_else(people):
    own = new_case(people.alpha_user, people.alpha)
    other = new_case(people.beta_user, people.beta)
    assert visible_numbers(people.alpha_manager) == {own.number}
    assert visible_numbers(people.beta_manager) == {other.number}


def test_person_in_two_companies_sees_only_their_own_cases_in_each(people):
    mine = new_case(people.both, people.beta)
    theirs = new_case(people.beta_user, people.beta)
    assert visible_numbers(people.both) == {mine.number}
    assert theirs.number not in visible_numbers(people.both)


def test_ended_membership_hides_even_own_cases(people):
    case = new_case(people.alpha_user, people.alpha)
    from askiso.cams.models import Membership

    membership = db.session.scalar(
        db.select(Membership).where(Membership.user_id == people.alpha_user.id, Membership.is_active.is_(True))
    )
    membership.is_active = False
    db.session.commit()
    assert visible_numbers(people.alpha_user) == set()
    assert not can_view_case(people.alpha_user, case)


def test_no_viewer_is_an_error_not_everything(people):
    new_case(people.alpha_user, people.alpha)
    with pytest.raises(VisibilityError):
        visible_cases(None)
    with pytest.raises(VisibilityError):
        visible_cases(AnonymousUserMixin())
    people.alpha_user.is_active = False
    with pytest.raises(VisibilityError):
        visible_cases(people.alpha_user)


def test_managed_cases_is_the_external_manager_part_of_visible_cases_only(people):
    """managed_cases (company lists) never shows what visible_cases would not: everyone in the cast."""
    from askiso.cams.models import Membership
    from askiso.cases.models import Case
    from askiso.visibility import managed_cases

    alpha = new_case(people.alpha_user, people.alpha)
    beta = new_case(people.beta_user, people.beta)
    inquiry = new_case(people.outsider, None)
    db.session.add(Membership(user_id=people.former.id, participant_id=people.beta.id, is_active=False,
                              is_external_manager=True))
    db.session.commit()

    def managed(user):
        return set(db.session.scalars(managed_cases(user).with_only_columns(Case.number)))

    for name in vars(people):
        person = getattr(people, name)
        if hasattr(person, "email"):
            assert managed(person) <= visible_numbers(person), name
    assert managed(people.alpha_manager) == {alpha.number}
    assert managed(people.beta_manager) == {beta.number}
    for person in (people.alpha_user, people.alpha_sa, people.both, people.former, people.outsider, people.agent):
        assert managed(person) == set(), person.email
    assert inquiry.number not in managed(people.admin)


def test_kept_rule_sees_exactly_what_case_clause_sees_for_everyone(people):
    """kept_case_clause (the lists and case pages, reused across viewers) is case_clause's rule:
    the whole cast, asked in turn in one process, each with their own values."""
    from askiso.cams.models import Membership
    from askiso.cases.models import Case
    from askiso.visibility import kept_case_clause

    followed = new_case(people.alpha_colleague, people.alpha, subject="followed")
    services.add_contact(followed, people.alpha_colleague, people.alpha_user)
    new_case(people.alpha_user, people.alpha)
    new_case(people.beta_user, people.beta)
    new_case(people.both, people.beta)
    new_case(people.outsider, None)
    db.session.add(Membership(user_id=people.former.id, participant_id=people.beta.id, is_active=False,
                              is_external_manager=True))
    db.session.commit()
    cast = [getattr(people, name) for name in vars(people) if hasattr(getattr(people, name), "email")]
    for person in cast + list(reversed(cast)):
        key, clause, values = kept_case_clause(person)
        kept = set(db.session.scalars(db.select(Case.number).where(clause), values))
        assert kept == visible_numbers(person), person.email
    _key, clause, values = kept_case_clause(people.alpha_user)
    assert followed.number in set(db.session.scalars(db.select(Case.number).where(clause), values))


def test_kept_rule_without_the_viewers_values_is_an_error(people):
    from sqlalchemy.exc import StatementError

    from askiso.cases.models import Case
    from askiso.visibility import kept_case_clause

    new_case(people.alpha_user, people.alpha)
    _key, clause, _values = kept_case_clause(people.alpha_user)
    with pytest.raises(StatementError):
        db.session.scalars(db.select(Case.number).where(clause)).all()
    with pytest.raises(VisibilityError):
        kept_case_clause(None)


def test_own_cases_branches_are_the_rule_cut_into_disjoint_parts(people):
    """kept_own_cases (my cases) is exactly: visible, and submitted or followed; its branches never overlap."""
    from askiso.cases.models import Case, CaseContact
    from askiso.visibility import kept_own_cases

    followed = new_case(people.alpha_colleague, people.alpha)
    services.add_contact(followed, people.alpha_colleague, people.alpha_user)
    followed_beta = new_case(people.beta_user, people.beta)
    services.add_contact(followed_beta, people.beta_user, people.both)
    new_case(people.alpha_user, people.alpha)
    new_case(people.both, people.alpha)
    new_case(people.both, people.beta)
    new_case(people.outsider, None)
    new_case(people.alpha_manager, people.alpha)
    db.session.commit()
    cast = [getattr(people, name) for name in vars(people) if hasattr(getattr(people, name), "email")]
    for person in cast:
        _key, groups, values = kept_own_cases(person)
        branches = [clause for _walk, counted in groups for clause in counted]
        walks = [set(db.session.scalars(db.select(Case.number).where(walk), values)) for walk, _ in groups]
        assert set().union(*walks) == set().union(*[set(db.session.scalars(db.select(Case.number).where(b), values))
                                                    for b in branches]), person.email
        parts = [set(db.session.scalars(db.select(Case.number).where(branch), values)) for branch in branches]
        followed_ids = db.select(CaseContact.case_id).where(CaseContact.user_id == person.id)
        mine = set(db.session.scalars(
            db.select(Case.number).where(db.or_(Case.submitter_id == person.id, Case.id.in_(followed_ids)))
        ))
        assert set().union(*parts) == mine & visible_numbers(person), person.email
        assert sum(len(p) for p in parts) == len(set().union(*parts)), person.email


def test_a_file_of_an_internal_note_is_internal_however_it_is_stored(people):
    """One definition of a public file (visibility.PUBLIC_FILE): a file is internal when its message
    is, even when the caller forgot to say so; a tracking link and the participant never get it."""
    from askiso.cases.models import Message
    from askiso.inquiries.tracking import visible_attachments_for_tracking
    from askiso.visibility import visible_attachments
    from tests.cases.helpers import pdf_file

    case = new_case(people.alpha_user, people.alpha)
    note = services.add_message(case, people.agent, "internal", internal=True)
    (row,) = services.store_files(case, [pdf_file("note.pdf")], people.agent, message=note, internal=False)
    db.session.commit()
    assert isinstance(note, Message) and row.is_internal
    assert db.session.scalars(visible_attachments(people.alpha_user, case)).all() == []
    assert db.session.scalars(visible_attachments_for_tracking(case)).all() == []
    assert db.session.scalars(visible_attachments(people.agent, case)).all() == [row]


def test_the_mail_filter_reads_the_same_few_statements_for_any_number_of_people(people):
    """case_mail_recipients reads the memberships of everyone asked about at once (and the contacts
    only when the answer depends on them): no statement per person."""
    from askiso.visibility import case_mail_recipients
    from tests.statements import recorded_statements

    case = new_case(people.alpha_user, people.alpha)
    services.add_contact(case, people.alpha_user, people.alpha_colleague)
    db.session.commit()
    everyone = [people.alpha_user, people.alpha_colleague, people.alpha_manager, people.beta_user,
                people.former, people.outsider, people.both]
    for loaded in (case, *everyone):  # loaded before counting: the filter's own statements only
        db.session.refresh(loaded)
    with recorded_statements() as one:
        case_mail_recipients(case, everyone[:1])
    with recorded_statements() as many:
        chosen = case_mail_recipients(case, everyone)
    assert len(one) <= 2 and len(many) <= 2
    assert people.alpha_user in chosen and people.alpha_colleague in chosen and people.alpha_manager in chosen
    assert people.beta_user not in chosen and people.former not in chosen and people.outsider not in chosen


def test_the_rule_reads_in_python_only_what_it_knows(app):
    """can_view_case reads the same statement as the SQL forms; a term with no Python reading is
    refused (the caller asks SQL), never guessed."""
    from sqlalchemy import func

    from askiso.cases.models import Case
    from askiso.visibility import RULES, _evaluator

    assert _evaluator(RULES["participant"]) is not None
    assert _evaluator(RULES["staff-queues"]) is None  # a subquery of queue members: asked in SQL
    assert _evaluator(func.lower(Case.subject) == "x") is None

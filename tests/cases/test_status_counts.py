"""The kept status counts (askiso/cases/counts.py) always equal a count of the cases themselves."""

import re

from sqlalchemy import func, select, update

from askiso.cases import counts, services
from askiso.cases.models import STATUSES, Case, CaseStatusCount
from askiso.extensions import db
from tests.cases.helpers import new_case


def counted(participant_id):
    """What the company list would show if it counted every case."""
    result = dict.fromkeys(STATUSES, 0)
    rows = db.session.execute(
        select(Case.status, func.count()).where(Case.participant_id == participant_id).group_by(Case.status)
    )
    result.update({status: n for status, n in rows})
    return result


def counted_submitted(user_id, participant_ids, with_inquiries):
    result = dict.fromkeys(STATUSES, 0)
    where = Case.participant_id.in_(participant_ids)
    if with_inquiries:
        where = where | Case.participant_id.is_(None)
    rows = db.session.execute(
        select(Case.status, func.count()).where(Case.submitter_id == user_id, where).group_by(Case.status)
    )
    result.update({status: n for status, n in rows})
    return result


def assert_kept(people):
    ids = [people.alpha.id, people.beta.id]
    for person in (people.alpha_user, people.alpha_colleague, people.beta_user, people.both, people.outsider):
        for participant_ids, with_inquiries in ((ids, True), (ids[:1], False), ([], True)):
            assert counts.submitted_counts(person.id, participant_ids, with_inquiries) == counted_submitted(
                person.id, participant_ids, with_inquiries), person.email
    for participant in (people.alpha, people.beta):
        assert counts.participant_counts([participant.id]) == counted(participant.id), participant.code
    both = {s: a + b for (s, a), b in zip(counted(people.alpha.id).items(), counted(people.beta.id).values(),
                                          strict=True)}
    assert counts.participant_counts([people.alpha.id, people.beta.id]) == both


def test_counts_follow_every_kind_of_change(people):
    first = new_case(people.alpha_user, people.alpha)
    second = new_case(people.alpha_colleague, people.alpha)
    other = new_case(people.beta_user, people.beta)
    new_case(people.outsider, None)  # an inquiry: no participant, no count
    assert_kept(people)
    assert counts.participant_counts([people.alpha.id])["new"] == 2

    services.change_status(first, people.agent, "waiting")
    db.session.commit()
    assert_kept(people)
    # A participant's reply to Waiting brings it back (a bulk UPDATE, not the ORM).
    services.add_message(first, people.alpha_user, "Here is the meter data.")
    db.session.commit()
    assert first.status == "in_progress"
    assert_kept(people)

    services.close_case(second, people.alpha_colleague, "Answered")
    services.change_status(other, people.agent, "resolved")
    db.session.commit()
    assert_kept(people)
    services.reopen_case(second, people.alpha_colleague, "One more thing")
    db.session.commit()
    assert_kept(people)

    # Changes made behind the ORM's back are counted too.
    db.session.execute(update(Case).where(Case.id == other.id).values(status="closed"))
    db.session.execute(update(Case).where(Case.id == first.id).values(participant_id=people.beta.id))
    db.session.execute(update(Case).where(Case.id == second.id).values(submitter_id=people.alpha_user.id))
    db.session.commit()
    assert_kept(people)
    db.session.delete(db.session.get(Case, second.id))
    db.session.commit()
    assert_kept(people)


def test_a_change_rolled_back_is_not_counted(people):
    case = new_case(people.alpha_user, people.alpha)
    before = counts.participant_counts([people.alpha.id])
    with db.session.begin_nested() as savepoint:
        services.change_status(case, people.agent, "resolved")
        db.session.flush()
        savepoint.rollback()
    new_case(people.alpha_user, people.alpha, commit=False)
    db.session.rollback()
    assert counts.participant_counts([people.alpha.id]) == before == counted(people.alpha.id)


def test_compact_and_recount_keep_the_same_numbers(people, runner):
    cases = [new_case(people.alpha_user, people.alpha) for _ in range(3)]
    for case in cases[:2]:
        services.change_status(case, people.agent, "in_progress")
    db.session.commit()
    rows_before = db.session.scalar(select(func.count()).select_from(CaseStatusCount))
    before, after = counts.compact()
    assert before == rows_before and after == 2  # alpha, Ann: new and in_progress
    assert_kept(people)
    result = runner.invoke(args=["analyze"])
    assert result.exit_code == 0 and "status counts folded" in result.output

    db.session.execute(CaseStatusCount.__table__.insert().values(participant_id=people.alpha.id, status="new", n=40))
    db.session.commit()
    assert counts.participant_counts([people.alpha.id]) != counted(people.alpha.id)  # damaged by hand
    result = runner.invoke(args=["cases", "recount"])
    assert result.exit_code == 0, result.output
    assert_kept(people)


def test_company_list_tabs_show_the_kept_counts_and_nothing_of_other_companies(people, client_for):
    for _ in range(3):
        new_case(people.alpha_user, people.alpha)
    closed = new_case(people.alpha_colleague, people.alpha)
    services.close_case(closed, people.alpha_colleague, "done")
    for _ in range(5):
        new_case(people.beta_user, people.beta)
    db.session.commit()
    html = client_for(people.alpha_manager).get("/cases/company").text
    found = dict(re.findall(r'data-count="(\w+)">(\d+)<', html))
    assert found["all"] == "4" and found["new"] == "3" and found["closed"] == "1"
    # A participant filter for a company they do not manage counts nothing.
    html = client_for(people.alpha_manager).get(f"/cases/company?participant={people.beta.id}").text
    assert 'data-count="all">0<' in html
    # With a filter the counts are of the matching cases.
    html = client_for(people.alpha_manager).get("/cases/company?q=nothing-like-this").text
    assert 'data-count="all">0<' in html


def test_my_cases_tabs_show_what_the_person_submitted_and_follows(people, client_for):
    mine = [new_case(people.alpha_user, people.alpha) for _ in range(2)]
    services.close_case(mine[0], people.alpha_user, "done")
    followed = new_case(people.alpha_colleague, people.alpha)
    services.add_contact(followed, people.alpha_colleague, people.alpha_user)
    new_case(people.alpha_colleague, people.alpha)  # neither submitted nor followed by Ann
    db.session.commit()
    html = client_for(people.alpha_user).get("/cases").text
    found = dict(re.findall(r'data-count="(\w+)">(\d+)<', html))
    assert found["all"] == "3" and found["new"] == "2" and found["closed"] == "1"
    html = client_for(people.alpha_user).get(f"/cases?participant={people.beta.id}").text
    assert 'data-count="all">0<' in html

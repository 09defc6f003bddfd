"""PostgreSQL: a search ranks the newest RANK_WINDOW matches, walked branch by branch.

The statement walks disjoint branches newest first (a participant where the
viewer is External Manager, their own cases and inquiries, cases they follow,
a named participant, a status, every case for staff); these tests check that
the branches cover exactly what the viewer may find, with a window small
enough to matter.
"""

from datetime import timedelta

import pytest
from sqlalchemy import text

from askiso.cases.models import CaseContact
from askiso.core.timeutil import utcnow
from askiso.extensions import db
from askiso.search import services
from askiso.search.backends import MoreThan, postgres_backend
from askiso.search.worker import process_queue
from tests.search.conftest import find, make_case


@pytest.fixture
def postgres(backend):
    if backend != "postgres":
        pytest.skip("the ranking window of the postgres backend")
    return backend


def _cases(people):
    """Matching cases of every kind, oldest first (updated one day apart)."""
    made = {
        "alpha_by_user": make_case(people.alpha, people.alpha_user, "Quokka alpha by user"),
        "alpha_by_colleague": make_case(people.alpha, people.alpha_colleague, "Quokka alpha by colleague"),
        "alpha_followed": make_case(people.alpha, people.alpha_manager, "Quokka alpha followed by user"),
        "beta_by_both": make_case(people.beta, people.both, "Quokka beta by both", status="waiting"),
        "beta_by_user": make_case(people.beta, people.beta_user, "Quokka beta by user"),
        "inquiry_by_user": make_case(None, people.alpha_user, "Quokka inquiry by user"),
        "inquiry_by_manager": make_case(None, people.alpha_manager, "Quokka inquiry by manager"),
        "alpha_closed": make_case(people.alpha, people.alpha_user, "Quokka alpha closed", status="closed"),
    }
    db.session.add(CaseContact(case_id=made["alpha_followed"].id, user_id=people.alpha_user.id))
    now = utcnow()
    for days, case in enumerate(reversed(list(made.values()))):
        case.updated_at = now - timedelta(days=days)
    db.session.commit()
    process_queue()
    return made


def _numbers(made, *names):
    """Case numbers newest first (every case matches "quokka" equally)."""
    order = list(made)
    return [made[n].number for n in sorted(names, key=order.index, reverse=True)]


EXPECTED = {
    "alpha_user": ["alpha_by_user", "alpha_followed", "inquiry_by_user", "alpha_closed"],
    "alpha_colleague": ["alpha_by_colleague"],
    "alpha_manager": ["alpha_by_user", "alpha_by_colleague", "alpha_followed", "inquiry_by_manager", "alpha_closed"],
    "both": ["beta_by_both"],
    "beta_manager": ["beta_by_both", "beta_by_user"],
    "outsider": [],
}


def test_every_viewer_finds_exactly_their_matches_newest_first_on_ties(postgres, people):
    made = _cases(people)
    for who, names in EXPECTED.items():
        assert find(getattr(people, who), "quokka") == _numbers(made, *names), who
    assert find(people.agent, "quokka") == _numbers(made, *made)
    assert find(people.agent, "quokka status:waiting") == _numbers(made, "beta_by_both")
    assert find(people.agent, "quokka participant:beta") == _numbers(made, "beta_by_both", "beta_by_user")
    assert find(people.alpha_manager, "quokka participant:alpha") == _numbers(
        made, "alpha_by_user", "alpha_by_colleague", "alpha_followed", "alpha_closed"
    )
    assert find(people.alpha_user, "quokka participant:beta") == []
    assert find(people.alpha_user, "quokka status:closed") == _numbers(made, "alpha_closed")


def test_more_matches_than_the_window_rank_the_newest(postgres, people, monkeypatch):
    made = _cases(people)
    monkeypatch.setattr(postgres_backend, "RANK_WINDOW", 3)
    for who, names in EXPECTED.items():
        expected = _numbers(made, *names)
        page = services.search(getattr(people, who), "quokka")[1]
        assert [r.case.number for r in page.results] == expected[:3], who
        if len(expected) > 3:
            assert isinstance(page.total, MoreThan) and page.total == 3 and page.total_is_partial, who
        else:
            assert page.total == len(expected) and not page.total_is_partial, who
    page = services.search(people.agent, "quokka")[1]
    assert [r.case.number for r in page.results] == _numbers(made, *made)[:3]
    assert page.total_is_partial and page.pages == 1
    # A stronger match outside the window is not ranked; inside it, it comes first.
    old_strong = made["alpha_by_colleague"]
    old_strong.description = "quokka quokka quokka"
    db.session.commit()
    process_queue()
    assert old_strong.number not in find(people.agent, "quokka")
    assert find(people.alpha_colleague, "quokka") == [old_strong.number]


def test_the_page_says_when_it_stopped_counting(postgres, people, monkeypatch, client_for):
    _cases(people)
    monkeypatch.setattr(postgres_backend, "RANK_WINDOW", 3)
    html = client_for(people.agent).get("/search?q=quokka").get_data(as_text=True)
    assert "More than 3 cases found; the 3 most recently updated are ranked" in html


def test_the_search_leaves_the_parallel_setting_as_it_was(postgres, people):
    _cases(people)
    db.session.execute(text("SET LOCAL max_parallel_workers_per_gather = 3"))
    assert services.search(people.agent, "quokka")[1].results
    assert db.session.scalar(text("SHOW max_parallel_workers_per_gather")) == "3"
    db.session.rollback()

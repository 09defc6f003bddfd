"""Answers before asking: the suggestion endpoint, own similar resolved cases, deflections."""

from datetime import timedelta

from sqlalchemy import select

from askiso.articles.models import Article, Deflection
from askiso.articles.services import count_deflections, deflections_by_article
from askiso.core.timeutil import utcnow
from askiso.extensions import db
from tests.search.conftest import make_case


def test_typing_data_feeds_access_suggests_the_seeded_data_feeds_article(app, people, client_for, backend):
    client = client_for(people.alpha_user)
    data = client.get("/help/suggest?q=data feeds access").get_json()
    assert data["articles"], data
    assert data["articles"][0]["slug"] == "enabling-iso-express-data-feeds"
    assert len(data["articles"]) <= 5


def test_short_or_empty_subjects_suggest_nothing(app, client):
    assert client.get("/help/suggest?q=da").get_json() == {"articles": [], "cases": []}
    assert client.get("/help/suggest").get_json() == {"articles": [], "cases": []}


def test_own_resolved_cases_are_suggested_but_never_another_companys(app, people, client_for, backend):
    from askiso.search.worker import process_queue

    mine = make_case(people.alpha, people.alpha_user, "Quartzite meter question", status="resolved")
    make_case(people.alpha, people.alpha_user, "Quartzite meter still open", status="in_progress")
    theirs = make_case(people.beta, people.beta_user, "Quartzite meter beta question", status="resolved")
    process_queue()

    def numbers(who):
        return {c["number"] for c in client_for(who).get("/help/suggest?q=quartzite meter").get_json()["cases"]}

    assert numbers(people.alpha_user) == {mine.number}
    assert numbers(people.beta_user) == {theirs.number}
    assert numbers(people.alpha_colleague) == set()  # same company, not on the case
    assert numbers(people.former) == set()
    assert client_for(None).get("/help/suggest?q=quartzite meter").get_json()["cases"] == []


def test_this_answered_my_question_records_a_deflection_and_counts(app, people, client_for):
    client = client_for(people.alpha_user)
    client.get("/cases/new")
    article = db.session.scalar(select(Article).where(Article.slug == "enabling-iso-express-data-feeds"))
    response = client.post(
        f"/help/articles/{article.slug}/answered", data={"source": "new_case"}, headers={"Accept": "application/json"}
    )
    assert response.status_code == 200 and response.get_json() == {"recorded": True}
    anonymous = client_for(None).post(f"/help/articles/{article.slug}/answered", data={"source": "inquiry"})
    assert anonymous.status_code == 302
    rows = db.session.scalars(select(Deflection).order_by(Deflection.id)).all()
    assert [(r.source, r.user_id) for r in rows] == [("new_case", people.alpha_user.id), ("inquiry", None)]
    now = utcnow()
    assert count_deflections(now - timedelta(days=1), now + timedelta(seconds=1)) == 2
    assert count_deflections(now - timedelta(days=1), now + timedelta(seconds=1), article_id=article.id + 999) == 0
    assert count_deflections(now + timedelta(days=1), now + timedelta(days=2)) == 0
    assert deflections_by_article(now - timedelta(days=1), now + timedelta(seconds=1)) == {article.id: 2}
    staff_page = client_for(people.agent).get(f"/staff/articles/{article.slug}").get_data(as_text=True)
    assert "2 in the last 30 days" in staff_page


def test_the_new_case_and_inquiry_forms_carry_the_suggestions_and_work_without_them(app, people, client_for):
    page = client_for(people.alpha_user).get("/cases/new?type=general_question").get_data(as_text=True)
    assert 'data-article-suggest-for="subject"' in page and 'data-source="new_case"' in page
    assert "js/articles.js" in page
    inquiry = client_for(None).get("/inquiries/new").get_data(as_text=True)
    assert 'data-source="inquiry"' in inquiry

"""From the attacker's side: a staff-only article or a draft never reaches a participant or an
anonymous visitor, by page (a guessed URL is 404), file, browsing, search, suggestion or API;
participants' articles reach only people with an active membership."""

import io

import pytest

from askiso.api.tokens import create_token
from askiso.articles.files import add_file
from askiso.extensions import db

ALL = {"public", "members", "staff", "draft"}


def _reader_cases(people):
    # (who, what they may read of the shelf)
    return [
        (None, {"public"}),
        ("outsider", {"public"}),  # signed in, no company
        ("former", {"public"}),  # membership ended
        ("alpha_user", {"public", "members"}),
        ("alpha_manager", {"public", "members"}),
        ("beta_sa", {"public", "members"}),
        ("agent", {"public", "members", "staff", "draft"}),
    ]


def _titles(shelf, keys):
    return {getattr(shelf, k).title for k in keys}


@pytest.mark.parametrize("who,may", _reader_cases(None))
def test_article_pages_answer_404_outside_the_audience(app, people, shelf, client_for, who, may):
    client = client_for(getattr(people, who) if who else None)
    for key in ("public", "members", "staff", "draft"):
        response = client.get(f"/help/articles/{getattr(shelf, key).slug}")
        assert response.status_code == (200 if key in may else 404), (who, key)
    assert client.get("/help/articles/no-such-article").status_code == 404


@pytest.mark.parametrize("who,may", _reader_cases(None))
def test_browsing_search_and_suggestions_show_only_the_audience(app, people, shelf, client_for, who, may, backend):
    client = client_for(getattr(people, who) if who else None)
    hidden = _titles(shelf, {"public", "members", "staff", "draft"} - may)
    shown = _titles(shelf, may)
    for url in ("/help/articles", "/help/articles?q=zephyr+turbines", "/help/articles?topic=cams", "/help"):
        page = client.get(url).get_data(as_text=True)
        assert not any(t in page for t in hidden), (who, url)
        if url != "/help":
            assert all(t in page for t in shown), (who, url)
    suggested = {a["title"] for a in client.get("/help/suggest?q=zephyr turbines").get_json()["articles"]}
    assert suggested == shown - _titles(shelf, {"draft"})  # suggestions: published articles only


@pytest.mark.parametrize("who,may", [c for c in _reader_cases(None) if c[0] is not None])
def test_api_lists_only_the_audience(app, people, shelf, who, may, backend):
    _, token = create_token(getattr(people, who), "t", scope="read")
    db.session.commit()
    client = app.test_client()
    for query in ("", "?q=zephyr", "?q=secret+staff+procedure"):
        body = client.get(f"/api/v1/articles{query}", headers={"Authorization": f"Bearer {token}"}).get_json()
        titles = {item["title"] for item in body["items"]} & _titles(shelf, ALL)  # (the seeded articles too)
        assert titles <= _titles(shelf, may), (who, query)
    body = client.get("/api/v1/articles?q=zephyr", headers={"Authorization": f"Bearer {token}"}).get_json()
    assert {item["title"] for item in body["items"]} == _titles(shelf, may)


def test_api_needs_a_token(app, client):
    assert client.get("/api/v1/articles").status_code == 401


def test_a_staff_articles_file_is_404_for_participants_and_visitors(app, people, shelf, client_for):
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
    from werkzeug.datastructures import FileStorage

    row = add_file(shelf.staff, people.supervisor, FileStorage(io.BytesIO(png), filename="chart.png"))
    db.session.commit()
    url = f"/help/articles/{shelf.staff.slug}/files/{row.id}/chart.png"
    for who in (None, people.alpha_user, people.alpha_manager, people.outsider):
        assert client_for(who).get(url).status_code == 404
    assert client_for(people.agent).get(url).status_code == 200
    # The same file id under a public article's slug is not found either.
    assert client_for(None).get(f"/help/articles/{shelf.public.slug}/files/{row.id}/chart.png").status_code == 404


def test_deflection_on_a_hidden_article_is_404(app, people, shelf, client_for):
    client = client_for(people.alpha_user)
    client.get("/help/articles")
    for article in (shelf.staff, shelf.draft):
        assert client.post(f"/help/articles/{article.slug}/answered", data={"source": "new_case"}).status_code == 404


def test_composer_offers_only_articles_a_participant_may_read(app, people, shelf):
    from askiso.articles.template_helpers import article_link_choices

    slugs = {slug for _, slug in article_link_choices()}
    assert shelf.public.slug in slugs and shelf.members.slug in slugs
    assert shelf.staff.slug not in slugs and shelf.draft.slug not in slugs


def test_the_composer_reads_its_article_list_from_a_staff_only_endpoint(app, people, shelf, client_for):
    answer = client_for(people.agent).get("/staff/article-links")
    assert answer.status_code == 200
    slugs = {a["slug"] for a in answer.get_json()["articles"]}
    assert shelf.public.slug in slugs and shelf.members.slug in slugs
    assert shelf.staff.slug not in slugs and shelf.draft.slug not in slugs
    for outsider in (people.alpha_user, people.former, None):
        response = client_for(outsider).get("/staff/article-links")
        assert response.status_code in (302, 404) and b"articles" not in response.data

"""Writing and publishing: agents draft, supervisors and admins publish; revisions say who changed what."""

import io

from sqlalchemy import select

from askiso.articles.models import Article, ArticleRevision
from askiso.cases.models import Topic
from askiso.extensions import db


def _topic_id(key="data"):
    return db.session.scalar(select(Topic.id).where(Topic.key == key))


def _form(**overrides):
    data = {
        "title": "Meter data upload",
        "summary": "How to upload meter data.",
        "topic_id": _topic_id(),
        "audience": "participants",
        "body": "Upload **meter data** here.",
        "note": "",
    }
    data.update(overrides)
    return data


def test_an_agent_drafts_a_supervisor_publishes_and_history_names_them(app, people, client_for):
    agent, supervisor = client_for(people.agent), client_for(people.supervisor)
    response = agent.post("/staff/articles/new", data=_form())
    assert response.status_code == 302
    article = db.session.scalar(select(Article).where(Article.title == "Meter data upload"))
    assert article.status == "draft" and article.slug == "meter-data-upload"
    assert agent.post(f"/staff/articles/{article.slug}/publish").status_code == 403
    assert client_for(people.alpha_user).get(f"/help/articles/{article.slug}").status_code == 404

    assert supervisor.post(f"/staff/articles/{article.slug}/publish").status_code == 302
    db.session.refresh(article)
    assert article.status == "published"
    assert client_for(people.alpha_user).get(f"/help/articles/{article.slug}").status_code == 200
    assert client_for(None).get(f"/help/articles/{article.slug}").status_code == 404  # participants only

    # A published article is changed by a supervisor, not an agent.
    assert agent.post(f"/staff/articles/{article.slug}/edit", data=_form(title="Hijacked")).status_code == 403
    response = supervisor.post(
        f"/staff/articles/{article.slug}/edit",
        data=_form(body="Upload meter data in the portal.", audience="everyone", note="Public now"),
    )
    assert response.status_code == 302
    revisions = db.session.scalars(
        select(ArticleRevision).where(ArticleRevision.article_id == article.id).order_by(ArticleRevision.number)
    ).all()
    assert [(r.number, r.author_id, r.changed) for r in revisions] == [
        (1, people.agent.id, ["created"]),
        (2, people.supervisor.id, ["status"]),
        (3, people.supervisor.id, ["body", "audience"]),
    ]
    assert revisions[2].note == "Public now" and revisions[1].body == "Upload **meter data** here."
    page = supervisor.get(f"/staff/articles/{article.slug}").get_data(as_text=True)
    assert "Alex Agent" in page and "Sam Supervisor" in page and "changed body, audience" in page
    assert client_for(None).get(f"/help/articles/{article.slug}").status_code == 200

    assert supervisor.post(f"/staff/articles/{article.slug}/unpublish").status_code == 302
    assert client_for(None).get(f"/help/articles/{article.slug}").status_code == 404


def test_bad_input_says_what_to_fix_and_keeps_what_was_typed(app, people, client_for):
    response = client_for(people.agent).post("/staff/articles/new", data=_form(title="", body="Kept body text"))
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Enter a title." in page and "Kept body text" in page
    assert db.session.scalar(select(Article).where(Article.body == "Kept body text")) is None


def test_a_title_of_new_does_not_shadow_the_new_article_page(app, people, client_for):
    client_for(people.agent).post("/staff/articles/new", data=_form(title="New"))
    assert db.session.scalar(select(Article.slug).where(Article.title == "New")) == "new-2"


def test_bodies_are_sanitised_and_images_come_only_from_article_files(app, people, client_for):
    body = (
        "<script>alert(1)</script> [x](javascript:alert(1)) ![ok](/help/articles/a/files/1/a.png) "
        "![evil](https://evil.test/p.png)"
    )
    client_for(people.supervisor).post("/staff/articles/new", data=_form(title="Sanitised", body=body))
    article = db.session.scalar(select(Article).where(Article.title == "Sanitised"))
    page = client_for(people.supervisor).get(f"/staff/articles/{article.slug}").get_data(as_text=True)
    assert "<script>alert(1)" not in page and 'href="javascript' not in page
    assert 'src="/help/articles/a/files/1/a.png"' in page and "evil.test" not in page


def test_uploading_an_image_shows_its_markdown_and_a_bad_file_is_refused_clearly(app, people, client_for):
    client = client_for(people.agent)
    client.post("/staff/articles/new", data=_form(title="With picture"))
    slug = db.session.scalar(select(Article.slug).where(Article.title == "With picture"))
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
    response = client.post(
        f"/staff/articles/{slug}/files",
        data={"file": (io.BytesIO(png), "chart.png")},
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    page = response.get_data(as_text=True)
    assert "“chart.png” uploaded" in page and f"![chart.png](/help/articles/{slug}/files/" in page
    response = client.post(
        f"/staff/articles/{slug}/files",
        data={"file": (io.BytesIO(b"<html>x"), "x.pdf")},
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    assert "web page or script content" in response.get_data(as_text=True)


def test_staff_pages_are_404_for_participants(app, people, client_for):
    client = client_for(people.alpha_manager)
    for url in ("/staff/articles", "/staff/articles/new", "/staff/articles/enabling-iso-express-data-feeds"):
        assert client.get(url).status_code == 404


def test_the_staff_list_shows_drafts_and_the_composer_partial_links_articles(app, people, client_for):
    from tests.search.conftest import make_case

    client_for(people.agent).post("/staff/articles/new", data=_form(title="Agent draft"))
    client = client_for(people.agent)
    assert "Agent draft" in client.get("/staff/articles").get_data(as_text=True)
    case = make_case(people.alpha, people.alpha_user, "Help me")
    page = client.get(f"/staff/cases/{case.number}").get_data(as_text=True)
    assert 'data-article-insert-target="' in page and 'data-choices-url="/staff/article-links"' in page
    offered = {a["slug"] for a in client.get("/staff/article-links").get_json()["articles"]}
    assert "enabling-iso-express-data-feeds" in offered and not any("agent-draft" in s for s in offered)

"""Article fixtures: one article per audience and a draft, written through the services."""

from types import SimpleNamespace

import pytest
from sqlalchemy import select

from askiso.articles.services import create_article, set_published
from askiso.cases.models import Topic
from askiso.extensions import db


def make_article(author, title, body, *, audience="everyone", publish=True, publisher=None, summary="", topic="cams"):
    topic_id = db.session.scalar(select(Topic.id).where(Topic.key == topic))
    article = create_article(author, title=title, body=body, summary=summary, topic_id=topic_id, audience=audience)
    if publish:
        set_published(article, publisher or author, True)
    db.session.commit()
    return article


@pytest.fixture
def shelf(people):
    """A public, a participants', a staff-only and a draft article, all about 'zephyr turbines'."""
    sup = people.supervisor
    return SimpleNamespace(
        public=make_article(sup, "Zephyr turbines for everyone", "Public zephyr turbine advice."),
        members=make_article(
            sup, "Zephyr turbines for participants", "Participant zephyr turbine advice.", audience="participants"
        ),
        staff=make_article(
            sup, "Zephyr turbines staff procedure", "Secret staff zephyr turbine procedure.", audience="staff"
        ),
        draft=make_article(people.agent, "Zephyr turbines draft", "Unfinished zephyr turbine draft.", publish=False),
    )


@pytest.fixture(params=["whoosh", "postgres"])
def backend(request, app, tmp_path):
    """Run once per search backend; postgres only on a PostgreSQL test database."""
    if request.param == "postgres" and db.engine.dialect.name != "postgresql":
        pytest.skip("the postgres search backend needs TEST_DATABASE_URL=postgresql://...")
    saved = {k: app.config.get(k) for k in ("SEARCH_BACKEND", "SEARCH_INDEX_DIR")}
    app.config.update(SEARCH_BACKEND=request.param, SEARCH_INDEX_DIR=str(tmp_path / "search-index"))
    yield request.param
    app.config.update(saved)

"""Article fixtures: one article per audience and a draft, written through the services."""

from types import SimpleNamespace

import pytest
from sqlalchemy import select

from askiso.articles.services import create_article, set_published
from askiso.cases.models import Topic
from askiso.extensions import db
from tests.search.conftest import backend  # noqa: F401  (the same fixture: once per search backend)


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

"""A fresh install has the seeded articles; seeding again never undoes an admin's edit or deletion."""

import importlib.util
from pathlib import Path

from flask_migrate import upgrade
from sqlalchemy import select

from askiso import create_app
from askiso.articles.models import Article, ArticleRevision
from askiso.extensions import db
from tests.core.conftest import empty_database_url  # noqa: F401  (a fixture: an empty database)

SEEDED = {
    "getting-access-to-ask-iso",
    "becoming-an-external-manager",
    "enabling-iso-express-data-feeds",
    "registering-for-iso-express",
    "fcts-access",
    "eftr-registration-and-annual-certification",
    "external-transactions-registration",
    "other-iso-systems",
}


MIGRATION = Path(__file__).resolve().parents[2] / "migrations" / "versions" / "885de8257890_help_articles.py"


def _migration():
    spec = importlib.util.spec_from_file_location("help_articles_migration", MIGRATION)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_flask_db_upgrade_alone_gives_the_seeded_articles(empty_database_url, tmp_path, monkeypatch):  # noqa: F811
    monkeypatch.setenv("ASKISO_INSTANCE_PATH", str(tmp_path / "instance"))
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=empty_database_url)
    with app.app_context():
        upgrade()
        assert set(db.session.scalars(select(Article.slug))) == SEEDED
        page = app.test_client().get("/help/suggest?q=data feeds access").get_json()
        assert page["articles"][0]["slug"] == "enabling-iso-express-data-feeds"
        db.session.remove()
        db.engine.dispose()


def test_the_seeded_articles_are_published_for_everyone_with_a_first_revision(app, client):
    rows = db.session.scalars(select(Article)).all()
    assert {a.slug for a in rows} == SEEDED
    assert all(a.status == "published" and a.audience == "everyone" and a.topic_id for a in rows)
    assert db.session.scalar(select(db.func.count(ArticleRevision.id))) == len(SEEDED)
    page = client.get("/help/articles").get_data(as_text=True)
    assert "Enabling ISO Express data feeds" in page and "eFTR registration" in page


def test_seeding_again_adds_nothing_back(app):
    article = db.session.scalar(select(Article).where(Article.slug == "fcts-access"))
    db.session.delete(article)
    edited = db.session.scalar(select(Article).where(Article.slug == "other-iso-systems"))
    edited.title = "Edited by an admin"
    db.session.commit()
    with db.engine.begin() as connection:
        _migration().seed(connection)
    slugs = set(db.session.scalars(select(Article.slug)))
    assert "fcts-access" not in slugs
    assert db.session.scalar(select(Article.title).where(Article.slug == "other-iso-systems")) == "Edited by an admin"

"""Template globals used by partials that other features include (composer, case forms)."""

from sqlalchemy import select

from askiso.articles.audience import linkable_clause
from askiso.articles.blueprint import bp
from askiso.articles.models import Article
from askiso.extensions import db


@bp.app_template_global("article_link_choices")
def article_link_choices():
    """(title, slug) of articles an agent may link into a public reply, by title (one statement)."""
    stmt = select(Article.title, Article.slug).where(linkable_clause()).order_by(Article.title)
    return db.session.execute(stmt).all()


@bp.app_template_global("help_article_topics")
def help_article_topics():
    """[(Topic, count)] of the topics with articles the signed-in person (or visitor) may read."""
    from flask_login import current_user
    from sqlalchemy import func

    from askiso.articles.audience import readable_clause
    from askiso.cases.models import Topic

    rows = db.session.execute(
        select(Topic, func.count(Article.id))
        .join(Article, Article.topic_id == Topic.id)
        .where(readable_clause(current_user))
        .group_by(Topic.id)
        .order_by(Topic.sort_order, Topic.id)
    ).all()
    return [(topic, count) for topic, count in rows]

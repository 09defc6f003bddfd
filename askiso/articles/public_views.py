"""The help centre: browse by topic, search, read; suggestions; "This answered my question"."""

from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from askiso.articles.audience import get_article_or_404
from askiso.articles.blueprint import bp
from askiso.articles.files import send_article_file
from askiso.articles.forms import ButtonForm
from askiso.articles.models import DEFLECTION_SOURCES, Article
from askiso.articles.rendering import render_article
from askiso.articles.search import search_articles
from askiso.articles.services import record_deflection
from askiso.articles.suggestions import suggest
from askiso.cases.models import Topic
from askiso.core.access import public
from askiso.extensions import db, limiter

LIST_LIMIT = 200


def _topics():
    return db.session.scalars(select(Topic).where(Topic.is_active.is_(True)).order_by(Topic.sort_order, Topic.id)).all()


@bp.route("/help/articles")
@public
def index():
    """Articles the visitor may read, by topic, or the matches of a search."""
    q = (request.args.get("q") or "").strip()[:200]
    topics = _topics()
    topic = next((t for t in topics if t.key == request.args.get("topic")), None)
    articles = search_articles(current_user, q, limit=LIST_LIMIT, topic_id=topic.id if topic else None)
    return render_template(
        "articles/index.html",
        q=q,
        topics=topics,
        topic=topic,
        articles=articles,
        groups=_by_topic(topics, articles),
    )


def _by_topic(topics, articles):
    """[(Topic or None, [Article])] in the topics' order; articles without a topic last."""
    groups = {}
    for article in articles:
        groups.setdefault(article.topic_id, []).append(article)
    ordered = [(t, groups[t.id]) for t in topics if t.id in groups]
    return ordered + ([(None, groups[None])] if None in groups else [])


@bp.route("/help/articles/<slug>")
@public
def show(slug):
    """One article; 404 when it does not exist or the visitor may not read it."""
    article = get_article_or_404(slug, current_user, selectinload(Article.topic))
    return render_template(
        "articles/show.html",
        article=article,
        body=render_article(article.body),
        form=ButtonForm(),
        answered=request.args.get("answered") == "1",
    )


@bp.route("/help/articles/<slug>/files/<int:article_file_id>/<filename>")
@public
def file(slug, article_file_id, filename):
    """An image or file of an article the visitor may read."""
    article = get_article_or_404(slug, current_user)
    return send_article_file(article, article_file_id)


@bp.route("/help/suggest")
@limiter.limit("120 per minute")
@public
def suggestions():
    """JSON for the case and inquiry forms: articles and own resolved cases matching `q`."""
    return jsonify(suggest(current_user, request.args.get("q", "")))


@bp.route("/help/articles/<slug>/answered", methods=["POST"])
@limiter.limit("30 per minute")
@public
def answered(slug):
    """Record that the article answered the visitor's question (a deflection)."""
    article = get_article_or_404(slug, current_user)
    form = ButtonForm()
    if not form.validate_on_submit():
        abort(400)
    source = request.form.get("source", "article")
    record_deflection(article, current_user, source if source in DEFLECTION_SOURCES else "article")
    if request.accept_mimetypes.best == "application/json":
        return jsonify({"recorded": True})
    flash("Thank you: glad it helped. You do not need to open a case.", "success")
    return redirect(url_for("articles.show", slug=article.slug, answered=1))

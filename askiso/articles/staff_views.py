"""The article editor in the staff workspace: list, write, revise, publish, files."""

from datetime import timedelta

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from askiso.articles.audience import can_edit, can_publish, get_article_or_404
from askiso.articles.blueprint import bp
from askiso.articles.files import add_file, files_of, markdown_for
from askiso.articles.forms import ArticleForm, ButtonForm, FileForm
from askiso.articles.models import Article
from askiso.articles.rendering import render_article
from askiso.articles.search import search_articles
from askiso.articles.services import (
    ArticleRefused,
    count_deflections,
    create_article,
    deflections_by_article,
    revisions_of,
    set_published,
    update_article,
)
from askiso.cases.models import Topic
from askiso.cases.uploads import UploadError
from askiso.core.access import staff_required
from askiso.core.timeutil import utcnow
from askiso.core.unit_of_work import discard
from askiso.extensions import db

RECENT = timedelta(days=30)


def _topic_choices():
    topics = db.session.scalars(select(Topic).order_by(Topic.sort_order, Topic.id)).all()
    return [(0, "No topic")] + [(t.id, t.name) for t in topics]


def _form(article=None):
    form = ArticleForm(obj=article) if article is not None else ArticleForm()
    form.topic_id.choices = _topic_choices()
    if article is not None and request.method == "GET":
        form.topic_id.data = article.topic_id or 0
    return form


def _values(form):
    return {
        "title": form.title.data,
        "summary": form.summary.data or "",
        "body": form.body.data,
        "topic_id": form.topic_id.data or None,
        "audience": form.audience.data,
    }


@bp.route("/staff/article-links")
@staff_required
def link_choices():
    """The articles the composer may link into a public reply, as JSON: asked by the composer's
    "Help article" list when an agent first opens it, so the case page itself does not read them."""
    from flask import jsonify

    from askiso.articles.template_helpers import article_link_choices

    return jsonify(articles=[{"title": title, "slug": slug} for title, slug in article_link_choices()])


@bp.route("/staff/articles")
@staff_required
def staff_list():
    """Every article (drafts too), with its deflections of the last 30 days."""
    q = (request.args.get("q") or "").strip()[:200]
    articles = search_articles(current_user, q, limit=500)
    now = utcnow()
    return render_template(
        "articles/staff_list.html",
        articles=articles,
        q=q,
        deflections=deflections_by_article(now - RECENT, now),
        total=count_deflections(now - RECENT, now),
    )


@bp.route("/staff/articles/new", methods=["GET", "POST"])
@staff_required
def staff_new():
    """Write a new article (a draft)."""
    form = _form()
    if not form.validate_on_submit():
        return render_template("articles/edit.html", form=form, article=None), 400 if form.errors else 200
    article = create_article(current_user, **_values(form))
    flash("Draft saved. A supervisor or an admin publishes it.", "success")
    return redirect(url_for("articles.staff_show", slug=article.slug))


@bp.route("/staff/articles/<slug>")
@staff_required
def staff_show(slug):
    """The article as staff see it: preview, history, files, deflections, publishing."""
    article = get_article_or_404(slug, current_user, selectinload(Article.topic), selectinload(Article.created_by))
    now = utcnow()
    files = files_of(article)
    return render_template(
        "articles/staff_show.html",
        article=article,
        body=render_article(article.body),
        revisions=revisions_of(article),
        files=[(f, markdown_for(article, f)) for f in files],
        recent=count_deflections(now - RECENT, now, article_id=article.id),
        ever=count_deflections(article.created_at, now + timedelta(seconds=1), article_id=article.id),
        button=ButtonForm(),
        file_form=FileForm(formdata=None),
        may_edit=can_edit(current_user, article),
        may_publish=can_publish(current_user),
    )


@bp.route("/staff/articles/<slug>/edit", methods=["GET", "POST"])
@staff_required
def staff_edit(slug):
    """Change an article; a revision records who changed which fields."""
    article = get_article_or_404(slug, current_user)
    if not can_edit(current_user, article):
        abort(403)
    form = _form(article)
    if not form.validate_on_submit():
        return render_template("articles/edit.html", form=form, article=article), 400 if form.errors else 200
    changed = update_article(article, current_user, note=form.note.data or "", **_values(form))
    flash(f"Saved ({', '.join(changed)} changed)." if changed else "Nothing changed.", "success")
    return redirect(url_for("articles.staff_show", slug=article.slug))


def _publish(slug, published):
    article = get_article_or_404(slug, current_user)
    if not ButtonForm().validate_on_submit():
        abort(400)
    try:
        set_published(article, current_user, published)
    except ArticleRefused:
        abort(403)
    flash("Published." if published else "Taken back to draft: only staff can read it now.", "success")
    return redirect(url_for("articles.staff_show", slug=article.slug))


@bp.route("/staff/articles/<slug>/publish", methods=["POST"])
@staff_required(role="supervisor")
def staff_publish(slug):
    """Publish: the audience may read it from now on."""
    return _publish(slug, True)


@bp.route("/staff/articles/<slug>/unpublish", methods=["POST"])
@staff_required(role="supervisor")
def staff_unpublish(slug):
    """Back to draft: only staff read it."""
    return _publish(slug, False)


@bp.route("/staff/articles/<slug>/files", methods=["POST"])
@staff_required
def staff_upload(slug):
    """Attach an image or file; the page then shows the Markdown to paste into the text."""
    article = get_article_or_404(slug, current_user)
    if not can_edit(current_user, article):
        abort(403)
    form = FileForm()
    if not form.validate_on_submit():
        flash("Choose a file to upload.", "error")
        return redirect(url_for("articles.staff_show", slug=article.slug) + "#files")
    try:
        row = add_file(article, current_user, form.file.data)
    except UploadError as exc:
        discard("UploadError refused the request's change")
        flash(str(exc), "error")
        return redirect(url_for("articles.staff_show", slug=article.slug) + "#files")
    flash(f"“{row.filename}” uploaded. Paste its Markdown into the text to show it.", "success")
    return redirect(url_for("articles.staff_show", slug=article.slug) + "#files")

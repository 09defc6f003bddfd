"""Images and files of an article: checked like case files, stored the same way, sent with the
same safe headers, and readable by whoever may read the article."""

from flask import abort, current_app, url_for
from sqlalchemy import select

from askiso.articles.models import ArticleFile
from askiso.cases.downloads import send_attachment
from askiso.cases.storage import storage
from askiso.cases.uploads import check_upload
from askiso.extensions import db

HEAD_BYTES = 8192


def add_file(article, uploader, incoming):
    """Store an uploaded file (werkzeug FileStorage) for the article; raises UploadError."""
    head = incoming.stream.read(HEAD_BYTES)
    incoming.stream.seek(0)
    name, content_type = check_upload(incoming.filename, head)
    stored_name, sha256, size = storage().save(incoming.stream, current_app.config["MAX_FILE_BYTES"])
    row = ArticleFile(
        article_id=article.id,
        uploaded_by_id=uploader.id,
        filename=name,
        stored_name=stored_name,
        sha256=sha256,
        size=size,
        content_type=content_type,
    )
    db.session.add(row)
    db.session.flush()
    return row


def files_of(article):
    return db.session.scalars(
        select(ArticleFile).where(ArticleFile.article_id == article.id).order_by(ArticleFile.id)
    ).all()


def file_url(article, row):
    return url_for("articles.file", slug=article.slug, article_file_id=row.id, filename=row.filename)


def markdown_for(article, row):
    """What an editor pastes into the body to show the image or link the file."""
    url = file_url(article, row)
    return f"![{row.filename}]({url})" if row.is_image else f"[{row.filename}]({url})"


def send_article_file(article, article_file_id):
    """The download of one of `article`'s files (the caller checked the article is readable)."""
    row = db.session.scalar(
        select(ArticleFile).where(ArticleFile.id == article_file_id, ArticleFile.article_id == article.id)
    )
    if row is None:
        abort(404)
    return send_attachment(row)

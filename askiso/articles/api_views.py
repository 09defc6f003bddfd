"""GET /api/v1/articles?q=: the help articles the caller may read (askiso/articles/audience.py)."""

from flask import url_for
from marshmallow import Schema, fields, validate

from askiso.api.auth import api_user
from askiso.api.blueprint import bp
from askiso.api.openapi import operation
from askiso.api.schemas import StrictSchema, UtcDateTime
from askiso.articles.models import AUDIENCES, STATUSES
from askiso.articles.search import search_articles


class ArticleQuerySchema(StrictSchema):
    q = fields.String(
        validate=validate.Length(max=200),
        metadata={"description": "Words to search for; without it, every article you may read, by title."},
    )
    limit = fields.Integer(load_default=20, validate=validate.Range(min=1, max=100))


class ArticleSchema(Schema):
    slug = fields.String(required=True)
    title = fields.String(required=True)
    summary = fields.String(required=True)
    body = fields.String(required=True, metadata={"description": "Markdown"})
    topic = fields.String(required=True, allow_none=True, attribute="topic_key", metadata={"description": "Its key"})
    audience = fields.String(required=True, validate=validate.OneOf(AUDIENCES))
    status = fields.String(
        required=True, validate=validate.OneOf(STATUSES), metadata={"description": "Drafts are listed to staff only"}
    )
    url = fields.String(required=True, metadata={"description": "The article's page"})
    updated_at = UtcDateTime(required=True)


class ArticleListSchema(Schema):
    items = fields.List(fields.Nested(ArticleSchema), required=True)


def _item(article):
    return {
        "slug": article.slug,
        "title": article.title,
        "summary": article.summary,
        "body": article.body,
        "topic_key": article.topic.key if article.topic else None,
        "audience": article.audience,
        "status": article.status,
        "url": url_for("articles.show", slug=article.slug, _external=True),
        "updated_at": article.updated_at,
    }


@bp.route("/articles", methods=["GET"])
@operation(
    "Help articles you may read",
    tag="articles",
    description="Published articles for everyone; those for participants when you belong to a participant; "
    "staff articles and drafts for staff. Best match first when `q` is given.",
    query=ArticleQuerySchema,
    responses={200: (ArticleListSchema, "The matching articles you may read")},
    errors=(400,),
)
def articles(query):
    """The articles the token's owner may read, matching `q`."""
    found = search_articles(api_user(), query.get("q", ""), limit=query["limit"])
    return ArticleListSchema().dump({"items": [_item(a) for a in found]})

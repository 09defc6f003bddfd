"""Article bodies: Markdown rendered like messages (askiso/core/markdown.py), plus images of the
article's own files. Raw HTML is escaped; an image may only come from this app's article-file
route, so a body can neither load outside content nor run script."""

import html
from functools import lru_cache

import nh3
from markupsafe import Markup

from askiso.core.markdown import ALLOWED_ATTRIBUTES, ALLOWED_TAGS, MARKDOWN

FILE_URL_PREFIX = "/help/articles/"
_TAGS = ALLOWED_TAGS | {"img"}
_ATTRIBUTES = {**ALLOWED_ATTRIBUTES, "img": {"src", "alt", "title"}}


def _keep(tag, attribute, value):
    if tag == "img" and attribute == "src":
        return value if value.startswith(FILE_URL_PREFIX) and "/files/" in value else None
    return value


@lru_cache(maxsize=256)
def render_article(text):
    """An article body as sanitized HTML."""
    clean = nh3.clean(
        MARKDOWN.render(text or ""),
        tags=_TAGS,
        attributes=_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
        attribute_filter=_keep,
    )
    return Markup(clean)  # noqa: S704 (sanitized by nh3 just above)


def plain_text(text, limit=None):
    """The body without Markdown punctuation, for search documents and snippets."""
    words = " ".join(html.unescape(nh3.clean(MARKDOWN.render(text or ""), tags=set())).split())
    if limit and len(words) > limit:
        words = words[:limit].rsplit(" ", 1)[0] + " …"
    return words

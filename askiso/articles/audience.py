"""The one place that decides who may read which help article, and who may write and publish.

Every read path (the /help pages, browsing by topic, search, suggestions,
files, the API, the composer's link list) asks this module; none re-states
the rule.

- A draft is read by staff only.
- A published article for *everyone* is read by anyone, signed in or not.
- A published article for *participants* is read by staff and by people with
  at least one active membership of a participant (ended memberships do not
  count; a self-registered account without a company does not qualify).
- A *staff* article is read by staff only.

Writing: every staff role may create articles and edit drafts. Publishing,
unpublishing and editing a published article are for supervisors and admins
(DESIGN §1: they manage the help desk's content), so nothing reaches the
public without a second, senior pair of eyes.
"""

from flask import abort
from sqlalchemy import false, or_, select, true

from askiso.articles.models import Article
from askiso.extensions import db
from askiso.visibility import active_memberships


def _signed_in(viewer):
    return viewer is not None and getattr(viewer, "is_authenticated", False)


def is_staff(viewer):
    return _signed_in(viewer) and viewer.is_staff


def readable_audiences(viewer):
    """The audiences of published articles that `viewer` (a user, anonymous or None) may read."""
    if is_staff(viewer):
        return ("everyone", "participants", "staff")
    if _signed_in(viewer) and active_memberships(viewer):
        return ("everyone", "participants")
    return ("everyone",)


def readable_clause(viewer):
    """SQL condition on Article: the articles `viewer` may read."""
    if is_staff(viewer):
        return true()
    audiences = readable_audiences(viewer)
    return (Article.status == "published") & Article.audience.in_(audiences) if audiences else false()


def readable_articles(viewer):
    """select(Article) of what the viewer may read."""
    return select(Article).where(readable_clause(viewer))


def can_read_article(viewer, article):
    """True when `viewer` may read `article`."""
    if article is None:
        return False
    if is_staff(viewer):
        return True
    return article.status == "published" and article.audience in readable_audiences(viewer)


def get_article_or_404(slug, viewer, *options):
    """Load the article by slug and check it in one call: 404 when missing or not readable."""
    stmt = readable_articles(viewer).where(Article.slug == slug)
    article = db.session.scalar(stmt.options(*options)) if options else db.session.scalar(stmt)
    if article is None:
        abort(404)
    return article


def only_readable(viewer, article_ids, *options):
    """{id: Article} of the given ids that the viewer may read (re-checks search hits against fresh rows)."""
    if not article_ids:
        return {}
    stmt = readable_articles(viewer).where(Article.id.in_(list(article_ids))).options(*options)
    return {a.id: a for a in db.session.scalars(stmt)}


def linkable_clause():
    """Articles an agent may link into a public reply: published and readable by the participant."""
    return (Article.status == "published") & or_(Article.audience == "everyone", Article.audience == "participants")


def can_write(user):
    """Any staff member may create articles and edit drafts."""
    return is_staff(user)


def can_publish(user):
    """Supervisors and admins publish, unpublish and edit published articles."""
    return is_staff(user) and user.is_supervisor


def can_edit(user, article):
    """Drafts: any staff member; published articles: supervisors and admins."""
    return can_publish(user) if article.is_published else can_write(user)

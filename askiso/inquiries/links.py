"""Private tracking links: the only key to an inquiry for a person without an account.

A link holds a 256-bit random token; only its SHA-256 is stored, so a link can
be revoked but never shown again. Every email that points to an inquiry
carries a freshly issued link (see docs/inquiries.md).
"""

from flask import current_app
from sqlalchemy import select, update
from sqlalchemy.orm import joinedload

from askiso.audit.services import record
from askiso.cases.services import NotAllowed, add_message
from askiso.core.timeutil import utcnow
from askiso.core.tokens import hash_token, new_token
from askiso.core.validation import normalized_email_or_error
from askiso.extensions import db
from askiso.inquiries.models import InquiryContact, TrackingLink
from askiso.mail.services import queue_email
from askiso.mail.suppression import is_suppressed
from askiso.visibility import scoped, tracking_view_ends_at

# How many inquiries one "lost your link?" email lists at most (newest first).
LOST_LINKS_MAX = 20


def external_url(endpoint, **values):
    """An absolute link for an email; works in requests and in CLI commands alike."""
    base = current_app.config["EXTERNAL_URL"].rstrip("/")
    return base + current_app.url_map.bind("localhost").build(endpoint, values)


def issue_tracking_link(case, email):
    """A new link to this inquiry for `email`; returns the plain token (shown once)."""
    token = new_token(32)
    link = TrackingLink(case_id=case.id, token_hash=hash_token(token), email=email.lower(), created_at=utcnow())
    db.session.add(link)
    db.session.flush()
    return token


def tracking_link_for(token):
    """The active link row for a token, or None (unknown, forged or revoked)."""
    if not token or len(token) > 200:
        return None
    # The link is its holder's whole right of access: it opens its one case, loaded with it (the
    # holder has no account for the visibility guard to scope by).
    link = db.session.scalar(
        scoped(
            select(TrackingLink)
            .where(TrackingLink.token_hash == hash_token(token))
            .options(joinedload(TrackingLink.case))
        )
    )
    if link is None or link.revoked_at is not None:
        return None
    return link


def touch(link):
    link.last_used_at = utcnow()


def revoke_links(link):
    """Revoke every link of this inquiry: the holder cannot know which one leaked."""
    now = utcnow()
    result = db.session.execute(
        update(TrackingLink)
        .where(TrackingLink.case_id == link.case_id, TrackingLink.revoked_at.is_(None))
        .values(revoked_at=now)
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(link)
    record("inquiries.links_revoked", None, case=link.case_id, count=result.rowcount)
    return result.rowcount


def can_reply_by_link(case):
    """The inquirer may add to an open or resolved inquiry (not a closed or merged one, nor one
    whose link no longer shows the conversation: filed under a participant they do not belong to)."""
    if case.status == "closed" or case.merged_into_id is not None or tracking_view_ends_at(case) is not None:
        return False
    return case.participant is None or case.participant.status == "active"


def reply_by_link(link, body, files=()):
    """A reply (with files) from the inquirer; the case service bumps Waiting back to In Progress."""
    case = link.case
    if not can_reply_by_link(case):
        raise NotAllowed("This inquiry is closed. Submit a new inquiry and mention its number.")
    contact = db.session.get(InquiryContact, case.id)
    author = contact.name if contact is not None else link.email
    message = add_message(case, None, body, files=files, author_name=author, source="web")
    touch(link)
    return message


def send_lost_links(email):
    """Email fresh links for the inquiries of an address; does nothing for unknown addresses."""
    try:
        email = normalized_email_or_error(email)
    except ValueError:
        return
    contacts = db.session.scalars(
        select(InquiryContact)
        .where(InquiryContact.email == email)
        .order_by(InquiryContact.created_at.desc(), InquiryContact.case_id.desc())
        .limit(LOST_LINKS_MAX)
    ).all()
    record("inquiries.links_requested", None, email=email, known=bool(contacts))
    if not contacts or is_suppressed(email):
        return
    items = [(c.case, external_url("inquiries.track", token=issue_tracking_link(c.case, email))) for c in contacts]
    queue_email(
        "inquiry_links",
        email,
        "Your Ask ISO inquiry links",
        "inquiry_links",
        contact_name=contacts[0].name,
        items=items,
    )

"""Writing emails to the outbox, in the caller's transaction."""

import re
import uuid
from email.utils import make_msgid

from flask import current_app

from askiso.extensions import db
from askiso.mail.addresses import case_message_id, case_root_id, mail_domain, reply_address
from askiso.mail.models import OutboxEmail
from askiso.mail.rendering import render_for_each, render_one
from askiso.mail.suppression import REQUESTED_KINDS, is_suppressed, unsubscribe_url, unsubscribe_urls

_HEADER_BREAKS = re.compile(r"[\r\n\x00]+")
# A bare address: no spaces, commas, brackets or line breaks that could add recipients.
_ADDRESS = re.compile(r"[^\s@,;<>()\"]{1,64}@[a-z0-9.-]{1,253}\.[a-z0-9-]{2,63}")


def clean_header(value):
    """No newlines or NULs in a header value: header injection is impossible."""
    return _HEADER_BREAKS.sub(" ", str(value or "")).strip()


def clean_address(value):
    """One plain address (lower-cased), or "" when it is not a single safe address."""
    addr = str(value or "").strip().lower()
    if not _ADDRESS.fullmatch(addr):
        return ""
    return addr


def queue_email(kind, to, subject, template, *, headers=None, **context):
    """Render templates/mail/<template>.txt (and .html if present) into outbox rows, for mail
    that is not about a case (accounts, links, notices).

    One row per recipient, so that each carries its own unsubscribe link.
    Addresses that said "stop" are skipped, except for mail they asked for.
    Returns the rows added. Mail about a case goes through askiso/mail/case_mail.py
    (queue_case_email, queue_inquirer_email), which checks who may see the case.
    """
    if "case" in context:
        raise TypeError("an email about a case is queued by askiso.mail.case_mail (queue_case_email)")
    return queue_to(kind, to, subject, template, headers=headers, **context)


def queue_to(
    kind,
    to,
    subject,
    template,
    *,
    case=None,
    headers=None,
    audience=None,
    recipient_user_id=None,
    suppressed=None,
    **context,
):
    """queue_email's work, for askiso/mail/case_mail.py: do not call it for a case yourself.

    `suppressed`: the addresses among `to` that said "stop", when the caller read them already
    (for many recipients at once); otherwise each is looked up."""
    addresses = [to] if isinstance(to, str) else list(to)
    recipients = []
    stopped = is_suppressed if suppressed is None else suppressed.__contains__
    for addr in addresses:
        addr = clean_address(addr)
        if addr and addr not in recipients and (kind in REQUESTED_KINDS or not stopped(addr)):
            recipients.append(addr)
    rows = [_queue_one(kind, addr, subject, template, case, headers, context) for addr in recipients]
    for row in rows:
        row.audience = audience
        row.recipient_user_id = recipient_user_id
    return rows


def _queue_one(kind, recipient, subject, template, case, headers, context):
    stop_url = unsubscribe_url(recipient)
    context = {**context, "external_url": _external_url(), "unsubscribe_url": stop_url, "recipient": recipient}
    body_text, body_html = render_one(template, case, context)
    row = _row(
        kind, recipient, subject, body_text, body_html, _headers(stop_url, case, case_headers(case), headers), case
    )
    db.session.add(row)
    return row


def queue_each(kind, people, subject, template, *, case, headers=None, audience=None, suppressed=None, **context):
    """queue_to for many accounts at once, for askiso/mail/case_mail.py: `people` are (address,
    user id) pairs. The body is rendered once per kind of recipient (askiso/mail/rendering.py),
    each person's address, unsubscribe and rating links filled in. The rows returned are not in
    the session: the caller writes them all in one INSERT."""
    stopped = is_suppressed if suppressed is None else suppressed.__contains__
    kept, seen = [], set()
    for address, user_id in people:
        address = clean_address(address)
        if address and address not in seen and (kind in REQUESTED_KINDS or not stopped(address)):
            seen.add(address)
            kept.append((address, user_id))
    addresses = [address for address, _ in kept]
    stop_urls = unsubscribe_urls(addresses)
    bodies = render_for_each(template, case, {**context, "external_url": _external_url()}, addresses, stop_urls)
    shared_headers = case_headers(case) if case is not None else {}
    rows = []
    for (address, user_id), (body_text, body_html), stop_url in zip(kept, bodies, stop_urls, strict=True):
        if case is not None:
            shared_headers = {**shared_headers, "Message-ID": case_message_id(case, uuid.uuid4().hex[:16])}
        row = _row(
            kind, address, subject, body_text, body_html, _headers(stop_url, case, shared_headers, headers), case
        )
        row.audience, row.recipient_user_id = audience, user_id
        rows.append(row)
    return rows


def _external_url():
    return current_app.config["EXTERNAL_URL"].rstrip("/")


def _headers(stop_url, case, of_case, extra):
    all_headers = {
        "Message-ID": make_msgid(domain=mail_domain()) if case is None else None,
        "List-Unsubscribe": f"<{stop_url}>",
        "Auto-Submitted": "auto-generated",  # RFC 3834: auto-responders do not answer
    }
    all_headers.update(of_case)
    all_headers.update({k: clean_header(v) for k, v in (extra or {}).items()})
    return all_headers


def _row(kind, recipient, subject, body_text, body_html, headers, case):
    return OutboxEmail(
        kind=kind,
        recipients=[recipient],
        subject=clean_header(subject)[:300],
        body_text=body_text,
        body_html=body_html,
        headers=headers,
        case_id=case.id if case is not None else None,
    )


def case_headers(case):
    """Threading and reply headers of an email about a case.

    A stable Message-ID (stored with the row, so a retry keeps it), In-Reply-To
    and References to the case's root id so clients thread the case, Reply-To
    carrying the signed case token.
    """
    if case is None:
        return {}
    root = case_root_id(case)
    headers = {
        "Message-ID": case_message_id(case, uuid.uuid4().hex[:16]),
        "In-Reply-To": root,
        "References": root,
        "X-AskISO-Case": case.number,
    }
    reply_to = reply_address(case)
    if reply_to:
        headers["Reply-To"] = reply_to
    return headers

"""Writing emails to the outbox, in the caller's transaction."""

import re
from email.utils import make_msgid

from flask import current_app, render_template

from askiso.extensions import db
from askiso.mail.models import OutboxEmail

_HEADER_BREAKS = re.compile(r"[\r\n\x00]+")


def clean_header(value):
    """No newlines or NULs in a header value: header injection is impossible."""
    return _HEADER_BREAKS.sub(" ", str(value or "")).strip()


def queue_email(kind, to, subject, template, *, case=None, headers=None, **context):
    """Render templates/mail/<template>.txt (and .html if present) into an outbox row."""
    recipients = [clean_header(addr).lower() for addr in ([to] if isinstance(to, str) else to) if addr]
    if not recipients:
        return None
    context.setdefault("external_url", current_app.config["EXTERNAL_URL"].rstrip("/"))
    body_text = render_template(f"mail/{template}.txt", case=case, **context)
    body_html = _render_optional(f"mail/{template}.html", case=case, **context)
    domain = current_app.config["EXTERNAL_URL"].split("//")[-1].split("/")[0].split(":")[0] or "askiso.local"
    all_headers = {"Message-ID": make_msgid(domain=domain)}
    all_headers.update({k: clean_header(v) for k, v in (headers or {}).items()})
    row = OutboxEmail(
        kind=kind,
        recipients=recipients,
        subject=clean_header(subject)[:300],
        body_text=body_text,
        body_html=body_html,
        headers=all_headers,
        case_id=case.id if case is not None else None,
    )
    db.session.add(row)
    return row


def _render_optional(name, **context):
    from jinja2 import TemplateNotFound

    try:
        return render_template(name, **context)
    except TemplateNotFound:
        return None

"""Recognising mail that must never be answered: it could start a mail loop.

Auto-replies (RFC 3834 Auto-Submitted, X-Autoreply, Exchange's
X-Auto-Response-Suppress on out-of-office), bulk and list mail (Precedence),
bounces (empty Return-Path, delivery-status reports, mailer-daemon) and our
own mail (our From address, our Message-ID domain, our X-AskISO-Case header).
"""

from askiso.mail.addresses import is_ours, mail_domain

DAEMONS = ("mailer-daemon@", "postmaster@", "noreply@", "no-reply@", "do-not-reply@", "donotreply@")


def automatic_reason(parsed):
    """Why this message is automatic (a short text), or None for mail from a person."""
    h = parsed.headers
    checks = [
        (h.get("auto-submitted", "no") not in ("", "no"), "Auto-Submitted header"),
        (h.get("precedence", "") in ("bulk", "junk", "list", "auto_reply"), "Precedence bulk/junk/list"),
        ("x-autoreply" in h or "x-autorespond" in h, "X-Autoreply header"),
        ("x-failed-recipients" in h, "bounce (X-Failed-Recipients)"),
        (h.get("return-path", None) in ("<>", ""), "empty Return-Path (bounce)"),
        ("multipart/report" in h.get("content-type", ""), "delivery or disposition report"),
        (parsed.from_address.startswith(DAEMONS), "mailer daemon or no-reply sender"),
        (is_ours(parsed.from_address), "sent by Ask ISO itself"),
        ("x-askiso-case" in h, "an Ask ISO email came back"),
        (_our_message_id(parsed.message_id), "our own Message-ID"),
    ]
    for hit, reason in checks:
        if hit:
            return reason
    return None


def _our_message_id(message_id):
    message_id = (message_id or "").strip().lower().rstrip(">")
    return bool(message_id) and message_id.endswith("@" + mail_domain())

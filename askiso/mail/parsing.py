"""Reading an incoming RFC 822 message defensively.

Nothing here trusts the message: headers may be undecodable, parts may be
nested a thousand deep, HTML may carry scripts. Parsing never raises for bad
content; it returns what it could read and lists the problems, and the caller
keeps the raw bytes whatever happens.
"""

import re
import unicodedata
from dataclasses import dataclass, field
from email import policy
from email.parser import BytesHeaderParser, BytesParser
from email.utils import parseaddr

import html2text
import nh3
from mailparser_reply import EmailReplyParser

from askiso.mail.addresses import address_list

MAX_PARTS = 100
MAX_ATTACHMENTS = 20
MAX_DEPTH = 10
MAX_SUBJECT = 200
_WS = re.compile(r"[\r\n\t\x00]+")
# Structure-keeping tags for HTML-only mail; everything else (scripts and styles with their content) goes.
_HTML_KEEP = {
    "p",
    "br",
    "div",
    "span",
    "a",
    "b",
    "strong",
    "i",
    "em",
    "u",
    "ul",
    "ol",
    "li",
    "blockquote",
    "pre",
    "code",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "table",
    "thead",
    "tbody",
    "tr",
    "td",
    "th",
    "hr",
}


class ParseProblem(ValueError):
    """The message cannot be handled automatically; the text says why, for staff."""


@dataclass
class IncomingAttachment:
    filename: str
    data: bytes


@dataclass
class ParsedMail:
    from_address: str = ""
    from_name: str = ""
    recipients: list = field(default_factory=list)
    subject: str = ""
    message_id: str = ""
    in_reply_to: str = ""
    references: str = ""
    text: str = ""
    attachments: list = field(default_factory=list)
    problems: list = field(default_factory=list)
    headers: dict = field(default_factory=dict)
    auth_results: list = field(default_factory=list)


def parse_message(raw):
    """Parse raw bytes into a ParsedMail; raises ParseProblem only when nothing usable is left."""
    try:
        msg = BytesParser(policy=policy.default).parsebytes(raw)
    except Exception as exc:  # the stdlib parser is lenient; this is a last resort
        raise ParseProblem(f"unreadable message: {type(exc).__name__}") from exc
    parsed = ParsedMail()
    parsed.headers = _loop_headers(msg)
    parsed.auth_results = [
        _WS.sub(" ", str(v)).lower()[:2000] for k, v in msg.raw_items() if k.lower() == "authentication-results"
    ]
    parsed.from_name, parsed.from_address = _from(msg)
    parsed.recipients = _recipients(msg)
    parsed.subject = _header(msg, "Subject")[:MAX_SUBJECT]
    parsed.message_id = _header(msg, "Message-ID")[:300]
    parsed.in_reply_to = _header(msg, "In-Reply-To")[:2000]
    parsed.references = _header(msg, "References")[:8000]
    _read_parts(msg, parsed)
    return parsed


def parse_headers(raw):
    """(from address, subject, Message-ID) from the header block only, for the record; never raises."""
    try:
        msg = BytesHeaderParser(policy=policy.default).parsebytes(raw[: 1024 * 1024])
    except Exception:
        return "", "", ""
    return _from(msg)[1], _header(msg, "Subject")[:MAX_SUBJECT], _header(msg, "Message-ID")[:300]


def _header(msg, name):
    """A header as one line of text; undecodable headers give their raw form."""
    try:
        value = msg.get(name)
    except Exception:  # malformed encoded words or structure
        value = None
        raw = [v for k, v in msg.raw_items() if k.lower() == name.lower()]
        value = raw[0] if raw else None
    return _WS.sub(" ", str(value or "")).strip()


def _from(msg):
    name, address = parseaddr(_header(msg, "From"))
    address = (address or "").strip().lower()
    return _WS.sub(" ", name or "")[:200], address if "@" in address else ""


def _recipients(msg):
    values = [_header(msg, h) for h in ("To", "Cc", "Delivered-To", "X-Original-To", "Envelope-To")]
    return list(dict.fromkeys(address_list(*values)))


def _loop_headers(msg):
    names = (
        "Auto-Submitted",
        "Precedence",
        "X-Autoreply",
        "X-Autorespond",
        "Return-Path",
        "X-Auto-Response-Suppress",
        "List-Id",
        "X-Failed-Recipients",
        "Content-Type",
        "X-AskISO-Case",
    )
    return {name.lower(): _header(msg, name).lower() for name in names if name in msg}


def _read_parts(msg, parsed):
    """Walk the MIME tree with limits on parts and depth; collect text and files."""
    plain, html, count = [], [], 0
    stack = [(msg, 0)]
    while stack:
        part, depth = stack.pop()
        count += 1
        if count > MAX_PARTS:
            raise ParseProblem(f"more than {MAX_PARTS} MIME parts")
        if depth > MAX_DEPTH:
            raise ParseProblem(f"MIME parts nested deeper than {MAX_DEPTH}")
        if part.is_multipart():
            children = part.get_payload() if isinstance(part.get_payload(), list) else []
            stack.extend((child, depth + 1) for child in reversed(children))
            continue
        _read_leaf(part, parsed, plain, html)
    text = "\n\n".join(t for t in plain if t.strip())
    if not text.strip() and html:
        text = html_to_text("\n".join(html))
    parsed.text = text


def _read_leaf(part, parsed, plain, html):
    content_type = (part.get_content_type() or "text/plain").lower()
    disposition = (part.get_content_disposition() or "").lower()
    filename = _filename(part)
    if (
        disposition == "attachment"
        or (filename and not content_type.startswith("text/"))
        or (filename and disposition == "inline" and not content_type.startswith("text/"))
    ):
        _add_attachment(part, parsed, filename or "attachment")
    elif content_type == "text/plain" and not filename:
        plain.append(_text_of(part, parsed))
    elif content_type == "text/html" and not filename:
        html.append(_text_of(part, parsed))
    elif filename:
        _add_attachment(part, parsed, filename)


def _filename(part):
    try:
        return _WS.sub(" ", part.get_filename() or "").strip()
    except Exception:
        return "attachment"


def _text_of(part, parsed):
    """Decoded text of a part; a wrong or unknown charset falls back to replacement characters."""
    payload = part.get_payload(decode=True) or b""
    charset = part.get_content_charset() or "utf-8"
    try:
        text = payload.decode(charset, errors="replace")
    except LookupError:
        parsed.problems.append(f"unknown charset {charset[:40]!r}")
        text = payload.decode("utf-8", errors="replace")
    if _looks_binary(text):
        raise ParseProblem("a text part is not readable text (bad encoding or binary garbage)")
    return text.replace("\r\n", "\n")


def _looks_binary(text):
    """Mostly control or replacement characters: a broken encoding, not words."""
    sample = text[:4000]
    if len(sample.strip()) < 8:
        return False
    bad = sum(1 for ch in sample if ch == "\ufffd" or (unicodedata.category(ch)[0] == "C" and ch not in "\r\n\t"))
    return bad / len(sample) > 0.3


def _add_attachment(part, parsed, filename):
    if len(parsed.attachments) >= MAX_ATTACHMENTS:
        parsed.problems.append(f"more than {MAX_ATTACHMENTS} attachments: the rest were not taken")
        return
    try:
        data = part.get_payload(decode=True) or b""
    except Exception:
        data = b""
    parsed.attachments.append(IncomingAttachment(filename[:200], data))


def html_to_text(html):
    """HTML to readable text: sanitized first (scripts dropped), then converted; never rendered."""
    cleaned = nh3.clean(
        html or "", tags=_HTML_KEEP, attributes={"a": {"href"}}, url_schemes={"http", "https", "mailto"}
    )
    converter = html2text.HTML2Text()
    converter.body_width = 0
    converter.ignore_images = True
    converter.ignore_emphasis = False
    return converter.handle(cleaned).strip()


def strip_quoted(text):
    """The new part of a reply: quoted history and signatures removed (mail-parser-reply)."""
    text = (text or "").replace("\r\n", "\n").strip()
    if not text:
        return ""
    try:
        replies = EmailReplyParser(languages=["en", "fr", "de", "es"]).read(text=text).replies
    except Exception:  # the library is heuristic; fall back to the whole text
        return text
    if replies and replies[0].body.strip():
        return replies[0].body.strip()
    if replies and replies[0].content.strip():
        return replies[0].content.strip()
    return text

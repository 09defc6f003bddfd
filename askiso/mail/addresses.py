"""Addresses and ids that tie emails to cases: threading headers and reply tokens.

Every case email carries References to a per-case root id
(<case-AI-2026-000123@domain>) so mail clients thread it, and a Reply-To
address "support+<token>@domain" whose token is the case number signed with
itsdangerous. Mail servers may lower-case local parts, so the token is written
in lower case only: the case number plus a hex form of the signature.
"""

import base64
import hmac
import re
from email.utils import getaddresses, parseaddr

from flask import current_app
from itsdangerous import Signer
from itsdangerous.encoding import base64_decode

CASE_NUMBER = re.compile(r"\b([A-Z]{2}-\d{4}-\d{6})\b", re.I)
_TOKEN = re.compile(r"^([a-z]{2}-\d{4}-\d{6})\.([a-z2-7]{16})$")
_ROOT_ID = re.compile(r"<case-([A-Za-z]{2}-\d{4}-\d{6})(?:\.[^@>]*)?@([^>]+)>")


def mail_domain():
    """The domain of our Message-IDs: the reply address's, else the site's host."""
    reply = current_app.config.get("MAIL_REPLY_ADDRESS") or ""
    if "@" in reply:
        return reply.rsplit("@", 1)[1].strip().lower()
    host = current_app.config["EXTERNAL_URL"].split("//")[-1].split("/")[0].split(":")[0]
    return host or "askiso.local"


def case_root_id(case):
    """The Message-ID every email of this case refers to."""
    return f"<case-{case.number}@{mail_domain()}>"


def case_message_id(case, unique):
    """A Message-ID of one email of this case (stable: stored with the outbox row)."""
    return f"<case-{case.number}.{unique}@{mail_domain()}>"


def _signer():
    return Signer(current_app.config["SECRET_KEY"], salt="askiso-mail-reply")


def _signature(number):
    raw = base64_decode(_signer().get_signature(number.upper()))
    return base64.b32encode(raw).decode("ascii").lower()[:16]


def reply_token(case):
    """Lower-case signed token of the case number, e.g. ai-2026-000123.k3j..."""
    return f"{case.number.lower()}.{_signature(case.number)}"


def case_number_from_token(token):
    """The case number a token names, or None when it is not genuine."""
    match = _TOKEN.match((token or "").strip().lower())
    if not match:
        return None
    number = match.group(1).upper()
    return number if hmac.compare_digest(match.group(2), _signature(number)) else None


def reply_address(case):
    """support+<token>@domain for this case, or None when no reply address is set."""
    base = current_app.config.get("MAIL_REPLY_ADDRESS")
    if not base or "@" not in base:
        return None
    local, domain = base.rsplit("@", 1)
    return f"{local}+{reply_token(case)}@{domain}"


def _local_and_detail(address):
    local, _, domain = (address or "").lower().rpartition("@")
    base, _, detail = local.partition("+")
    return base, detail, domain


def is_support_address(address):
    """True for the support address itself or any support+token variant."""
    base = (current_app.config.get("MAIL_REPLY_ADDRESS") or "").lower()
    if "@" not in base:
        return False
    local, _, detail_domain = _local_and_detail(address)
    want_local, _, want_domain = _local_and_detail(base)
    return bool(local) and local == want_local and detail_domain == want_domain


def tokens_in(addresses):
    """The +detail parts of support addresses among `addresses`."""
    found = []
    for address in addresses:
        if is_support_address(address):
            _, detail, _ = _local_and_detail(address)
            if detail:
                found.append(detail)
    return found


def our_addresses():
    """Addresses Ask ISO sends from: mail from them is our own."""
    sender = current_app.config.get("MAIL_DEFAULT_SENDER") or ""
    sender = sender[1] if isinstance(sender, tuple) else parseaddr(sender)[1]
    return {a.lower() for a in (sender, current_app.config.get("MAIL_REPLY_ADDRESS") or "") if a}


def is_ours(address):
    address = (address or "").lower()
    return address in our_addresses() or is_support_address(address)


def case_numbers_in_references(*header_values):
    """Case numbers of our own root/message ids found in In-Reply-To/References."""
    domain = mail_domain()
    numbers = []
    for value in header_values:
        for number, id_domain in _ROOT_ID.findall(value or ""):
            if id_domain.lower() == domain:
                numbers.append(number.upper())
    return numbers


def address_list(*header_values):
    """Plain lower-cased addresses from To/Cc-like header values."""
    pairs = getaddresses([v for v in header_values if v])
    return [addr.strip().lower() for _, addr in pairs if "@" in (addr or "")]

"""What `make bench` measures: one function per page, each with its floor twin."""

import re
import secrets

from sqlalchemy import func

from bench.run import Client, sign_in

HIDDEN = re.compile(r'<input[^>]*type="hidden"[^>]*>')
NAME = re.compile(r'name="([^"]+)"')
VALUE = re.compile(r'value="([^"]*)"')
SELECT = re.compile(r'<select[^>]*name="([^"]+)"[^>]*>(.*?)</select>', re.S)
OPTION = re.compile(r'<option[^>]*value="([^"]+)"')
REPLY_BODY = "Thank you, one more question about the meter data."
FILE_BYTES = b"%PDF-1.4\n" + secrets.token_bytes(200_000) + b"\n%%EOF\n"


def form_fields(html):
    """Hidden inputs and the first real option of each select, as a browser would send them."""
    fields = {}
    for tag in HIDDEN.findall(html):
        name, value = NAME.search(tag), VALUE.search(tag)
        if name:
            fields[name.group(1)] = value.group(1) if value else ""
    for name, body in SELECT.findall(html):
        options = OPTION.findall(body)
        if options and name not in fields:
            fields[name] = options[0]
    return fields


def prepare(dataset):
    """Give one attachment of the long case real bytes (download), and pick the case of the same
    person with the fewest messages for the reply scenario: replies never go to the long case,
    and each run gets a short one (a fixed case grew by a few hundred messages with every run,
    and the reply scenario reads its page for the form before each POST). The kept status counts are folded
    as the regular `flask analyze` folds them (each earlier run's submissions added a row per
    case: the 12th run counted 812 rows for the measured person instead of a few)."""
    from askiso import create_app
    from askiso.cases import counts
    from askiso.cases.models import Attachment, Case, Message
    from askiso.cases.storage import storage
    from askiso.extensions import db

    app = create_app()
    with app.app_context():
        case = db.session.scalar(db.select(Case).where(Case.number == dataset["case_with_30_messages"]))
        attachment = db.session.scalar(
            db.select(Attachment).where(Attachment.case_id == case.id, Attachment.is_internal.is_(False))
        )
        if attachment is None:
            attachment = Attachment(
                case_id=case.id,
                uploaded_by_id=case.submitter_id,
                filename="statement.pdf",
                stored_name=secrets.token_hex(20),
                sha256="0" * 64,
                size=len(FILE_BYTES),
                content_type="application/pdf",
            )
            db.session.add(attachment)
            db.session.commit()
        reply_case = db.session.scalar(
            db.select(Case)
            .outerjoin(Message, Message.case_id == Case.id)
            .where(Case.submitter_id == case.submitter_id, Case.participant_id == case.participant_id,
                   Case.id != case.id)
            .group_by(Case.id)
            .order_by(func.count(Message.id), Case.id)
            .limit(1)
        )
        if reply_case.status not in ("new", "in_progress", "waiting"):
            # The reply scenario needs a case that takes replies (closed ones do not).
            reply_case.status, reply_case.closed_at, reply_case.resolved_at = "in_progress", None, None
            db.session.commit()
        counts.compact()
        path = storage().path(attachment.stored_name)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(FILE_BYTES)
        dataset["attachment_id"] = attachment.id
        dataset["participant_user_id"] = case.submitter_id
        dataset["reply_case"] = reply_case.number
        dataset["notifications_path"] = _notifications_path(app)


def _notifications_path(app):
    """The staff notifications list, when the app has one (None: that scenario is skipped).

    Its blueprint is `notifications`; the list is its GET rule without arguments
    (the shortest one when there are several, e.g. `/notifications/` before `/notifications/count`).
    """
    rules = [
        rule for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("notifications.") and not rule.arguments and "GET" in rule.methods
    ]
    rules.sort(key=lambda rule: (rule.endpoint.rsplit(".", 1)[-1] not in ("index", "list", "inbox"), len(rule.rule)))
    return rules[0].rule if rules else None


def build(dataset, port, floor_port):
    """(name, make_client, step, floor_step) for each scenario."""
    pw, totp = dataset["password"], dataset["staff_totp"]
    user, manager, staff = dataset["participant_user"], dataset["external_manager"], dataset["staff"]
    number, attachment = dataset["case_with_30_messages"], dataset["attachment_id"]
    participant_id, user_id = dataset["biggest_participant"], dataset["participant_user_id"]

    as_user = _cached(lambda: sign_in(port, user, pw))
    as_manager = _cached(lambda: sign_in(port, manager, pw))
    staff_client = sign_in(port, staff, pw, totp)  # one TOTP sign-in: codes work once per 30 s
    as_staff = lambda: _clone(staff_client)  # noqa: E731

    def get(path):
        return lambda c: c.request("GET", path)

    def sign_in_page(c):
        c.cookies.clear()  # a fresh visitor each time
        return c.request("GET", "/login")

    def sign_in_step(c):
        c.cookies.clear()  # a fresh visitor each time
        token, _ = c.csrf("/login")
        form = {"csrf_token": token, "email": user, "password": pw}
        status, body, elapsed, headers = c.request("POST", "/login", form)
        if status not in (302, 303) or "/login" in (headers.get("Location") or ""):
            raise RuntimeError(f"sign-in was not accepted ({status})")
        return status, body, elapsed, headers

    def submit(c):
        _, html = c.csrf("/cases/new?type=general_question")
        fields = form_fields(html)
        fields.update(
            subject="Benchmark question about a settlement statement",
            description="Please explain the real-time energy charge on the statement.",
        )
        status, body, elapsed, headers = c.request("POST", "/cases/new", fields)
        if status != 303 or "/cases/new" in (headers.get("Location") or ""):
            raise RuntimeError(f"submit was not accepted ({status})")
        return status, body, elapsed, headers

    def reply(c):
        reply_to = dataset["reply_case"]
        _, html = c.csrf(f"/cases/{reply_to}")
        marker = 'action="/cases/' + reply_to + '/reply"'
        if marker not in html:
            raise RuntimeError(f"{reply_to} shows no reply form")  # counted as an error, not a fast success
        fields = form_fields(html.split(marker, 1)[-1])
        fields.update(body=REPLY_BODY)
        return c.request("POST", f"/cases/{reply_to}/reply", fields)

    notifications = dataset.get("notifications_path")
    if not notifications:
        print("skipped: staff notifications list (the app has no notifications list yet)", flush=True)

    return [
        ("sign-in page", lambda: Client(port), sign_in_page, None),
        ("sign-in (the POST: argon2id hash)", lambda: Client(port), sign_in_step, None),
        ("my cases", as_user, get("/cases"), get(f"/floor/my/{user_id}")),
        ("company cases (largest company)", as_manager, get("/cases/company"), get(f"/floor/company/{participant_id}")),
        ("staff queue view", as_staff, get("/staff/cases"), None),
        ("staff home", as_staff, get("/staff"), None),
        ("staff case page, 30 messages", as_staff, get(f"/staff/cases/{number}"), None),
        *([("staff notifications list", as_staff, get(notifications), None)] if notifications else []),
        ("case page, 30+ messages", as_user, get(f"/cases/{number}"), get(f"/floor/case/{number}")),
        ("submit (the POST)", as_user, submit, None),
        ("reply (the POST)", as_user, reply, None),
        ("search, participant", as_user, get("/search?q=settlement+statement"), None),
        ("search, staff", as_staff, get("/search?q=settlement+statement"), None),
        ("file download", as_user, get(f"/cases/{number}/files/{attachment}"), None),
    ]


def _cached(factory):
    """Every thread gets its own connection sharing one signed-in session."""
    holder = {}

    def make():
        if "client" not in holder:
            holder["client"] = factory()
        return _clone(holder["client"])

    return make


def _clone(client):
    copy = Client(client.port)
    copy.cookies = dict(client.cookies)
    return copy

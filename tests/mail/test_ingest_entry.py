"""Ugly real-world mail, the entry points (stdin, Maildir, LMTP/SMTP listener) and staff review."""

import smtplib
from pathlib import Path

import pytest
from sqlalchemy import select

from askiso.cases.models import Case
from askiso.extensions import db
from askiso.mail.inbound import receive
from askiso.mail.listener import make_controller
from askiso.mail.models import InboundEmail
from tests.mail.conftest import free_port
from tests.mail.helpers import incoming

CORPUS = Path(__file__).parent / "corpus"
EXPECTED = {
    "bad_charset.eml": "processed",  # unknown charset: read with replacement characters
    "base64_garbage.eml": "review",
    "thousand_parts.eml": "review",
    "nested_multipart.eml": "review",
    "html_script.eml": "processed",
    "no_from.eml": "review",
    "huge_header.eml": "processed",
    "bounce.eml": "ignored",
    "autoreply.eml": "ignored",
    "bulk.eml": "ignored",
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_corpus_message_is_kept_and_handled_without_crashing(app, people, name):
    raw = (CORPUS / name).read_bytes()
    row = receive(raw)
    assert row.status == EXPECTED[name], row.reason
    stored = db.session.get(InboundEmail, row.id)
    assert stored.raw == raw and stored.raw_size == len(raw)
    if row.status == "review":
        assert row.reason


def test_html_only_mail_is_converted_to_text_without_script(app, people):
    row = receive((CORPUS / "html_script.eml").read_bytes())
    text = row.case.description
    assert "Hello" in text and "March" in text and "https://example.test/x" in text
    for bad in ("<script", "alert", "javascript:", "document.cookie", "onload", "<iframe", "tracker.test", "color:red"):
        assert bad not in text


def test_huge_header_subject_is_cut(app, people):
    row = receive((CORPUS / "huge_header.eml").read_bytes())
    assert len(row.case.subject) <= 200 and len(row.subject) <= 300


def test_oversized_message_is_kept_truncated_for_review(app, people):
    app.config["MAIL_INBOUND_MAX_BYTES"] = 2000
    try:
        raw = incoming(people.alpha_user.email, "Big", "x" * 10000)
        row = receive(raw)
    finally:
        app.config["MAIL_INBOUND_MAX_BYTES"] = 10 * 1024 * 1024
    assert row.status == "review" and row.is_truncated and row.raw_size == len(raw) and len(row.raw) == 2000


def test_a_crash_while_routing_keeps_the_mail_for_review(app, people, monkeypatch):
    from askiso.mail import inbound

    def boom(*args, **kwargs):
        raise RuntimeError("routing bug")

    monkeypatch.setattr(inbound, "_new_mail", boom)
    row = receive(incoming(people.alpha_user.email, "Hi", "Body"))
    assert row.status == "review" and "routing bug" in row.reason
    assert db.session.scalar(select(Case)) is None


def test_cli_ingest_reads_one_message_from_stdin(app, people, runner):
    result = runner.invoke(args=["mail", "ingest"], input=incoming(people.alpha_user.email, "By pipe", "Piped body"))
    assert result.exit_code == 0, result.output
    assert "processed" in result.output
    assert db.session.scalar(select(Case)).subject == "By pipe"


def test_cli_ingest_empty_stdin_asks_the_mta_to_retry(app, runner):
    result = runner.invoke(args=["mail", "ingest"], input=b"")
    assert result.exit_code == 75


def test_cli_ingest_maildir_moves_processed_messages_to_cur(app, people, runner, tmp_path):
    for sub in ("new", "cur", "tmp"):
        (tmp_path / sub).mkdir()
    (tmp_path / "new" / "1.host").write_bytes(incoming(people.alpha_user.email, "One", "First"))
    (tmp_path / "new" / "2.host").write_bytes((CORPUS / "thousand_parts.eml").read_bytes())
    (tmp_path / "cur" / "3.host:2,S").write_bytes(incoming(people.alpha_user.email, "Seen", "already read"))
    result = runner.invoke(args=["mail", "ingest", "--maildir", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert list((tmp_path / "new").iterdir()) == []
    assert sorted(p.name for p in (tmp_path / "cur").iterdir()) == ["1.host:2,S", "2.host:2,S", "3.host:2,S"]
    statuses = sorted(r.status for r in db.session.scalars(select(InboundEmail)))
    assert statuses == ["processed", "review"]


def test_smtp_listener_stores_and_routes_mail(app, people):
    port = free_port()
    controller = make_controller(app, port=port, lmtp=False)
    controller.start()
    try:
        with smtplib.SMTP("127.0.0.1", port) as client:
            client.sendmail(
                people.alpha_user.email, ["support@askiso.local"], incoming(people.alpha_user.email, "Over SMTP", "Hi")
            )
    finally:
        controller.stop()
    db.session.expire_all()
    row = db.session.scalar(select(InboundEmail))
    assert row.source == "smtp" and row.status == "processed"


def test_lmtp_listener_accepts_mail(app, people):
    port = free_port()
    controller = make_controller(app, port=port, lmtp=True)
    controller.start()
    try:
        with smtplib.LMTP("127.0.0.1", port) as client:
            client.sendmail(
                people.alpha_user.email, ["support@askiso.local"], incoming(people.alpha_user.email, "Over LMTP", "Hi")
            )
    finally:
        controller.stop()
    db.session.expire_all()
    assert db.session.scalar(select(InboundEmail)).source == "lmtp"


# ---------------------------------------------------------------- staff review pages


def test_review_pages_are_for_staff_admins_and_never_render_the_html(app, people, client_for):
    row = receive((CORPUS / "html_script.eml").read_bytes())
    bad = receive((CORPUS / "thousand_parts.eml").read_bytes())
    admin = client_for(people.admin)
    listing = admin.get("/staff/mail/inbound")
    assert listing.status_code == 200 and b"A thousand parts" in listing.data
    page = admin.get(f"/staff/mail/inbound/{row.id}")
    assert page.status_code == 200 and b"<script>alert" not in page.data
    raw = admin.get(f"/staff/mail/inbound/{bad.id}/raw")
    assert raw.headers["Content-Disposition"].startswith("attachment") and raw.data == bad.raw
    for person in (people.agent, people.alpha_user):
        assert client_for(person).get("/staff/mail/inbound").status_code in (403, 404)
        assert client_for(person).get(f"/staff/mail/inbound/{bad.id}/raw").status_code in (403, 404)


def test_reprocess_after_the_sender_got_an_account(app, people, client_for):
    from tests import factories

    row = receive(incoming("new.hire@alpha.test", "Re: [AI-2026-000001]", "x"))
    assert row.status == "refused"
    later = receive(incoming("new.hire@alpha.test", "Fresh question", "What now?"))
    assert later.status == "processed" and later.case is None  # inquiry path: address confirmation first
    kept = receive((CORPUS / "nested_multipart.eml").read_bytes())
    assert kept.status == "review"
    hire = factories.make_user("new.hire@alpha.test", "New Hire")
    factories.add_member(hire, people.alpha)
    db.session.commit()
    admin = client_for(people.admin)
    assert admin.post(f"/staff/mail/inbound/{later.id}/reprocess").status_code == 302  # processed: not again
    assert admin.post(f"/staff/mail/inbound/{kept.id}/reprocess").status_code == 302
    db.session.expire_all()
    assert db.session.get(InboundEmail, kept.id).status == "review"  # still too deep
    assert db.session.get(InboundEmail, later.id).case_id is None


# ---------------------------------------------------------------- notification preferences


def test_preferences_are_saved_from_the_account_page(app, people, client_for):
    client = client_for(people.alpha_manager)
    page = client.get("/account/")
    assert page.status_code == 200 and b'value="company_cases"' in page.data
    response = client.post("/account/notifications", data={"notify": ["status_changes", "company_cases"]})
    assert response.status_code == 302
    db.session.expire_all()
    prefs = db.session.get(type(people.alpha_manager), people.alpha_manager.id).notification_prefs
    assert {k: v for k, v in prefs.items() if ":" not in k} == {
        "case_replies": False, "status_changes": True, "company_cases": True}
    # The notices' channels (askiso/notifications) were on the same form, left unticked: off.
    assert prefs["app:colleague_reply"] is False and prefs["email:colleague_reply"] is False


def test_company_cases_cannot_be_chosen_without_being_external_manager(app, people, client_for):
    client = client_for(people.alpha_user)
    assert b'value="company_cases"' not in client.get("/account/").data
    client.post("/account/notifications", data={"notify": ["company_cases", "case_replies"]})
    db.session.expire_all()
    prefs = db.session.get(type(people.alpha_user), people.alpha_user.id).notification_prefs
    assert "company_cases" not in prefs and prefs["case_replies"] is True


def test_preferences_need_sign_in(app, client):
    response = client.post("/account/notifications", data={"notify": ["case_replies"]})
    assert response.status_code == 302 and "/login" in response.headers["Location"]

"""The case page: details, conversation, reply, close/reopen with versions, contacts, downloads."""

import io
import re
from datetime import timedelta

from askiso.cases import services
from askiso.cases.models import Case, CaseContact, Message, PendingUpload
from askiso.core.timeutil import utcnow
from askiso.extensions import db
from tests.cases.helpers import PDF, new_case, pdf_file


def _version(html, action):
    match = re.search(rf'action="[^"]*/{action}".*?name="version" type="hidden" value="(\d+)"', html, re.S)
    assert match, action
    return match.group(1)


def test_page_shows_details_fields_and_conversation_in_order(world, client_for):
    html = client_for(world.alpha_user).get(f"/cases/{world.case.number}").text
    assert world.case.number in html and "status-new" in html and "Alpha Power LLC (ALPHA)" in html
    assert "Form type</dt><dd>Other" in html
    assert "Member Coordination" in html  # the team handling it
    assert "EST" in html or "EDT" in html
    assert html.index("submitted-form.pdf") < html.index("Please also send page 2.")
    assert "Alex, ISO Member Coordination" in html


def test_reply_with_files_lands_and_brings_waiting_back(world, client_for):
    services.change_status(world.case, world.agent, "waiting")
    db.session.commit()
    client = client_for(world.alpha_user)
    data = {"body": "Here is page 2.", "form_key": "r1", "files": [(io.BytesIO(PDF), "page2.pdf")]}
    response = client.post(f"/cases/{world.case.number}/reply", content_type="multipart/form-data", data=data)
    assert response.status_code == 303
    db.session.expire_all()
    case = db.session.get(Case, world.case.id)
    assert case.status == "in_progress"
    html = client.get(f"/cases/{case.number}").text
    assert "Here is page 2." in html and "page2.pdf" in html


def test_failed_reply_keeps_text_and_files(world, client_for):
    client = client_for(world.alpha_user)
    response = client.post(f"/cases/{world.case.number}/reply", content_type="multipart/form-data",
                           data={"body": "  ", "form_key": "r2", "files": [(io.BytesIO(PDF), "keep-me.pdf")]})
    assert response.status_code == 422
    assert 'id="body-error">Write a message.' in response.text and "keep-me.pdf" in response.text
    kept = db.session.scalar(db.select(PendingUpload))
    response = client.post(f"/cases/{world.case.number}/reply", data={
        "body": "Now with text", "form_key": "r2", "keep_upload": str(kept.id)})
    assert response.status_code == 303
    assert "keep-me.pdf" in client.get(f"/cases/{world.case.number}").text


def test_close_then_reopen_within_the_window(world, client_for):
    client = client_for(world.alpha_user)
    html = client.get(f"/cases/{world.case.number}").text
    response = client.post(f"/cases/{world.case.number}/close",
                           data={"reason": "Answered", "version": _version(html, "close")})
    assert response.status_code == 303
    html = client.get(f"/cases/{world.case.number}").text
    assert "status-closed" in html and "You can reopen this case until" in html
    response = client.post(f"/cases/{world.case.number}/reopen", data={"version": _version(html, "reopen")})
    assert response.status_code == 303
    db.session.expire_all()
    assert db.session.get(Case, world.case.id).status == "in_progress"


def test_close_needs_a_reason(world, client_for):
    client = client_for(world.alpha_user)
    response = client.post(f"/cases/{world.case.number}/close", data={"reason": "", "version": ""})
    assert response.status_code == 422 and 'id="reason-error">Say why you are closing the case.' in response.text


def test_a_stale_close_says_so_and_keeps_the_reason(world, client_for):
    client = client_for(world.alpha_user)
    html = client.get(f"/cases/{world.case.number}").text
    seen = _version(html, "close")
    services.change_status(world.case, world.agent, "in_progress")
    db.session.commit()
    response = client.post(f"/cases/{world.case.number}/close", data={"reason": "My careful reason", "version": seen})
    assert response.status_code == 409
    assert "changed" in response.text and "My careful reason" in response.text
    assert _version(response.text, "close") != seen
    db.session.expire_all()
    assert db.session.get(Case, world.case.id).status == "in_progress"


def test_reopen_window_ends_after_14_days(world, client_for):
    services.close_case(world.case, world.alpha_user, "done")
    world.case.closed_at = utcnow() - timedelta(days=15)
    db.session.commit()
    client = client_for(world.alpha_user)
    html = client.get(f"/cases/{world.case.number}").text
    assert "Reopen case" not in html and "open a new case and mention" in html
    response = client.post(f"/cases/{world.case.number}/reopen", data={"version": str(world.case.version)})
    assert response.status_code == 303
    db.session.expire_all()
    assert db.session.get(Case, world.case.id).status == "closed"


def test_suspended_company_cases_are_read_only(world, client_for):
    world.alpha.status = "suspended"
    db.session.commit()
    client = client_for(world.alpha_user)
    html = client.get(f"/cases/{world.case.number}").text
    assert "you can read this case but not reply" in html and "Send reply" not in html and "Close case" not in html
    client.post(f"/cases/{world.case.number}/reply", data={"body": "sneaky", "form_key": "x"})
    assert db.session.scalar(db.select(db.func.count(Message.id)).where(Message.body == "sneaky")) == 0


def test_contacts_add_by_email_colleagues_only_and_remove(world, client_for):
    client = client_for(world.alpha_user)
    url = f"/cases/{world.case.number}/contacts"
    for email in (world.beta_user.email, world.former.email, "nobody@nowhere.test"):
        response = client.post(url, data={"email": email})
        assert response.status_code == 422
        assert "Only colleagues of the same company can be added as contacts." in response.text
        assert f'value="{email}"' in response.text
    assert client.post(url, data={"email": world.alpha_colleague.email.upper()}).status_code == 303
    assert client_for(world.alpha_colleague).get(f"/cases/{world.case.number}").status_code == 200
    response = client.post(f"{url}/remove", data={"user_id": str(world.alpha_colleague.id)})
    assert response.status_code == 303
    assert client_for(world.alpha_colleague).get(f"/cases/{world.case.number}").status_code == 404


def test_a_contact_who_removes_themselves_loses_the_case(world, client_for):
    client = client_for(world.alpha_contact)
    response = client.post(f"/cases/{world.case.number}/contacts/remove", data={"user_id": str(world.alpha_contact.id)})
    assert response.status_code == 303 and response.headers["Location"].endswith("/cases")
    assert db.session.get(CaseContact, (world.case.id, world.alpha_contact.id)) is None
    assert client.get(f"/cases/{world.case.number}").status_code == 404


def test_downloads_are_attachments_with_safe_headers(world, client_for):
    case = new_case(world.alpha_user, world.alpha, request_type="ftr_policies",
                    files=[pdf_file("Résumé \"risk\" policy.pdf")])
    from askiso.cases.models import Attachment

    attached = db.session.scalar(db.select(Attachment).where(Attachment.case_id == case.id))
    response = client_for(world.alpha_user).get(f"/cases/{case.number}/files/{attached.id}")
    assert response.status_code == 200 and response.data == PDF
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;") and "filename*=UTF-8''R%C3%A9sum%C3%A9" in disposition
    assert '"risk"' not in disposition
    assert response.headers["Content-Type"] == "application/pdf"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Content-Security-Policy"] == "sandbox; default-src 'none'"


def test_markdown_is_sanitised(world, client_for):
    services.add_message(world.case, world.alpha_user,
                         '<script>alert(1)</script> <a href="javascript:alert(2)">x</a> [y](javascript:alert(3)) '
                         '<iframe src="https://evil.test"></iframe> **bold**')
    db.session.commit()
    html = client_for(world.alpha_manager).get(f"/cases/{world.case.number}").text
    body = html.split('id="conversation-heading"')[1]
    assert "<script>alert(1)" not in body and "<iframe" not in body and '<a href="javascript' not in body
    assert "&lt;script&gt;" in body and "<strong>bold</strong>" in body


def test_file_names_are_rendered_escaped(world, client_for):
    services.add_message(world.case, world.alpha_user, "see file",
                         files=[pdf_file("<img src=x onerror=alert(1)>.pdf")])
    db.session.commit()
    html = client_for(world.alpha_user).get(f"/cases/{world.case.number}").text
    assert "<img src=x" not in html and "img src=x onerror=alert(1)_.pdf" in html


def test_markdown_cache_gives_the_same_sanitised_html_and_skips_long_texts():
    from askiso.core import markdown

    hostile = '<script>alert(1)</script> [y](javascript:alert(3)) **bold**'
    markdown._cached.cache_clear()
    first, again = markdown.render_markdown(hostile), markdown.render_markdown(hostile)
    assert first == again and "<script>" not in first and "<strong>bold</strong>" in first
    assert markdown._cached.cache_info().hits == 1
    long_text = hostile + " word" * markdown.CACHE_TEXT_LIMIT
    long_html = markdown.render_markdown(long_text)
    assert "<script>" not in long_html and "<strong>bold</strong>" in long_html
    assert markdown._cached.cache_info().currsize == 1  # the long text was not kept

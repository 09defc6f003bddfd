"""Internal notes never reach participants: pages, emails, lists, CSV, downloads."""

from sqlalchemy import select

from askiso.cases.models import Attachment
from askiso.extensions import db
from tests.staff.helpers import new_case, outbox, pdf_file, staff_reply

SECRET = "INTERNAL-ONLY credit concern about Alpha"


def _case_with_note(people):
    case = new_case(people.alpha_user, people.alpha, subject="Statement question")
    staff_reply(case, people.agent, SECRET, internal=True, files=[pdf_file("secret-analysis.pdf")])
    staff_reply(case, people.agent, "Public answer for Ann")
    return case


def test_participants_never_see_internal_notes(app, people, client_for):
    case = _case_with_note(people)
    note_file = db.session.scalar(select(Attachment).where(Attachment.is_internal.is_(True)))
    for who in ("alpha_user", "alpha_manager"):
        client = client_for(getattr(people, who))
        page = client.get(f"/cases/{case.number}")
        assert page.status_code == 200
        html = page.get_data(as_text=True)
        assert "Public answer for Ann" in html
        assert SECRET not in html and "secret-analysis.pdf" not in html
        assert client.get(f"/cases/{case.number}/files/{note_file.id}").status_code == 404
        listing = client.get("/cases").get_data(as_text=True)
        assert SECRET not in listing
        assert client.get("/staff/cases.csv").status_code == 404


def test_staff_can_download_internal_files(app, people, client_for):
    case = _case_with_note(people)
    note_file = db.session.scalar(select(Attachment).where(Attachment.is_internal.is_(True)))
    client = client_for(people.agent)
    assert client.get(f"/cases/{case.number}/files/{note_file.id}").status_code == 200
    assert f"/cases/{case.number}/files/{note_file.id}" in client.get(f"/staff/cases/{case.number}").get_data(
        as_text=True)


def test_internal_notes_never_emailed(app, people):
    _case_with_note(people)
    for mail in outbox():
        assert SECRET not in mail.body_text
        assert SECRET not in (mail.body_html or "")
        assert "secret-analysis" not in mail.body_text


def test_csv_export_has_no_message_text(app, people, client_for):
    case = _case_with_note(people)
    body = client_for(people.agent).get("/staff/cases.csv?status=all").get_data(as_text=True)
    assert case.number in body
    assert SECRET not in body and "Public answer" not in body


def test_staff_lists_show_no_note_text(app, people, client_for):
    _case_with_note(people)
    client = client_for(people.agent)
    for url in ("/staff", "/staff/cases", "/staff/participants/ALPHA/cases"):
        assert SECRET not in client.get(url).get_data(as_text=True), url

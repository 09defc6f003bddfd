"""The private link is the only key to an inquiry, and it shows public content only."""

import io

import pytest
from sqlalchemy import select

from askiso.cases import services as case_services
from askiso.cases.models import Attachment
from askiso.extensions import db
from askiso.inquiries.models import TrackingLink
from tests.cases.helpers import PDF, new_case, pdf_file
from tests.inquiries.conftest import VISITOR, emailed_token, outbox, submit_and_confirm


def test_case_number_and_email_never_open_an_inquiry(app, client):
    case, tracking = submit_and_confirm(client)
    for guess in (case.number, VISITOR, f"{case.number}-{VISITOR}", str(case.id), tracking[:-1], tracking + "x"):
        assert client.get(f"/inquiries/t/{guess}").status_code == 404, guess
    assert client.get(f"/inquiries/t/{tracking}").status_code == 200


@pytest.mark.parametrize("token", ["0", "a" * 43, "A" * 300, "../../cases"])
def test_forged_tokens_get_404(app, client, token):
    submit_and_confirm(client)
    assert client.get(f"/inquiries/t/{token}").status_code == 404
    assert client.post(f"/inquiries/t/{token}", data={"body": "hello"}).status_code == 404
    assert client.post(f"/inquiries/t/{token}/account").status_code == 404
    assert client.post(f"/inquiries/t/{token}/revoke").status_code == 404


def test_revoking_stops_every_link_of_the_inquiry(app, client, people):
    case, tracking = submit_and_confirm(client)
    case_services.add_message(case, people.agent, "A reply that mails a second link.")
    db.session.commit()
    second = emailed_token("inquiries/t", VISITOR, "inquiry_reply")
    assert client.post(f"/inquiries/t/{tracking}/revoke").status_code == 200
    for token in (tracking, second):
        assert client.get(f"/inquiries/t/{token}").status_code == 404
        assert client.post(f"/inquiries/t/{token}", data={"body": "still here?"}).status_code == 404
    assert all(link.revoked_at is not None for link in db.session.scalars(select(TrackingLink)))


def test_tracking_page_never_shows_internal_notes_or_their_files(app, client, people):
    case, tracking = submit_and_confirm(client)
    case_services.add_message(case, people.agent, "Public answer for the visitor.")
    note = case_services.add_message(
        case, people.agent, "INTERNAL: check who this is.", internal=True, files=[pdf_file("secret.pdf")]
    )
    db.session.commit()
    html = client.get(f"/inquiries/t/{tracking}").get_data(as_text=True)
    assert "Public answer for the visitor." in html
    assert "INTERNAL" not in html and "secret.pdf" not in html
    secret = db.session.scalar(select(Attachment).where(Attachment.message_id == note.id))
    assert client.get(f"/inquiries/t/{tracking}/files/{secret.id}").status_code == 404
    assert not [m for m in outbox(VISITOR) if "INTERNAL" in m.body_text]


def test_a_link_opens_no_file_of_another_case(app, client, people):
    _, tracking = submit_and_confirm(client)
    other = new_case(people.alpha_user, people.alpha, request_type="registration_form",
                     field_values={"form_type": "Other"}, files=[pdf_file()])
    theirs = db.session.scalar(select(Attachment).where(Attachment.case_id == other.id))
    assert client.get(f"/inquiries/t/{tracking}/files/{theirs.id}").status_code == 404


def test_closed_inquiry_takes_no_more_replies(app, client, people):
    case, tracking = submit_and_confirm(client)
    case_services.change_status(case, people.agent, "closed", reason="Answered")
    db.session.commit()
    response = client.post(f"/inquiries/t/{tracking}", data={"body": "One more thing"}, follow_redirects=True)
    assert "closed" in response.get_data(as_text=True)
    assert "One more thing" not in response.get_data(as_text=True)


def test_bad_file_is_refused_next_to_the_field_and_the_text_kept(app, client):
    _, tracking = submit_and_confirm(client)
    response = client.post(
        f"/inquiries/t/{tracking}",
        data={"body": "My reply text", "files": [(io.BytesIO(b"<html><script>x</script>"), "page.pdf")]},
        content_type="multipart/form-data",
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and "My reply text" in html and "Choose the files again" in html
    assert db.session.scalar(select(db.func.count(Attachment.id))) == 0


def test_lost_link_mails_only_owners_and_answers_alike(app, client):
    case, _ = submit_and_confirm(client)
    known = client.post("/inquiries/lost", data={"email": VISITOR.upper()}, follow_redirects=True)
    unknown = client.post("/inquiries/lost", data={"email": "nobody@example.test"}, follow_redirects=True)
    assert known.get_data(as_text=True).replace(VISITOR.upper(), "") == unknown.get_data(as_text=True).replace(
        "nobody@example.test", ""
    )
    assert not outbox("nobody@example.test")
    mail = outbox(VISITOR, "inquiry_links")[-1]
    assert case.number in mail.body_text
    fresh = emailed_token("inquiries/t", VISITOR, "inquiry_links")
    assert client.get(f"/inquiries/t/{fresh}").status_code == 200


def test_visitor_files_can_be_downloaded_only_through_a_live_link(app, client):
    case, tracking = submit_and_confirm(client)
    client.post(f"/inquiries/t/{tracking}", data={"body": "file", "files": [(io.BytesIO(PDF), "a.pdf")]},
                content_type="multipart/form-data")
    attachment = db.session.scalar(select(Attachment))
    client.post(f"/inquiries/t/{tracking}/revoke")
    assert client.get(f"/inquiries/t/{tracking}/files/{attachment.id}").status_code == 404

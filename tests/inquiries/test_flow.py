"""The whole path of a visitor: submit, confirm, follow, reply, take an account."""

import io
import re

from sqlalchemy import select

from askiso.cases import services as case_services
from askiso.cases.models import Attachment, Case, Message
from askiso.extensions import db
from askiso.inquiries.models import InquiryContact, PendingInquiry, TrackingLink
from askiso.visibility import visible_cases
from tests.cases.helpers import PDF
from tests.factories import PASSWORD
from tests.inquiries.conftest import VISITOR, emailed_token, outbox, submit, submit_and_confirm


def test_submission_creates_nothing_until_confirmed(app, client):
    response = submit(client)
    assert response.status_code == 302 and response.headers["Location"].endswith("/inquiries/sent")
    assert db.session.scalar(select(db.func.count(Case.id))) == 0
    pending = db.session.scalar(select(PendingInquiry))
    assert pending.email == VISITOR and pending.confirmed_at is None
    [mail] = outbox(VISITOR)
    assert mail.kind == "inquiry_confirm" and "/inquiries/confirm/" in mail.body_text
    assert "/mail/stop/" in mail.body_text
    token = emailed_token("inquiries/confirm", VISITOR)
    assert pending.token_hash != token  # only the hash is stored
    # Opening the link (a mail scanner would) confirms nothing: it is a button.
    page = client.get(f"/inquiries/confirm/{token}")
    assert page.status_code == 200 and "Confirm and send" in page.get_data(as_text=True)
    assert db.session.scalar(select(db.func.count(Case.id))) == 0


def test_confirmation_creates_routes_and_receipts_the_case(app, client):
    case, tracking = submit_and_confirm(client, email="Vera.Visitor@Example.TEST")
    assert case.participant_id is None and case.submitter_id is None
    assert case.queue.key == "participant_support" and case.topic.key == "markets"
    assert case.number.startswith("AI-")
    contact = db.session.get(InquiryContact, case.id)
    assert (contact.name, contact.email, contact.organization) == (
        "Vera Visitor", VISITOR, "Grid Research Institute"
    )
    receipt = outbox(VISITOR, "inquiry_receipt")[-1]
    assert case.number in receipt.subject and case.number in receipt.body_text
    assert re.search(r"/inquiries/t/[A-Za-z0-9_\-]{40,}", receipt.body_text)
    link = db.session.scalar(select(TrackingLink).where(TrackingLink.case_id == case.id))
    assert len(tracking) >= 40 and link.token_hash != tracking


def test_using_the_confirmation_twice_makes_one_case(app, client):
    submit(client)
    token = emailed_token("inquiries/confirm", VISITOR)
    assert client.post(f"/inquiries/confirm/{token}").status_code == 200
    again = client.post(f"/inquiries/confirm/{token}")
    assert again.status_code == 200 and "Already confirmed" in again.get_data(as_text=True)
    assert db.session.scalar(select(db.func.count(Case.id))) == 1


def test_visitor_follows_replies_and_later_finds_it_in_an_account(app, client, people, client_for):
    case, tracking = submit_and_confirm(client)
    page = client.get(f"/inquiries/t/{tracking}")
    assert page.status_code == 200 and case.subject in page.get_data(as_text=True)
    assert page.headers["Cache-Control"] == "no-store"

    # Staff reply publicly: the inquirer is mailed a fresh working link.
    case_services.add_message(case, people.agent, "The results are on the ISO website.")
    case_services.change_status(case, people.agent, "waiting")
    db.session.commit()
    reply_mail = outbox(VISITOR, "inquiry_reply")[-1]
    assert "The results are on the ISO website." in reply_mail.body_text
    fresh = emailed_token("inquiries/t", VISITOR, "inquiry_reply")
    assert fresh != tracking
    assert "The results are on the ISO website." in client.get(f"/inquiries/t/{fresh}").get_data(as_text=True)
    assert outbox(VISITOR, "inquiry_status")

    # The inquirer replies with a file through the link: Waiting goes back to In Progress.
    response = client.post(
        f"/inquiries/t/{tracking}",
        data={"body": "Thanks, and here is my data request.", "files": [(io.BytesIO(PDF), "request.pdf")]},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    db.session.refresh(case)
    assert case.status == "in_progress"
    message = db.session.scalar(select(Message).where(Message.case_id == case.id).order_by(Message.id.desc()))
    assert message.author_id is None and message.author_name == "Vera Visitor"
    attachment = db.session.scalar(select(Attachment).where(Attachment.message_id == message.id))
    download = client.get(f"/inquiries/t/{tracking}/files/{attachment.id}")
    assert download.status_code == 200 and download.data == PDF

    # Later: an account for the same address.
    response = client.post(f"/inquiries/t/{tracking}/account")
    assert response.status_code == 302
    setpw = emailed_token("set-password", VISITOR)
    response = client.post(f"/set-password/{setpw}", data={"password": PASSWORD, "confirm": PASSWORD})
    assert response.status_code == 302
    from askiso.auth.models import user_by_email

    user = user_by_email(VISITOR)
    db.session.refresh(case)
    assert case.submitter_id == user.id and case.participant_id is None
    assert case.id in db.session.scalars(visible_cases(user).with_only_columns(Case.id)).all()
    signed_in = client_for(user)
    if "cases.my_cases" in app.view_functions:  # the cases engineer's list page, once it exists
        url = app.url_map.bind("localhost").build("cases.my_cases")
        assert case.number in signed_in.get(url).get_data(as_text=True)
    # The tracking link keeps working until revoked.
    assert client.get(f"/inquiries/t/{tracking}").status_code == 200


def test_inquiries_from_an_address_with_an_account_join_it_at_confirmation(app, client, people):
    case, _ = submit_and_confirm(client, email=people.outsider.email)
    assert case.submitter_id == people.outsider.id
    assert case.id in db.session.scalars(visible_cases(people.outsider).with_only_columns(Case.id)).all()
    assert case.id not in db.session.scalars(visible_cases(people.alpha_user).with_only_columns(Case.id)).all()
    # The account's own notifications take over: no duplicate inquiry mail.
    case_services.add_message(case, people.agent, "Answer for an account holder.")
    db.session.commit()
    assert not outbox(people.outsider.email, "inquiry_reply")
    assert outbox(people.outsider.email, "case_reply")


def test_account_request_for_an_existing_account_sends_nothing_but_attaches(app, client, people):
    submit(client, email=people.outsider.email)
    # The account appears only after the inquiry was filed without one.
    token = emailed_token("inquiries/confirm", people.outsider.email)
    people.outsider.is_active = False
    db.session.commit()
    response = client.post(f"/inquiries/confirm/{token}")
    tracking = re.search(r"/inquiries/t/([A-Za-z0-9_\-]+)", response.get_data(as_text=True)).group(1)
    case = db.session.scalar(select(Case))
    assert case.submitter_id is None
    people.outsider.is_active = True
    db.session.commit()
    before = len(outbox(people.outsider.email))
    response = client.post(f"/inquiries/t/{tracking}/account", follow_redirects=True)
    assert "already uses" in response.get_data(as_text=True)
    assert len(outbox(people.outsider.email)) == before
    db.session.refresh(case)
    assert case.submitter_id == people.outsider.id

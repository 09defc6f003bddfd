"""Abuse controls: one email per unconfirmed address, expiry, honeypot, fill time, sizes, limits."""

import time
from datetime import timedelta

import pytest
from sqlalchemy import select

from askiso.cases import services as case_services
from askiso.cases.models import Case
from askiso.extensions import db
from askiso.inquiries.forms import make_stamp
from askiso.inquiries.models import PendingInquiry
from askiso.inquiries.services import MAX_PENDING_PER_ADDRESS, purge_expired
from askiso.mail.suppression import suppress
from tests.inquiries.conftest import VISITOR, emailed_token, form_data, outbox, submit


def _count(model):
    return db.session.scalar(select(db.func.count()).select_from(model))


def test_unconfirmed_address_gets_exactly_one_email_however_often_it_posts(app, client):
    answers = set()
    for n in range(MAX_PENDING_PER_ADDRESS + 3):
        email = VISITOR.upper() if n % 2 else VISITOR
        response = submit(client, email=email, subject=f"Question {n}")
        answers.add((response.status_code, response.headers["Location"]))
    assert answers == {(302, "/inquiries/sent")}
    assert len(outbox(VISITOR)) == 1
    assert _count(PendingInquiry) == MAX_PENDING_PER_ADDRESS
    # The one link confirms every stored submission.
    token = emailed_token("inquiries/confirm", VISITOR)
    client.post(f"/inquiries/confirm/{token}")
    assert _count(Case) == MAX_PENDING_PER_ADDRESS


def test_expired_confirmation_does_nothing_and_is_purged(app, client, runner):
    submit(client)
    token = emailed_token("inquiries/confirm", VISITOR)
    pending = db.session.scalar(select(PendingInquiry))
    pending.expires_at -= timedelta(hours=24, seconds=1)
    db.session.commit()
    assert client.get(f"/inquiries/confirm/{token}").status_code == 410
    assert client.post(f"/inquiries/confirm/{token}").status_code == 410
    assert _count(Case) == 0
    result = runner.invoke(args=["inquiries", "purge"])
    assert result.exit_code == 0 and "Purged 1" in result.output
    assert _count(PendingInquiry) == 0
    # A new submission after expiry gets a new link.
    submit(client)
    assert len(outbox(VISITOR, "inquiry_confirm")) == 2


def test_purge_keeps_submissions_still_waiting(app, client):
    submit(client)
    assert purge_expired() == 0
    assert _count(PendingInquiry) == 1


def test_honeypot_gets_the_same_answer_and_nothing_happens(app, client):
    response = submit(client, website="http://spam.example")
    assert response.status_code == 302 and response.headers["Location"] == "/inquiries/sent"
    assert _count(PendingInquiry) == 0 and outbox() == []


def test_honeypot_is_hidden_from_people(app, client):
    html = client.get("/inquiries/new").get_data(as_text=True)
    assert 'class="hp-field" aria-hidden="true"' in html
    assert 'name="website"' in html and 'tabindex="-1"' in html


@pytest.mark.parametrize("stamp, notice", [(None, "quicker"), ("1700000000.forged", "too long")])
def test_too_fast_or_forged_stamp_is_refused_politely_keeping_the_text(app, client, stamp, notice):
    response = submit(client, stamp=stamp or make_stamp(time.time()), subject="My carefully typed subject")
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and notice in html
    assert "My carefully typed subject" in html and "Grid Research Institute" in html
    assert _count(PendingInquiry) == 0 and outbox() == []


def test_size_limits_say_what_to_fix_and_keep_the_text(app, client):
    response = submit(client, subject="S" * 201, description="D" * 20001)
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "200" in html and "20000" in html.replace(",", "")
    assert "S" * 201 in html
    assert _count(PendingInquiry) == 0


@pytest.mark.parametrize("request_type", ["billing_dispute", "registration_form", "fcts_access", "nonsense"])
def test_participant_only_request_types_cannot_be_picked(app, client, request_type):
    response = submit(client, request_type=request_type)
    assert response.status_code == 400 and "Choose a request type from the list." in response.get_data(as_text=True)
    assert _count(PendingInquiry) == 0


def test_public_form_offers_only_non_participant_types(app, client):
    html = client.get("/inquiries/new").get_data(as_text=True)
    assert 'value="general_question"' in html and 'value="data_feeds"' in html
    assert 'value="billing_dispute"' not in html and 'value="registration_form"' not in html


def test_request_type_fields_are_validated(app, client):
    response = submit(client, request_type="data_feeds", **{"field-iso_express_username": "x" * 501})
    assert response.status_code == 400 and "at most 500" in response.get_data(as_text=True)


def test_non_participant_account_cannot_file_participant_types(app, people, client_for):
    with pytest.raises(case_services.InvalidCase):
        case_services.create_case(
            people.outsider, case_services.NewCase("billing_dispute", "Dispute", "Text")
        )
    if "cases.new" in app.view_functions:
        signed_in = client_for(people.outsider)
        url = app.url_map.bind("localhost").build("cases.new")
        before = _count(Case)
        signed_in.post(url, data={"request_type": "billing_dispute", "subject": "x", "description": "y"})
        assert _count(Case) == before


def test_suppressed_address_gets_no_confirmation_and_a_clear_message(app, client):
    suppress(VISITOR)
    db.session.commit()
    response = submit(client, email=VISITOR.upper())
    assert response.status_code == 400 and "stopped sending email" in response.get_data(as_text=True)
    assert outbox() == [] and _count(PendingInquiry) == 0


def test_rate_limit_per_email_holds_and_keeps_the_text(app, limited_client):
    for n in range(5):
        assert submit(limited_client, subject=f"Question {n}").status_code == 302
    response = limited_client.post(
        "/inquiries/new", data=form_data(subject="Typed before the limit"), environ_base={"REMOTE_ADDR": "10.0.0.9"}
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 429 and "try again in an hour" in html
    assert "Typed before the limit" in html and response.headers.get("Retry-After")


def test_rate_limit_per_client_address_holds(app, limited_client):
    for n in range(10):
        assert submit(limited_client, email=f"person{n}@example.test").status_code == 302
    assert submit(limited_client, email="one.more@example.test").status_code == 429
    other = limited_client.post(
        "/inquiries/new", data=form_data(email="other@example.test"), environ_base={"REMOTE_ADDR": "10.0.0.7"}
    )
    assert other.status_code == 302


def test_lost_link_is_rate_limited_per_email(app, limited_client):
    for _ in range(3):
        assert limited_client.post("/inquiries/lost", data={"email": VISITOR}).status_code == 302
    assert limited_client.post("/inquiries/lost", data={"email": VISITOR}).status_code == 429

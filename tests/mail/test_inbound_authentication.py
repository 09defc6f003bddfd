"""Production: a forged From does not post as a person (issue 20, finding 10).

Attack: send mail with From: an Alpha user's address, threading onto their case by the case
number in the subject (or opening a new case); without MAIL_TRUSTED_AUTHSERV_ID it was posted
as that person.
"""

import pytest
from sqlalchemy import select

from askiso.cases.models import Case, Message
from askiso.extensions import db
from askiso.mail.inbound import UNAUTHENTICATED, receive
from tests.cases.helpers import new_case
from tests.mail.helpers import incoming, reply_to_case


@pytest.fixture
def production_mail(app):
    saved = {k: app.config.get(k) for k in ("MAIL_REQUIRE_AUTHENTICATED_SENDER", "MAIL_TRUSTED_AUTHSERV_ID")}
    app.config.update(MAIL_REQUIRE_AUTHENTICATED_SENDER=True, MAIL_TRUSTED_AUTHSERV_ID="mx.askiso.local")
    yield app
    app.config.update(saved)


def _messages(case):
    return db.session.scalars(select(Message).where(Message.case_id == case.id)).all()


def test_production_requires_authenticated_senders_by_default():
    from config import Config, ProductionConfig

    assert ProductionConfig.MAIL_REQUIRE_AUTHENTICATED_SENDER is True
    assert Config.MAIL_REQUIRE_AUTHENTICATED_SENDER is False  # development keeps today's behaviour


def test_forged_from_by_subject_number_is_held_not_posted(production_mail, people):
    case = new_case(people.alpha_user, people.alpha)
    row = receive(incoming(people.alpha_user.email, f"Re: [{case.number}] hi", "Pay to account 666"))
    assert row.status == "review" and row.reason == UNAUTHENTICATED
    assert _messages(case) == []


def test_forged_from_opening_a_case_is_held(production_mail, people):
    before = db.session.scalar(select(db.func.count(Case.id)))
    row = receive(incoming(people.beta_user.email, "Urgent", "Please change our bank details"))
    assert row.status == "review" and db.session.scalar(select(db.func.count(Case.id))) == before


def test_a_forged_pass_below_our_servers_header_does_not_count(production_mail, people):
    case = new_case(people.alpha_user, people.alpha)
    raw = incoming(people.alpha_user.email, f"Re: [{case.number}] hi", "forged pass",
                   Authentication_Results="mx.askiso.local; dmarc=pass header.from=alpha.test")
    ours = b"Authentication-Results: mx.askiso.local; spf=none; dmarc=none header.from=alpha.test\r\n"
    assert receive(ours + raw).status == "review"


def test_dmarc_pass_or_signed_reply_address_is_posted(production_mail, people):
    case = new_case(people.alpha_user, people.alpha)
    passed = incoming(people.alpha_user.email, f"Re: [{case.number}] hi", "Authenticated by our MX",
                      Authentication_Results="mx.askiso.local; spf=pass; dmarc=pass header.from=alpha.test")
    assert receive(passed).status == "processed"
    assert receive(reply_to_case(people.alpha_user, case)).status == "processed"  # the signed address
    assert len(_messages(case)) == 2


def test_staff_accept_a_held_message_after_checking(production_mail, people, client_for):
    case = new_case(people.alpha_user, people.alpha)
    row = receive(incoming(people.alpha_user.email, f"Re: [{case.number}] hi", "Really from Ann"))
    admin = client_for(people.admin)
    page = admin.get(f"/staff/mail/inbound/{row.id}").get_data(as_text=True)
    assert "Accept the sender as genuine" in page
    admin.post(f"/staff/mail/inbound/{row.id}/reprocess")  # handling again alone still holds it
    db.session.expire_all()
    assert db.session.get(type(row), row.id).status == "review"
    admin.post(f"/staff/mail/inbound/{row.id}/reprocess", data={"vouch": "1"})
    db.session.expire_all()
    assert db.session.get(type(row), row.id).status == "processed"
    assert [m.body for m in _messages(case)] == ["Really from Ann"]

"""Case notifications through a real SMTP server: who gets what, and nothing internal."""

from askiso.cases import services
from askiso.extensions import db
from askiso.mail.addresses import case_number_from_token
from askiso.mail.models import OutboxEmail
from askiso.mail.sender import send_all
from tests.cases.helpers import new_case
from tests.mail.conftest import body_html, body_text

SECRET = "INTERNAL-ONLY-credit-watchlist-7731"


def _case(people, **kw):
    case = new_case(people.alpha_user, people.alpha, **kw)
    services.add_contact(case, people.alpha_user, people.alpha_colleague)
    db.session.commit()
    return case


def test_receipt_reaches_the_submitter_with_number_time_and_threading(app, people, smtp):
    case = new_case(people.alpha_user, people.alpha)
    assert send_all() == (1, 0)
    [got] = smtp.messages
    msg = got["msg"]
    assert got["rcpt_tos"] == [people.alpha_user.email]
    assert case.number in msg["Subject"]
    text = body_text(msg)
    assert case.number in text and "Received:" in text and "(Eastern Time)" in text
    company = f"{people.alpha.name} ({people.alpha.code})"  # from the submitter's membership
    assert f"Company:     {company}" in text
    assert case.number in body_html(msg) and company in body_html(msg)
    assert "Request:     General question" in text and "General question" in body_html(msg)
    root = f"<case-{case.number}@askiso.local>"
    assert msg["In-Reply-To"] == root and root in msg["References"]
    assert msg["Message-ID"].strip().startswith(f"<case-{case.number}.")
    assert msg["Auto-Submitted"] == "auto-generated"
    local = msg["Reply-To"].split("@")[0]
    assert local.startswith("support+")
    assert case_number_from_token(local.split("+", 1)[1]) == case.number
    assert msg["List-Unsubscribe"].startswith("<http")


def test_staff_reply_goes_to_submitter_and_contacts_internal_notes_to_nobody(app, people, smtp):
    case = _case(people)
    send_all()
    smtp.messages.clear()
    services.add_message(case, people.agent, SECRET, internal=True)
    services.add_message(case, people.agent, "Please send **the statement** <script>alert(1)</script>")
    db.session.commit()
    send_all()
    assert sorted(m["rcpt_tos"][0] for m in smtp.messages) == sorted(
        [people.alpha_user.email, people.alpha_colleague.email]
    )
    for got in smtp.messages:
        raw = got["msg"].as_string()
        assert SECRET not in raw
        assert "<strong>the statement</strong>" in body_html(got["msg"])
        assert "<script" not in body_html(got["msg"])
        assert "Please send" in body_text(got["msg"])
    # nothing reached staff, other companies or the beta manager
    everyone = {m["rcpt_tos"][0] for m in smtp.messages}
    assert not everyone & {people.agent.email, people.beta_manager.email, people.alpha_manager.email}


def test_no_outbox_row_ever_holds_internal_content(app, people):
    case = _case(people)
    services.add_message(case, people.agent, SECRET, internal=True)
    services.change_status(case, people.agent, "waiting")
    db.session.commit()
    for row in db.session.scalars(db.select(OutboxEmail)):
        assert SECRET not in row.body_text and SECRET not in (row.body_html or "")


def test_status_changes_reach_followers_but_not_the_actor(app, people, smtp):
    case = _case(people)
    send_all()
    smtp.messages.clear()
    for status in ("waiting", "resolved"):
        services.change_status(case, people.agent, status)
        db.session.commit()
    services.close_case(case, people.alpha_user, "Answered, thanks")
    db.session.commit()
    send_all()
    subjects = [(m["rcpt_tos"][0], m["msg"]["Subject"]) for m in smtp.messages]
    to_user = [s for r, s in subjects if r == people.alpha_user.email]
    to_colleague = [s for r, s in subjects if r == people.alpha_colleague.email]
    assert len(to_user) == 2  # waiting, resolved; not the closure they made themselves
    assert len(to_colleague) == 3
    assert any("Closed" in s for s in to_colleague)
    closed = next(m for m in smtp.messages if "Closed" in m["msg"]["Subject"])
    assert "Answered, thanks" in body_text(closed["msg"])


def test_external_manager_gets_company_mail_only_when_chosen(app, people, smtp):
    new_case(people.alpha_user, people.alpha)
    send_all()
    assert smtp.to(people.alpha_manager.email) == []
    people.alpha_manager.notification_prefs = {"company_cases": True}
    db.session.commit()
    case = new_case(people.alpha_user, people.alpha, subject="Second question")
    services.add_message(case, people.agent, "Public answer")
    db.session.commit()
    send_all()
    got = smtp.to(people.alpha_manager.email)
    assert len(got) == 2
    [notice] = [m["msg"] for m in got if "New case" in m["msg"]["Subject"]]
    assert f"A new case was filed for {people.alpha.name} ({people.alpha.code})." in body_text(notice)
    assert "Request:     General question" in body_text(notice)
    # the beta manager opted in too, but never sees alpha's cases
    people.beta_manager.notification_prefs = {"company_cases": True}
    db.session.commit()
    services.add_message(case, people.agent, "Another answer")
    db.session.commit()
    send_all()
    assert smtp.to(people.beta_manager.email) == []


def test_switched_off_replies_are_not_sent_but_receipts_are(app, people, smtp):
    people.alpha_user.notification_prefs = {"case_replies": False, "status_changes": False}
    db.session.commit()
    case = new_case(people.alpha_user, people.alpha)
    services.add_message(case, people.agent, "Public answer")
    services.change_status(case, people.agent, "waiting")
    db.session.commit()
    send_all()
    got = smtp.to(people.alpha_user.email)
    assert len(got) == 1 and "Received" in got[0]["msg"]["Subject"]


def test_header_injection_through_subject_and_names_is_impossible(app, people, smtp):
    people.agent.name = "Alex\r\nBcc: thief@evil.test"
    db.session.commit()
    case = new_case(people.alpha_user, people.alpha, subject="Hello\r\nBcc: thief@evil.test\r\nX-Evil: 1")
    services.add_message(case, people.agent, "Public answer")
    db.session.commit()
    send_all()
    assert smtp.messages
    for got in smtp.messages:
        assert got["rcpt_tos"] == [people.alpha_user.email]
        msg = got["msg"]
        assert msg["Bcc"] is None and msg["X-Evil"] is None
        assert "\n" not in msg["Subject"] and "\r" not in msg["Subject"]


def test_queue_email_refuses_addresses_that_smuggle_recipients(app, people):
    from askiso.mail.services import queue_email

    rows = queue_email("security_notice", "a@x.test\r\nbcc: b@y.test", "S", "password_changed", user=people.alpha_user)
    rows += queue_email("security_notice", "a@x.test, b@y.test", "S", "password_changed", user=people.alpha_user)
    assert rows == []

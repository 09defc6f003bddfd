"""A tracking link shows what the visibility rule lets the inquirer see (issue 20, finding 5).

Attack: staff file an inquiry under a participant; the inquirer, who is no member of it, keeps
reading its External Manager's later replies (and getting them by email) through the link.
"""

from sqlalchemy import select

from askiso.cases import services
from askiso.cases.models import Attachment, Message
from askiso.extensions import db
from askiso.mail.sender import send_all
from tests.cases.helpers import pdf_file
from tests.inquiries.conftest import VISITOR, outbox, submit_and_confirm
from tests.mail.conftest import smtp  # noqa: F401  (a real SMTP server)

BEFORE = "Staff answer before filing: BEFORE-3301"
LATER = "Alpha's manager writes: INTERNAL-TO-ALPHA-7742"


def _link_to_alpha(client_for, people, case):
    staff = client_for(people.agent)
    page = staff.get(f"/staff/inquiries/{case.number}").get_data(as_text=True)
    assert "tracking link stops showing anything added after linking" in page  # said before linking
    assert staff.post(f"/staff/inquiries/{case.number}/link-participant", data={"code": "ALPHA"}).status_code == 302
    db.session.rollback()
    db.session.refresh(case)


def test_link_stops_showing_what_follows_the_filing(app, client, people, client_for, smtp):  # noqa: F811
    case, tracking = submit_and_confirm(client)
    services.add_message(case, people.agent, BEFORE)
    db.session.commit()
    _link_to_alpha(client_for, people, case)
    send_all()
    smtp.messages.clear()
    services.add_message(case, people.alpha_manager, LATER, files=[pdf_file("alpha-only.pdf")])
    services.add_message(case, people.agent, "Staff reply after filing: AFTER-9910")
    services.change_status(case, people.agent, "resolved")
    db.session.commit()
    page = client.get(f"/inquiries/t/{tracking}")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "BEFORE-3301" in text  # what the inquirer had seen stays
    assert "INTERNAL-TO-ALPHA-7742" not in text and "AFTER-9910" not in text and "alpha-only.pdf" not in text
    assert "Resolved" not in text and "filed this inquiry under a market participant" in text
    attachment = db.session.scalar(select(Attachment).where(Attachment.filename == "alpha-only.pdf"))
    assert client.get(f"/inquiries/t/{tracking}/files/{attachment.id}").status_code == 404
    # No reply box, and a forged reply is refused.
    assert 'name="body"' not in text
    client.post(f"/inquiries/t/{tracking}", data={"body": "hello"})
    assert db.session.scalar(select(Message).where(Message.case_id == case.id, Message.body == "hello")) is None
    # Nor by email.
    send_all()
    assert [m for m in smtp.messages if VISITOR in m["rcpt_tos"]] == []
    assert not [r for r in outbox(to=VISITOR) if r.kind in ("inquiry_reply", "inquiry_status") and r.status == "sent"
                and "AFTER-9910" in r.body_text]


def test_mail_queued_before_the_filing_is_dropped_when_sent_after(app, client, people, client_for, smtp):  # noqa: F811
    case, _ = submit_and_confirm(client)
    send_all()
    smtp.messages.clear()
    services.add_message(case, people.agent, BEFORE)  # queued for the inquirer while it was theirs
    db.session.commit()
    _link_to_alpha(client_for, people, case)
    services.add_message(case, people.agent, "AFTER-9910")
    db.session.commit()
    send_all()
    got = [m for m in smtp.messages if VISITOR in m["rcpt_tos"]]
    assert len(got) == 1 and b"BEFORE-3301" in got[0]["msg"].as_bytes()  # sent: it was before the filing
    assert not [r for r in outbox(to=VISITOR) if "AFTER-9910" in r.body_text]


def test_inquirer_who_is_a_member_keeps_seeing_it(app, client, people, client_for):
    # The inquirer's address has an account that is an active member of Alpha: the rule lets them see it.
    case, tracking = submit_and_confirm(client, email=people.alpha_user.email)
    assert case.submitter_id == people.alpha_user.id
    _link_to_alpha(client_for, people, case)
    services.add_message(case, people.agent, "AFTER-9910")
    db.session.commit()
    assert "AFTER-9910" in client.get(f"/inquiries/t/{tracking}").get_data(as_text=True)

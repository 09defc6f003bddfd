"""One submit of the staff case page (a reply and a new status, priority, ...) gives each participant
one email: the reply, telling the new status. The status email alone goes to those who want no replies."""

import pytest
from sqlalchemy import select

from askiso.cases.models import CaseContact
from askiso.cases.services import InvalidCase
from askiso.extensions import db
from askiso.mail.models import OutboxEmail
from askiso.staff.casework import work_case
from tests.cases.helpers import new_case
from tests.inquiries.conftest import VISITOR, submit_and_confirm

PARTICIPANT_KINDS = ("case_reply", "case_status", "inquiry_reply", "inquiry_status")


@pytest.fixture
def case(app, people):
    """Ann's case with Carl as a contact; the outbox emptied of the receipts."""
    case = new_case(people.alpha_user, people.alpha)
    db.session.add(CaseContact(case_id=case.id, user_id=people.alpha_colleague.id))
    db.session.execute(OutboxEmail.__table__.delete())
    db.session.commit()
    return case


def _mails_to(address):
    rows = db.session.scalars(select(OutboxEmail).order_by(OutboxEmail.id)).all()
    return [r for r in rows if r.recipients == [address] and r.kind in PARTICIPANT_KINDS]


def _submit(case, agent, text="Please send the statement.", internal=False, **values):
    work_case(case, agent, case.version, values=values, message=(text, internal, []) if text else None)
    db.session.commit()


@pytest.mark.parametrize(
    ("status", "told"),
    [
        ("waiting", "The case is now: Waiting on Participant."),
        ("resolved", "The case is now: Resolved."),
        ("closed", "The case is now: Closed."),
    ],
)
def test_reply_and_status_is_one_email_that_tells_the_status(app, people, case, status, told):
    _submit(case, people.agent, status=status)
    for person in (people.alpha_user, people.alpha_colleague):
        [mail] = _mails_to(person.email)
        assert mail.kind == "case_reply"
        assert "Please send the statement." in mail.body_text and told in mail.body_text
        assert mail.subject.startswith(f"[{case.number}] New reply (")
        assert "The case is now: <strong>" in mail.body_html


def test_reply_and_resolved_carries_the_rating_links_for_the_submitter_only(app, people, case):
    _submit(case, people.agent, status="resolved", priority="high")
    [ann] = _mails_to(people.alpha_user.email)
    [carl] = _mails_to(people.alpha_colleague.email)
    assert "How did we do?" in ann.body_text and "/rate/" in ann.body_html
    assert "/rate/" not in carl.body_text and "/rate/" not in carl.body_html


def test_reply_and_priority_is_one_plain_reply(app, people, case):
    _submit(case, people.agent, priority="urgent")
    [mail] = _mails_to(people.alpha_user.email)
    assert mail.kind == "case_reply" and "The case is now" not in mail.body_text
    assert mail.subject == f"[{case.number}] New reply: {case.subject}"


def test_a_person_who_wants_no_replies_still_hears_of_the_status(app, people, case):
    people.alpha_colleague.notification_prefs = {"case_replies": False}
    db.session.commit()
    _submit(case, people.agent, status="waiting")
    assert [m.kind for m in _mails_to(people.alpha_user.email)] == ["case_reply"]
    assert [m.kind for m in _mails_to(people.alpha_colleague.email)] == ["case_status"]


def test_an_internal_note_and_a_status_sends_the_status_email_only(app, people, case):
    _submit(case, people.agent, text="Checking with settlements first.", internal=True, status="waiting")
    [mail] = _mails_to(people.alpha_user.email)
    assert mail.kind == "case_status" and "Checking with settlements" not in mail.body_text


def test_a_status_alone_is_the_status_email_as_before(app, people, case):
    _submit(case, people.agent, text=None, status="resolved")
    [mail] = _mails_to(people.alpha_user.email)
    assert mail.kind == "case_status" and mail.subject == f"[{case.number}] Resolved: {case.subject}"


def test_a_failed_submit_sends_nothing(app, people, case):
    with pytest.raises(InvalidCase):  # the empty text is refused before anything changes
        work_case(case, people.agent, case.version, values={"status": "waiting"}, message=("  ", False, []))
    db.session.rollback()
    assert _mails_to(people.alpha_user.email) == []


def test_the_inquirer_gets_one_email_too(app, client, people):
    case, _ = submit_and_confirm(client)
    _submit(case, people.agent, "The results are on the ISO website.", status="waiting")
    mails = _mails_to(VISITOR)
    assert [m.kind for m in mails] == ["inquiry_reply"]
    assert "The results are on the ISO website." in mails[0].body_text
    assert "Your inquiry is now: Waiting on Participant." in mails[0].body_text

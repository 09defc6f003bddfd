"""Access that ended stays ended, by email too (issue 20, finding 1).

Attack: end a person's membership, then let staff reply to, resolve or merge a case they
submitted or follow as a contact; before the fix the reply text, the resolution reason and
the merge notice were still emailed to them.
"""

import pytest
from sqlalchemy import select

from askiso.cams.models import Membership
from askiso.cams.services import end_membership
from askiso.cases import services
from askiso.extensions import db
from askiso.mail.case_mail import queue_case_email
from askiso.mail.models import OutboxEmail
from askiso.mail.sender import retry_now, send_all
from askiso.mail.services import queue_email
from askiso.staff.casework import merge_case
from tests.cases.helpers import new_case

REPLY = "Your collateral call is 1.2 million: REPLY-TEXT-5521"
REASON = "Settled with the credit team: REASON-TEXT-8830"


def _end(people, user):
    membership = db.session.scalar(
        select(Membership).where(Membership.user_id == user.id, Membership.participant_id == people.alpha.id)
    )
    end_membership(people.admin, membership, staff=True)
    db.session.commit()


def _case_with_contact(people):
    case = new_case(people.alpha_user, people.alpha)
    services.add_contact(case, people.alpha_user, people.alpha_colleague)
    db.session.commit()
    return case


def _received(smtp, user):
    return [m for m in smtp.messages if user.email in m["rcpt_tos"]]


def test_former_submitter_and_contact_get_no_reply_resolution_or_closure(app, people, smtp):
    case = _case_with_contact(people)
    send_all()
    smtp.messages.clear()
    _end(people, people.alpha_user)
    _end(people, people.alpha_colleague)
    services.add_message(case, people.agent, REPLY)
    services.change_status(case, people.agent, "resolved")
    services.close_case(case, people.agent, REASON)
    db.session.commit()
    send_all()
    for former in (people.alpha_user, people.alpha_colleague):
        assert _received(smtp, former) == []
    raw = b"".join(m["msg"].as_bytes() for m in smtp.messages)
    assert b"REPLY-TEXT-5521" not in raw and b"REASON-TEXT-8830" not in raw
    # Decided when queued: no row was even written for them.
    later = db.session.scalars(select(OutboxEmail).where(OutboxEmail.case_id == case.id,
                                                         OutboxEmail.kind != "case_receipt")).all()
    assert not {people.alpha_user.id, people.alpha_colleague.id} & {r.recipient_user_id for r in later}


def test_access_ending_after_queueing_drops_the_mail_for_good(app, people, smtp, client_for):
    case = _case_with_contact(people)
    send_all()
    smtp.messages.clear()
    services.add_message(case, people.agent, REPLY)  # queued while both may still see the case
    db.session.commit()
    queued = db.session.scalars(select(OutboxEmail).where(OutboxEmail.kind == "case_reply")).all()
    assert {r.recipient_user_id for r in queued} == {people.alpha_user.id, people.alpha_colleague.id}
    _end(people, people.alpha_colleague)  # access ends before the worker runs
    send_all()
    assert [m["rcpt_tos"] for m in smtp.messages] == [[people.alpha_user.email]]
    dropped = db.session.scalar(select(OutboxEmail).where(OutboxEmail.recipient_user_id == people.alpha_colleague.id,
                                                          OutboxEmail.kind == "case_reply"))
    assert dropped.status == "dropped" and dropped.sent_at is None
    assert dropped.drop_reason == "the recipient may no longer see the case"
    assert retry_now(dropped) is False  # never retried, not even by staff
    db.session.commit()
    admin = client_for(people.admin)
    page = admin.get("/staff/mail/outbox?view=dropped")
    assert b"Not sent: the recipient may no longer see the case" in page.data
    admin.post(f"/staff/mail/outbox/{dropped.id}/retry")
    db.session.expire_all()
    assert db.session.get(OutboxEmail, dropped.id).status == "dropped"
    smtp.messages.clear()
    send_all()
    assert smtp.messages == []


def test_deactivated_account_gets_nothing_queued_before(app, people, smtp):
    case = _case_with_contact(people)
    send_all()
    smtp.messages.clear()
    services.add_message(case, people.agent, REPLY)
    db.session.commit()
    people.alpha_colleague.is_active = False
    db.session.commit()
    send_all()
    assert _received(smtp, people.alpha_colleague) == []


def test_merge_notice_skips_a_former_member(app, people, smtp):
    duplicate = _case_with_contact(people)
    target = new_case(people.alpha_manager, people.alpha)
    send_all()
    smtp.messages.clear()
    _end(people, people.alpha_colleague)
    merge_case(duplicate, target, people.agent)
    db.session.commit()
    send_all()
    assert _received(smtp, people.alpha_colleague) == []
    assert _received(smtp, people.alpha_user)  # still a member: told of the merge


def test_company_subscriber_who_left_gets_no_copy(app, people, smtp):
    people.alpha_manager.notification_prefs = {"company_cases": True}
    db.session.commit()
    case = new_case(people.alpha_user, people.alpha)
    send_all()
    assert _received(smtp, people.alpha_manager)  # the new-case notice, while a manager
    smtp.messages.clear()
    services.add_message(case, people.agent, "first reply")
    db.session.commit()
    _end(people, people.alpha_manager)
    services.add_message(case, people.agent, REPLY)
    db.session.commit()
    send_all()
    assert _received(smtp, people.alpha_manager) == []


def test_case_mail_cannot_bypass_the_check(app, people):
    case = new_case(people.alpha_user, people.alpha)
    with pytest.raises(TypeError):
        queue_email("case_reply", people.beta_user.email, "x", "case_reply", case=case)
    # Through the one way: another company's user is simply not a recipient.
    assert queue_case_email("case_status", case, [people.beta_user, people.former], "x", "case_status") == []


def test_a_batch_of_only_dropped_mail_does_not_stop_the_worker_early(app, people, smtp):
    from askiso.mail.sender import BATCH

    case = _case_with_contact(people)
    send_all()
    smtp.messages.clear()
    message = services.add_message(case, people.agent, REPLY)
    db.session.commit()
    send_all()
    smtp.messages.clear()
    for n in range(BATCH + 1):  # more than a batch for the colleague, queued while they may see the case
        queue_case_email("case_reply", case, [people.alpha_colleague], f"Reply {n}", "case_reply", message=message)
    db.session.commit()
    _end(people, people.alpha_colleague)
    services.add_message(case, people.agent, "For the submitter, queued last")
    db.session.commit()
    send_all()  # the first batch is all dropped rows; the submitter's mail still goes out now
    assert [m["rcpt_tos"] for m in smtp.messages] == [[people.alpha_user.email]]

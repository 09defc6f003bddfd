"""Participants told in the app of what ISO support did on their cases: a public reply, Waiting, Resolved.

The email of each is the case email they already get (askiso/mail/notify.py); these notices add the
bell, never a second email. From the attacker's side too: a former member or another company's user
is never told and cannot open, list or count such a notice.
"""

import pytest

from askiso.cams.models import Membership
from askiso.cases import services as case_services
from askiso.cases import signals
from askiso.extensions import db
from tests.notifications.helpers import kinds_of, mails, new_case, notices
from tests.staff.helpers import composer_form


def _case_with_contact(people):
    case = new_case(people.alpha_user, people.alpha)
    case_services.add_contact(case, people.alpha_user, people.alpha_colleague)
    db.session.commit()
    return case


def _end_membership(user, participant):
    membership = db.session.query(Membership).filter_by(user_id=user.id, participant_id=participant.id).one()
    membership.is_active = False
    db.session.commit()


def test_a_staff_reply_tells_the_submitter_and_contacts_in_the_app(app, people):
    case = _case_with_contact(people)
    case_services.add_message(case, people.agent, "Here is your answer.")
    db.session.commit()
    for follower in (people.alpha_user, people.alpha_colleague):
        [notice] = notices(follower)
        assert (notice.kind, notice.case_id, notice.read_at) == ("support_reply", case.id, None)
        assert notice.summary == "Alex Agent (ISO support) replied"
        # Their email is the usual case reply, once; the notice sends none of its own.
        assert len(mails(follower, "case_reply")) == 1 and mails(follower, "notice_support_reply") == []
    assert notices(people.agent) == []  # never to the author
    # The company's External Manager is not a follower of this case: no notice.
    assert notices(people.alpha_manager) == []


def test_an_internal_note_tells_no_participant(app, people):
    case = _case_with_contact(people)
    case_services.add_message(case, people.agent, "Triage: looks like a meter issue", internal=True)
    db.session.commit()
    assert notices(people.alpha_user) == [] and notices(people.alpha_colleague) == []


def test_reply_and_set_waiting_in_one_submit_is_one_notice(app, people, client_for):
    case = _case_with_contact(people)
    client = client_for(people.agent)
    html = client.get(f"/staff/cases/{case.number}").get_data(as_text=True)
    data = composer_form(html, **{"reply-body": "Please send the meter data file.",
                                  "reply-then_status": "waiting", "action": "send_status"})
    assert client.post(f"/staff/cases/{case.number}/reply", data=data).status_code == 302
    for follower in (people.alpha_user, people.alpha_colleague):
        [notice] = notices(follower)
        assert notice.kind == "support_reply"
        assert notice.summary == "Alex Agent (ISO support) replied and is waiting for your answer"


def test_waiting_and_resolved_by_staff_tell_the_followers(app, people):
    case = _case_with_contact(people)
    case_services.change_status(case, people.agent, "waiting")
    db.session.commit()
    case_services.change_status(case, people.agent, "resolved")
    db.session.commit()
    summaries = [n.summary for n in notices(people.alpha_colleague)]
    assert summaries == [
        "Alex Agent (ISO support) is waiting for your answer",
        "Alex Agent (ISO support) resolved the case",
    ]
    assert kinds_of(people.alpha_user) == ["support_status", "support_status"]
    assert mails(people.alpha_user, "notice_support_status") == []


def test_in_progress_and_the_participants_own_steps_tell_nobody_of_support(app, people):
    case = _case_with_contact(people)
    case_services.change_status(case, people.agent, "in_progress")
    db.session.commit()
    case_services.close_case(case, people.alpha_user, "Sorted, thanks")
    db.session.commit()
    assert "support_status" not in kinds_of(people.alpha_user) + kinds_of(people.alpha_colleague)


def test_the_notice_is_listed_in_the_bell_and_opening_it_marks_it_read(app, people, client_for):
    case = _case_with_contact(people)
    case_services.add_message(case, people.agent, "Here is your answer.")
    db.session.commit()
    [notice] = notices(people.alpha_colleague)
    client = client_for(people.alpha_colleague)
    page = client.get("/notifications/").get_data(as_text=True)
    assert case.number in page and "Alex Agent (ISO support) replied" in page
    assert "Notifications, 1 unread" in page
    assert client.get("/notifications/count").json["unread"] == 1
    opened = client.get(f"/notifications/{notice.id}")
    assert opened.status_code == 302 and opened.headers["Location"].endswith(f"/cases/{case.number}")
    db.session.expire_all()
    assert db.session.get(type(notice), notice.id).read_at is not None
    assert client.get("/notifications/count").json["unread"] == 0


def test_each_participant_chooses_on_the_account_page(app, people, client_for):
    client = client_for(people.alpha_colleague)
    page = client.get("/account/").get_data(as_text=True)
    assert 'value="app:support_reply"' in page and 'value="app:support_status"' in page
    # No email of their own: the case emails above are that email.
    assert 'value="email:support_reply"' not in page and "the case emails above" in page
    staff_page = client_for(people.agent).get("/account/").get_data(as_text=True)
    assert 'value="app:support_reply"' not in staff_page
    keep = ["case_replies", "status_changes", "app:support_status", "app:colleague_reply"]
    assert client.post("/account/notifications", data={"notify": keep}).status_code == 302
    case = _case_with_contact(people)
    with signals.one_submit(case, people.agent):  # one submit of the staff case page
        case_services.add_message(case, people.agent, "Answer")
        case_services.change_status(case, people.agent, "waiting")
    db.session.commit()
    # Replies switched off: the colleague hears only of Waiting; the submitter, who kept both, one notice.
    assert [n.summary for n in notices(people.alpha_colleague)] == [
        "Alex Agent (ISO support) is waiting for your answer"
    ]
    assert [n.summary for n in notices(people.alpha_user)] == [
        "Alex Agent (ISO support) replied and is waiting for your answer"
    ]


# ---------------------------------------------------------------- the attacker's side


def test_a_former_member_is_not_told(app, people):
    case = _case_with_contact(people)
    _end_membership(people.alpha_colleague, people.alpha)
    with signals.one_submit(case, people.agent):  # one submit of the staff case page
        case_services.add_message(case, people.agent, "Here is your answer.")
        case_services.change_status(case, people.agent, "resolved")
    db.session.commit()
    assert notices(people.alpha_colleague) == []
    assert kinds_of(people.alpha_user) == ["support_reply"]


def test_a_notice_of_a_case_whose_access_ended_is_not_listed_counted_or_opened(app, people, client_for):
    case = _case_with_contact(people)
    case_services.add_message(case, people.agent, "The settlement figures are in the attached statement")
    db.session.commit()
    [notice] = notices(people.alpha_colleague)
    _end_membership(people.alpha_colleague, people.alpha)
    client = client_for(people.alpha_colleague)
    page = client.get("/notifications/").get_data(as_text=True)
    assert case.number not in page and case.subject not in page and "ISO support" not in page
    assert client.get("/notifications/count").json["unread"] == 0
    assert client.get(f"/notifications/{notice.id}").status_code == 404
    assert client.post(f"/notifications/{notice.id}/read").status_code == 404
    db.session.expire_all()
    assert db.session.get(type(notice), notice.id).read_at is None


@pytest.mark.parametrize("who", ["beta_user", "beta_manager", "alpha_manager", "former", "outsider"])
def test_someone_else_is_never_told_and_cannot_open_the_notice(app, people, client_for, who):
    case = _case_with_contact(people)
    with signals.one_submit(case, people.agent):  # one submit of the staff case page
        case_services.add_message(case, people.agent, "Here is your answer.")
        case_services.change_status(case, people.agent, "resolved")
    db.session.commit()
    person = getattr(people, who)
    assert notices(person) == []
    client = client_for(person)
    assert case.number not in client.get("/notifications/").get_data(as_text=True)
    assert client.get("/notifications/count").json["unread"] == 0
    for notice in notices(people.alpha_user):
        assert client.get(f"/notifications/{notice.id}").status_code == 404
        assert client.post(f"/notifications/{notice.id}/read").status_code == 404

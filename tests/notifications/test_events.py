"""Who is told of what: new cases, participant replies, assignment, mentions, colleagues' replies."""

from askiso.cases import services as case_services
from askiso.extensions import db
from askiso.notifications.hooks import mentioned_handles
from askiso.staff import services as staff_services
from tests.notifications.helpers import join_queue, kinds_of, mails, new_case, notices


def test_a_new_case_tells_the_queue_in_the_app_and_by_email(app, people):
    join_queue(people.agent)
    case = new_case(people.alpha_user, people.alpha)
    [notice] = notices(people.agent)
    assert notice.kind == "new_case" and notice.case_id == case.id and notice.read_at is None
    assert notice.summary.startswith("New case in ")
    [mail] = mails(people.agent, "notice_new_case")
    assert case.number in mail.subject and f"/staff/cases/{case.number}" in mail.body_text
    # Not in the queue: not told. The submitter gets the receipt, not a notice.
    assert notices(people.supervisor) == [] and notices(people.alpha_user) == []


def test_a_participant_reply_on_an_unassigned_case_tells_the_queue(app, people):
    join_queue(people.agent)
    join_queue(people.supervisor)
    case = new_case(people.alpha_user, people.alpha)
    case_services.add_message(case, people.alpha_user, "Here is the statement.")
    db.session.commit()
    assert kinds_of(people.agent) == ["new_case", "participant_reply"]
    assert kinds_of(people.supervisor) == ["new_case", "participant_reply"]
    [mail] = mails(people.agent, "notice_participant_reply")
    assert "Ann User replied" in mail.subject and "Here is the statement." in mail.body_text


def test_a_participant_reply_on_an_assigned_case_tells_only_the_assignee(app, people):
    join_queue(people.agent)
    join_queue(people.supervisor)
    case = new_case(people.alpha_user, people.alpha)
    staff_services.assign(case, people.supervisor, people.agent.id)
    case_services.add_message(case, people.alpha_user, "Any news?")
    db.session.commit()
    assert kinds_of(people.agent) == ["new_case", "assigned", "participant_reply"]
    assert kinds_of(people.supervisor) == ["new_case"]
    [assigned] = notices(people.agent, "assigned")
    assert assigned.summary == "Sam Supervisor assigned the case to you"


def test_taking_a_case_yourself_tells_nobody(app, people):
    case = new_case(people.alpha_user, people.alpha)
    staff_services.take(case, people.agent)
    db.session.commit()
    assert notices(kind="assigned") == []


def test_staff_replies_and_notes_do_not_notify_staff_of_a_participant_reply(app, people):
    join_queue(people.agent)
    case = new_case(people.alpha_user, people.alpha)
    case_services.add_message(case, people.supervisor, "We are looking into it.")
    case_services.add_message(case, people.supervisor, "Checked with Settlements.", internal=True)
    db.session.commit()
    assert kinds_of(people.agent) == ["new_case"]


def test_contacts_hear_the_submitters_reply_and_the_submitter_a_contacts(app, people):
    case = new_case(people.alpha_user, people.alpha)
    case_services.add_contact(case, people.alpha_user, people.alpha_colleague)
    db.session.commit()
    case_services.add_message(case, people.alpha_user, "Adding Carl, who has the meter data.")
    db.session.commit()
    assert kinds_of(people.alpha_colleague) == ["colleague_reply"]
    assert kinds_of(people.alpha_user) == []  # never one's own words
    [mail] = mails(people.alpha_colleague, "notice_colleague_reply")
    assert f"/cases/{case.number}" in mail.body_text and "/staff/" not in mail.body_text
    case_services.add_message(case, people.alpha_colleague, "Attached the corrected data.")
    db.session.commit()
    assert kinds_of(people.alpha_user) == ["colleague_reply"]
    assert kinds_of(people.alpha_colleague) == ["colleague_reply"]
    assert mails(people.alpha_user, "notice_colleague_reply")[0].subject.startswith(f"[{case.number}] Carl")


def test_an_internal_mention_tells_the_staff_member_named(app, people):
    case = new_case(people.alpha_user, people.alpha)
    case_services.add_message(case, people.agent, "@sam.supervisor please check the amount; cc @admin", internal=True)
    db.session.commit()
    assert kinds_of(people.supervisor) == ["mention"] and kinds_of(people.admin) == ["mention"]
    assert kinds_of(people.agent) == []
    [mail] = mails(people.supervisor, "notice_mention")
    assert "Alex Agent mentioned you" in mail.subject and "please check" not in mail.body_text


def test_mentioning_yourself_or_a_participant_tells_nobody(app, people):
    case = new_case(people.alpha_user, people.alpha)
    case_services.add_message(case, people.agent, "note to @agent and to @ann.user", internal=True)
    db.session.commit()
    assert notices() == [] and mails(kind="notice_mention") == []


def test_mention_handles():
    assert mentioned_handles("Hi @Morgan.Agent, and @agent2. Mail me at x@iso.test") == ["morgan.agent", "agent2"]
    assert mentioned_handles("no mentions here") == []


def test_an_api_reply_notifies_like_a_page_reply(app, people, client):
    from askiso.api.tokens import create_token

    join_queue(people.agent)
    case = new_case(people.alpha_user, people.alpha)
    _, token = create_token(people.alpha_user, "test")
    db.session.commit()
    response = client.post(
        f"/api/v1/cases/{case.number}/messages",
        json={"body": "Sent through the API."},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 201, response.json
    assert kinds_of(people.agent) == ["new_case", "participant_reply"]


def test_an_unassigned_case_moved_to_another_queue_is_new_there(app, people):
    join_queue(people.agent, "billing_dispute")
    join_queue(people.supervisor)
    case = new_case(people.alpha_user, people.alpha)
    staff_services.transfer(case, people.supervisor, join_queue(people.admin, "billing_dispute").id)
    db.session.commit()
    [moved] = notices(people.agent)
    assert moved.kind == "new_case" and moved.summary == "Sam Supervisor moved the case to Settlements"
    assert kinds_of(people.admin) == ["new_case"] and kinds_of(people.supervisor) == ["new_case"]

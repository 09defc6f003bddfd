"""From the attacker's side: a notice is only ever for someone who may see its case, now."""

import pytest

from askiso.cams.models import Membership
from askiso.cases import services as case_services
from askiso.extensions import db
from tests.notifications.helpers import join_queue, mails, new_case, notices


def _colleague_notice(people):
    case = new_case(people.alpha_user, people.alpha)
    case_services.add_contact(case, people.alpha_user, people.alpha_colleague)
    case_services.add_message(case, people.alpha_user, "For Carl")
    db.session.commit()
    [notice] = notices(people.alpha_colleague)
    return case, notice


def _end_membership(user, participant):
    membership = db.session.query(Membership).filter_by(user_id=user.id, participant_id=participant.id).one()
    membership.is_active = False
    db.session.commit()


def test_a_former_members_notice_disappears_and_cannot_be_opened(app, people, client_for):
    case, notice = _colleague_notice(people)
    client = client_for(people.alpha_colleague)
    assert case.number in client.get("/notifications/").get_data(as_text=True)
    assert client.get("/notifications/count").json["unread"] == 1
    _end_membership(people.alpha_colleague, people.alpha)
    page = client.get("/notifications/").get_data(as_text=True)
    assert case.number not in page and case.subject not in page and "For Carl" not in page
    assert client.get("/notifications/count").json["unread"] == 0
    assert 'aria-label="Notifications"' in client.get("/account/").get_data(as_text=True)
    assert client.get(f"/notifications/{notice.id}").status_code == 404
    assert client.post(f"/notifications/{notice.id}/read").status_code == 404


def test_a_former_member_is_not_told_of_later_replies(app, people):
    case, _ = _colleague_notice(people)
    _end_membership(people.alpha_colleague, people.alpha)
    case_services.add_message(case, people.alpha_user, "Second message")
    db.session.commit()
    assert len(notices(people.alpha_colleague)) == 1
    assert len(mails(people.alpha_colleague, "notice_colleague_reply")) == 1


@pytest.mark.parametrize("who", ["beta_user", "alpha_user", "agent", "former"])
def test_a_guessed_notice_id_of_someone_else_is_404(app, people, client_for, who):
    _, notice = _colleague_notice(people)
    client = client_for(getattr(people, who))
    assert client.get(f"/notifications/{notice.id}").status_code == 404
    assert client.post(f"/notifications/{notice.id}/read").status_code == 404
    assert client.get("/notifications/999999").status_code == 404
    client.post("/notifications/read-all")
    db.session.expire_all()
    assert db.session.get(type(notice), notice.id).read_at is None


def test_someone_elses_notices_are_never_listed_or_counted(app, people, client_for):
    case, _ = _colleague_notice(people)
    for who in ("beta_user", "alpha_user", "alpha_manager"):
        client = client_for(getattr(people, who))
        assert case.number not in client.get("/notifications/").get_data(as_text=True)
        assert client.get("/notifications/count").json["unread"] == 0


def test_an_internal_note_never_notifies_a_participant(app, people):
    case = new_case(people.alpha_user, people.alpha)
    case_services.add_contact(case, people.alpha_user, people.alpha_colleague)
    db.session.commit()
    case_services.add_message(case, people.agent, "@ann.user @carl.colleague @meg.manager secret", internal=True)
    db.session.commit()
    assert notices() == []
    assert all("secret" not in m.body_text for m in mails())


def test_an_agent_restricted_to_other_queues_is_not_told(app, people):
    app.config["STAFF_RESTRICT_TO_QUEUES"] = True
    try:
        case = new_case(people.alpha_user, people.alpha)
        case_services.add_message(case, people.supervisor, "@agent have a look", internal=True)
        db.session.commit()
        assert notices(people.agent) == [] and mails(people.agent) == []
    finally:
        app.config["STAFF_RESTRICT_TO_QUEUES"] = False


def test_a_participant_reply_never_tells_another_companys_people(app, people):
    join_queue(people.agent)
    case = new_case(people.both, people.alpha)
    case_services.add_message(case, people.both, "A reply")
    db.session.commit()
    told = {n.user_id for n in notices()}
    assert told == {people.agent.id}
    assert {m.recipient_user_id for m in mails() if m.kind.startswith("notice_")} == {people.agent.id}


def test_the_rule_asked_for_many_people_at_once_answers_as_for_each(app, people):
    from askiso.visibility import case_mail_recipients

    case, _ = _colleague_notice(people)
    cast = [
        people.alpha_colleague,
        people.beta_user,
        people.former,
        people.alpha_manager,
        people.both,
        people.alpha_sa,
        people.outsider,
        people.alpha_user,
        people.agent,
    ]
    with app.test_request_context("/"):
        together = case_mail_recipients(case, cast)
    one_by_one = [p for p in cast if case_mail_recipients(case, [p])]
    assert together == one_by_one
    assert {p.id for p in together} == {
        people.alpha_colleague.id,
        people.alpha_manager.id,
        people.alpha_user.id,
        people.agent.id,
    }

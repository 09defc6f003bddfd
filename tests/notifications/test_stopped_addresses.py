"""An address that said "stop" gets its notices in the app and no emails: read with the recipients."""

from askiso.cases import services as case_services
from askiso.cases.models import CaseContact, Queue
from askiso.extensions import db
from askiso.mail.suppression import suppress
from askiso.staff import services as staff_services
from tests.notifications.helpers import join_queue, kinds_of, mails, new_case, notices


def _stop(*people):
    for person in people:
        suppress(person.email.upper())  # stored lower-case, as the stop page does
    db.session.commit()


def test_a_new_case_mails_the_queue_but_the_stopped(app, people):
    queue = join_queue(people.agent)
    join_queue(people.supervisor)
    _stop(people.supervisor)
    case = new_case(people.alpha_user, people.alpha)
    assert kinds_of(people.agent) == kinds_of(people.supervisor) == ["new_case"]
    assert notices(people.agent)[0].summary == f"New case in {db.session.get(Queue, queue.id).name}"
    assert [m.case_id for m in mails(people.agent, "notice_new_case")] == [case.id]
    assert mails(people.supervisor) == []


def test_a_participant_reply_mails_neither_a_stopped_assignee_nor_a_stopped_contact(app, people):
    case = new_case(people.alpha_user, people.alpha)
    staff_services.assign(case, people.agent, people.agent.id)
    db.session.add(CaseContact(case_id=case.id, user_id=people.alpha_colleague.id))
    db.session.commit()
    _stop(people.agent, people.alpha_colleague)
    case_services.add_message(case, people.alpha_user, "Here is the statement.")
    db.session.commit()
    assert kinds_of(people.agent)[-1] == "participant_reply"
    assert kinds_of(people.alpha_colleague) == ["colleague_reply"]
    assert mails(people.agent, "notice_participant_reply") == []
    assert mails(people.alpha_colleague) == []

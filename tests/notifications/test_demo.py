"""The issue's "Done when", in the demo: the billing-disputes queue's agent hears of a new dispute and
of the participant's reply, in the app and by email; a colleague on the case as a contact too."""

from sqlalchemy import select

from askiso.auth.models import User, user_by_email
from askiso.cams.models import Participant
from askiso.cases import services as case_services
from askiso.cases.demo import DEMO_CASES
from askiso.demo.data import load_demo
from askiso.extensions import db
from tests.notifications.helpers import kinds_of, mails, queue_of


def _billing_fields():
    return next(spec[6] for spec in DEMO_CASES if spec[3] == "billing_dispute")


def test_the_billing_disputes_queue_has_an_agent_in_the_demo(app):
    load_demo()
    queue = queue_of("billing_dispute")
    agents = db.session.scalars(
        select(User).where(User.id.in_([m.user_id for m in queue.members]), User.staff_role == "agent")
    ).all()
    assert agents, f"no demo agent in {queue.key}"


def test_done_when_in_the_demo(app):
    load_demo()
    grace = user_by_email("grace.user@granitestate.test")
    chris = user_by_email("chris.consultant@gridconsult.test")
    morgan = user_by_email("agent2@askiso.test")
    gsp = db.session.scalar(select(Participant).where(Participant.code == "GSP"))
    # The demo's own cases have told Chris and Grace of ISO support's replies already.
    chris_before, grace_before = len(kinds_of(chris)), len(kinds_of(grace))
    case = case_services.create_case(
        grace,
        case_services.NewCase(
            request_type_key="billing_dispute",
            subject="Dispute of the RT energy charge for March 3",
            description="The statement charges hours we did not run.",
            participant_id=gsp.id,
            field_values=_billing_fields(),
        ),
    )
    db.session.commit()
    assert kinds_of(morgan) == ["new_case"] and len(mails(morgan, "notice_new_case")) == 1
    case_services.add_contact(case, grace, chris)
    case_services.add_message(case, grace, "Adding the corrected meter data.")
    db.session.commit()
    assert kinds_of(morgan) == ["new_case", "participant_reply"]
    assert len(mails(morgan, "notice_participant_reply")) == 1
    assert kinds_of(chris)[chris_before:] == ["colleague_reply"] and len(mails(chris, "notice_colleague_reply")) == 1
    assert kinds_of(grace)[grace_before:] == []

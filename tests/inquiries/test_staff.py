"""Staff see who sent an inquiry and can file it under a participant later."""

from sqlalchemy import select

from askiso.audit.models import AuditEvent
from askiso.cases.models import Case
from askiso.extensions import db
from askiso.visibility import visible_cases
from tests.inquiries.conftest import VISITOR, submit_and_confirm


def _visible(user, case):
    return case.id in db.session.scalars(visible_cases(user).with_only_columns(Case.id)).all()


def test_staff_list_and_contact_card(app, client, people, client_for):
    case, _ = submit_and_confirm(client)
    staff = client_for(people.agent)
    listing = staff.get("/staff/inquiries").get_data(as_text=True)
    assert case.number in listing and "Non-participant" in listing and VISITOR in listing
    card = staff.get(f"/staff/inquiries/{case.number}").get_data(as_text=True)
    assert "Grid Research Institute" in card and "Vera Visitor" in card


def test_non_staff_cannot_reach_staff_inquiry_pages(app, client, people, client_for):
    case, _ = submit_and_confirm(client)
    for person in (people.alpha_user, people.outsider, people.alpha_manager):
        signed_in = client_for(person)
        assert signed_in.get("/staff/inquiries").status_code == 404
        assert signed_in.get(f"/staff/inquiries/{case.number}").status_code == 404
        response = signed_in.post(f"/staff/inquiries/{case.number}/link-participant", data={"code": "ALPHA"})
        assert response.status_code == 404
    db.session.refresh(case)
    assert case.participant_id is None


def test_linking_to_a_participant_is_audited_and_follows_its_rules(app, client, people, client_for):
    case, tracking = submit_and_confirm(client)
    assert not _visible(people.alpha_manager, case)
    staff = client_for(people.agent)
    bad = staff.post(f"/staff/inquiries/{case.number}/link-participant", data={"code": "NOPE"})
    assert bad.status_code == 400 and "No participant has that code" in bad.get_data(as_text=True)
    ok = staff.post(f"/staff/inquiries/{case.number}/link-participant", data={"code": "alpha"})
    assert ok.status_code == 302
    db.session.rollback()
    db.session.refresh(case)
    assert case.participant_id == people.alpha.id
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "inquiries.participant_linked"))
    assert event.actor_id == people.agent.id and event.case_id == case.id
    assert _visible(people.alpha_manager, case)  # External Manager of Alpha now sees it
    assert not _visible(people.beta_manager, case) and not _visible(people.alpha_user, case)
    again = staff.post(f"/staff/inquiries/{case.number}/link-participant", data={"code": "BETA"})
    assert again.status_code == 400
    assert client.get(f"/inquiries/t/{tracking}").status_code == 200  # the inquirer still follows it


def test_outsider_account_sees_no_participant_case_and_no_strangers_inquiry(app, client, people, client_for):
    from tests.cases.helpers import new_case

    theirs = new_case(people.alpha_user, people.alpha)
    inquiry, _ = submit_and_confirm(client)
    assert not _visible(people.outsider, theirs) and not _visible(people.outsider, inquiry)
    outsider = client_for(people.outsider)
    for number in (theirs.number, inquiry.number):
        assert outsider.get(f"/staff/inquiries/{number}").status_code == 404
        assert outsider.get(f"/inquiries/t/{number}").status_code == 404

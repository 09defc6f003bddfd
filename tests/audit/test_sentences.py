"""Audit events as sentences: names not ids, the device summarised, no action keys or JSON."""

import re

from sqlalchemy import select

from askiso.audit.models import AuditEvent
from askiso.audit.sentences import sentences
from askiso.audit.services import record
from askiso.cases import services as case_services
from askiso.extensions import db
from tests.staff.helpers import new_case, queue
from tests.statements import recorded_statements

FIREFOX = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0"


def _events(case):
    return db.session.scalars(select(AuditEvent).where(AuditEvent.case_id == case.id).order_by(AuditEvent.id)).all()


def test_assignment_priority_and_transfer_read_as_sentences(app, people):
    case = new_case(people.alpha_user, people.alpha)
    case_services.update_case(case, people.agent, assignee_id=people.supervisor.id)
    case_services.update_case(case, people.agent, priority="high")
    case_services.update_case(case, people.agent, queue_id=queue("settlements").id)
    case_services.update_case(case, people.agent, assignee_id=None)
    db.session.commit()
    texts = [(s.text, s.details) for s in sentences(_events(case))]
    assert (f"{people.alpha_user.name} filed the case", ["From: the website"]) in texts
    assert ("Alex Agent assigned the case to Sam Supervisor", []) in texts
    assert ("Alex Agent changed the priority", ["Priority: Normal → High"]) in texts
    assert any(t.startswith("Alex Agent transferred the case from ") and t.endswith(" to Settlements")
               for t, _ in texts), texts
    assert ("Alex Agent unassigned the case (it was with Sam Supervisor)", []) in texts


def test_several_changes_in_one_event_list_each_with_names(app, people):
    case = new_case(people.alpha_user, people.alpha)
    case_services.update_case(case, people.agent, assignee_id=people.agent.id, priority="urgent")
    db.session.commit()
    said = sentences(_events(case))[-1]
    assert said.text == "Alex Agent updated the case"
    assert said.details == ["Assignee: Unassigned → Alex Agent", "Priority: Normal → Urgent"]


def test_status_change_and_device(app, people):
    case = new_case(people.alpha_user, people.alpha)
    with app.test_request_context("/", headers={"User-Agent": FIREFOX}, environ_base={"REMOTE_ADDR": "203.0.113.9"}):
        case_services.change_status(case, people.agent, "in_progress")
    db.session.commit()
    said = sentences(_events(case))[-1]
    assert said.text == "Alex Agent changed the status"
    assert said.details[0] == "Status: New → In Progress"
    assert said.device == "Firefox 128 on Windows 10" and said.address == "203.0.113.9"


def test_unknown_actions_and_nested_details_never_show_keys_or_json(app, people):
    record("staff.macro_created", people.admin, name="Ask for meter data", steps=["status", "priority"],
           before={"name": "A", "phone": "1"}, after={"name": "B", "phone": "1"})
    record("auth.login", people.agent, method="password")
    db.session.commit()
    told = sentences(db.session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all())
    macro, login = told[-2], told[-1]
    assert macro.text == "Avery Admin: macro created"
    assert "Name: A → B" in macro.details and "Steps: status, priority" in macro.details
    assert login.text == "Alex Agent signed in" and login.details == ["Method: password"]
    for said in told:
        shown = " ".join([said.text, *said.details])
        assert "{" not in shown and "staff.macro" not in shown and not re.search(r"_id\b", shown)


def test_names_are_read_in_a_constant_number_of_statements(app, people):
    cases = [new_case(people.alpha_user, people.alpha) for _ in range(3)]
    for case in cases:
        case_services.update_case(case, people.agent, assignee_id=people.agent.id, queue_id=queue("settlements").id)
    db.session.commit()
    events = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
    for event in events:
        _ = event.actor, event.subject_user, event.participant
    with recorded_statements() as seen:
        sentences(events)
    assert len(seen) <= 2  # users and queues, once each


def test_audit_page_shows_sentences_and_fits(app, people, client_for):
    case = new_case(people.alpha_user, people.alpha)
    case_services.update_case(case, people.agent, assignee_id=people.supervisor.id)
    db.session.commit()
    html = client_for(people.admin).get("/staff/audit/").get_data(as_text=True)
    assert "Alex Agent assigned the case to Sam Supervisor" in html
    assert case.number in html
    assert "case.updated" not in html and "assignee_id" not in html and "&#34;" not in html
    only_cases = client_for(people.admin).get("/staff/audit/?action=case.").get_data(as_text=True)
    assert "signed in" not in only_cases and "assigned the case" in only_cases


def test_audit_page_is_for_admins_only(app, people, client_for):
    assert client_for(people.agent).get("/staff/audit/").status_code == 403
    assert client_for(people.alpha_user).get("/staff/audit/").status_code == 404

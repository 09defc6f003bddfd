"""Macros: applied in one click on the case page; shared ones by admins, personal ones by their owner."""

from sqlalchemy import select

from askiso.cases.models import Message
from askiso.extensions import db
from askiso.staff.macros import Macro
from tests.staff.helpers import composer_form, new_case, queue


def _macro(owner=None, **values):
    macro = Macro(
        name=values.pop("name", "Ask for the statement"),
        owner_id=owner.id if owner else None,
        body=values.pop("body", "Hi {requester_first_name}, please send the statement."),
        **values,
    )
    db.session.add(macro)
    db.session.commit()
    return macro


def _apply(client, case, macro_id, **extra):
    html = client.get(f"/staff/cases/{case.number}").get_data(as_text=True)
    data = composer_form(html, macro=str(macro_id), **extra)
    return client.post(f"/staff/cases/{case.number}/reply", data=data)


def test_a_macro_does_everything_in_one_click(app, people, client_for):
    case = new_case(people.alpha_user, people.alpha)
    macro = _macro(status="waiting", priority="high", queue_id=queue("settlements").id, assign_to="me")
    client = client_for(people.agent)
    assert "Ask for the statement" in client.get(f"/staff/cases/{case.number}").get_data(as_text=True)
    response = _apply(client, case, macro.id)
    assert response.status_code == 302
    db.session.refresh(case)
    assert (case.status, case.priority, case.queue.key, case.assignee_id) == (
        "waiting",
        "high",
        "settlements",
        people.agent.id,
    )
    message = db.session.scalar(select(Message).where(Message.case_id == case.id))
    assert message.body == "Hi Ann, please send the statement." and not message.is_internal
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Macro “Ask for the statement” applied." in page


def test_a_macro_adds_its_text_after_what_was_typed_and_can_be_a_note(app, people, client_for):
    case = new_case(people.alpha_user, people.alpha)
    macro = _macro(body="Escalating to settlements.", is_internal=True, priority="urgent")
    _apply(client_for(people.agent), case, macro.id, **{"reply-body": "Checked the meter data."})
    message = db.session.scalar(select(Message).where(Message.case_id == case.id))
    assert message.is_internal and message.body == "Checked the meter data.\n\nEscalating to settlements."
    db.session.refresh(case)
    assert case.priority == "urgent"


def test_another_agents_personal_macro_cannot_be_seen_or_applied(app, people, client_for):
    from tests import factories

    colleague = factories.make_user("morgan@iso.test", "Morgan Agent", staff_role="agent")
    db.session.commit()
    case = new_case(people.alpha_user, people.alpha)
    mine = _macro(owner=colleague, name="Morgan's own", status="resolved")
    client = client_for(people.agent)
    assert "Morgan&#39;s own" not in client.get(f"/staff/cases/{case.number}").get_data(as_text=True)
    response = _apply(client, case, mine.id)
    assert response.status_code == 400 and "That macro is not available to you." in response.get_data(as_text=True)
    db.session.refresh(case)
    assert case.status == "new"
    assert client.get(f"/staff/macros/{mine.id}").status_code == 404
    assert client.post(f"/staff/macros/{mine.id}/delete").status_code == 404
    assert "Morgan&#39;s own" in client_for(colleague).get(f"/staff/cases/{case.number}").get_data(as_text=True)


def test_agents_manage_their_own_macros_and_only_admins_share(app, people, client_for):
    agent = client_for(people.agent)
    form = {
        "name": "Resolve politely",
        "body": "Glad it is sorted.",
        "status": "resolved",
        "priority": "",
        "queue_id": "",
        "assign_to": "",
        "assignee_id": "",
        "is_active": "y",
        "is_shared": "y",
    }
    assert agent.post("/staff/macros/new", data=form).status_code == 302
    made = db.session.scalar(select(Macro).where(Macro.name == "Resolve politely"))
    assert made.owner_id == people.agent.id  # an agent cannot share
    listing = agent.get("/staff/macros").get_data(as_text=True)
    assert "Resolve politely" in listing and "Public reply; status Resolved" in listing
    shared = _macro(name="Team macro", status="waiting")
    assert agent.get(f"/staff/macros/{shared.id}").status_code == 404
    assert agent.post(f"/staff/macros/{shared.id}/delete").status_code == 404
    admin = client_for(people.admin)
    assert admin.post(f"/staff/macros/{shared.id}", data={**form, "name": "Team macro v2"}).status_code == 302
    db.session.refresh(shared)
    assert shared.name == "Team macro v2" and shared.owner_id is None
    assert admin.get(f"/staff/macros/{made.id}").status_code == 404  # an admin does not edit an agent's own
    assert agent.post(f"/staff/macros/{made.id}/delete").status_code == 302
    assert db.session.get(Macro, made.id) is None


def test_a_macro_that_does_nothing_is_refused_with_everything_kept(app, people, client_for):
    form = {
        "name": "Empty",
        "body": "",
        "status": "",
        "priority": "",
        "queue_id": "",
        "assign_to": "",
        "assignee_id": "",
        "is_active": "y",
    }
    response = client_for(people.agent).post("/staff/macros/new", data=form)
    assert response.status_code == 400
    assert "A macro must do something" in response.get_data(as_text=True)
    assert db.session.scalar(select(Macro)) is None


def test_participants_cannot_reach_macros(app, people, client_for):
    macro = _macro()
    client = client_for(people.alpha_user)
    for url in ("/staff/macros", "/staff/macros/new", f"/staff/macros/{macro.id}"):
        assert client.get(url).status_code == 404

"""The case history page reads as sentences, mixed with the messages, in constant statements."""

from askiso.cases import services as case_services
from askiso.extensions import db
from tests.staff.helpers import new_case, staff_reply
from tests.statements import recorded_statements


def test_history_reads_as_sentences(app, people, client_for):
    case = new_case(people.alpha_user, people.alpha)
    case_services.update_case(case, people.agent, assignee_id=people.supervisor.id)
    case_services.update_case(case, people.agent, priority="high")
    staff_reply(case, people.agent, "Checking the meter data", internal=True)
    html = client_for(people.agent).get(f"/staff/cases/{case.number}/history").get_data(as_text=True)
    assert "Alex Agent assigned the case to Sam Supervisor" in html
    assert "Priority: Normal → High" in html
    assert "Alex Agent added an internal note" in html and "Checking the meter data" in html
    assert "assignee_id" not in html and "case.updated" not in html


def test_history_statements_do_not_grow_with_events(app, people, client_for):
    case = new_case(people.alpha_user, people.alpha)
    client = client_for(people.agent)
    url = f"/staff/cases/{case.number}/history"
    client.get(url)

    def statements():
        with recorded_statements() as seen:
            assert client.get(url).status_code == 200
        return len(seen)

    few = statements()
    for priority in ("high", "low", "urgent"):
        case_services.update_case(case, people.agent, priority=priority, assignee_id=people.agent.id)
        case_services.update_case(case, people.agent, assignee_id=people.supervisor.id)
        staff_reply(case, people.agent, f"Note {priority}", internal=True)
    db.session.commit()
    assert statements() <= few + 1  # the users' names, read once however many changes

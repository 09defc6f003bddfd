"""The staff case list: filters, keyset pages, saved views, bulk actions, CSV."""

import csv
import io
import re
from datetime import datetime, timedelta

from sqlalchemy import select

from askiso.audit.models import AuditEvent
from askiso.cases.models import Case
from askiso.extensions import db
from askiso.staff import caselist
from askiso.staff.models import SavedView
from tests.staff.helpers import new_case, queue


def _numbers(html):
    return re.findall(r'href="/staff/cases/(AI-\d{4}-\d+)"', html)


def test_filters(app, people, client_for):
    a = new_case(people.alpha_user, people.alpha, subject="Alpha settlement")
    b = new_case(people.beta_user, people.beta, subject="Beta access")
    inquiry = new_case(people.outsider, None, subject="General inquiry")
    b.priority, b.assignee_id = "urgent", people.agent.id
    b.queue_id = queue("settlements").id
    db.session.commit()
    client = client_for(people.agent)

    def found(**args):
        return set(_numbers(client.get("/staff/cases", query_string=args).get_data(as_text=True)))

    assert found() == {a.number, b.number, inquiry.number}
    assert found(participant="alpha") == {a.number}
    assert found(non_participant="1") == {inquiry.number}
    assert found(priority="urgent") == {b.number}
    assert found(assignee="me") == {b.number}
    assert found(assignee="unassigned") == {a.number, inquiry.number}
    assert found(queue=str(queue("settlements").id)) == {b.number}
    assert found(q="settle") == {a.number}
    assert found(q=a.number) == {a.number}
    assert found(q="100%") == set()
    assert found(request_type="general_question") == {a.number, b.number, inquiry.number}
    assert found(status="closed") == set()
    today = datetime.now().date()
    assert found(received_from=(today + timedelta(days=2)).isoformat()) == set()
    assert found(received_to=(today + timedelta(days=2)).isoformat()) == {a.number, b.number, inquiry.number}
    bad = client.get("/staff/cases?received_from=31/12/2026").get_data(as_text=True)
    assert "Use a date like" in bad


def test_keyset_pages_cover_every_case_once(app, people):
    cases = [new_case(people.alpha_user, people.alpha, subject=f"Case {i}", commit=False) for i in range(7)]
    cases[2].resolution_due_at = None  # a case without a due time sorts last
    cases[4].resolution_due_at = cases[3].resolution_due_at  # ties broken by id
    db.session.commit()
    for sort in caselist.SORTS:
        f = caselist.parse_filters({"sort": sort})
        seen, cursor = [], None
        while True:
            rows, cursor = caselist.page(people.agent, f, cursor, size=2)
            seen += [r.number for r in rows]
            if cursor is None:
                break
        assert sorted(seen) == sorted(c.number for c in cases), sort
        assert len(seen) == len(set(seen)), sort
    f = caselist.parse_filters({})
    first, _ = caselist.page(people.agent, f, None, size=10)
    assert first[-1].number == cases[2].number


def test_bad_cursor_starts_over(app, people, client_for):
    new_case(people.alpha_user, people.alpha)
    assert client_for(people.agent).get("/staff/cases?after=!!garbage").status_code == 200


def test_saved_views(app, people, client_for):
    client = client_for(people.agent)
    response = client.post("/staff/views", data={"name": "Urgent alpha", "query_string": "participant=ALPHA"})
    assert response.status_code == 302
    view = db.session.scalar(select(SavedView))
    assert (view.user_id, view.query_string) == (people.agent.id, "participant=ALPHA")
    assert "Urgent alpha" in client.get("/staff/cases").get_data(as_text=True)
    # Another person neither sees nor deletes it.
    other = client_for(people.supervisor)
    assert "Urgent alpha" not in other.get("/staff/cases").get_data(as_text=True)
    assert other.post(f"/staff/views/{view.id}/delete").status_code == 404
    assert client.post(f"/staff/views/{view.id}/delete").status_code == 302
    assert db.session.scalar(select(SavedView)) is None


def test_bulk_actions_and_stale_rows(app, people, client_for):
    a = new_case(people.alpha_user, people.alpha)
    b = new_case(people.alpha_user, people.alpha)
    stale_b = b.version
    b.priority = "low"
    db.session.commit()  # b changed after the list was loaded
    client = client_for(people.agent)
    response = client.post("/staff/cases/bulk", data={
        "selected": [f"{a.number}:{a.version}", f"{b.number}:{stale_b}"], "action": "priority",
        "value_priority": "high"}, follow_redirects=True)
    html = response.get_data(as_text=True)
    assert "Updated 1 case(s)" in html and "someone changed them" in html and b.number in html
    db.session.expire_all()
    assert db.session.get(Case, a.id).priority == "high" and db.session.get(Case, b.id).priority == "low"
    a = db.session.get(Case, a.id)
    b = db.session.get(Case, b.id)
    client.post("/staff/cases/bulk", data={"selected": [f"{a.number}:{a.version}", f"{b.number}:{b.version}"],
                                           "action": "assign", "value_assign": "me"})
    db.session.expire_all()
    assert {db.session.get(Case, i).assignee_id for i in (a.id, b.id)} == {people.agent.id}
    a, b = db.session.get(Case, a.id), db.session.get(Case, b.id)
    client.post("/staff/cases/bulk", data={"selected": [f"{a.number}:{a.version}", f"{b.number}:{b.version}"],
                                           "action": "queue", "value_queue": str(queue("credit").id)})
    a, b = db.session.get(Case, a.id), db.session.get(Case, b.id)
    db.session.refresh(a)
    db.session.refresh(b)
    client.post("/staff/cases/bulk", data={"selected": [f"{a.number}:{a.version}", f"{b.number}:{b.version}"],
                                           "action": "status", "value_status": "resolved"})
    db.session.expire_all()
    for case_id in (a.id, b.id):
        case = db.session.get(Case, case_id)
        assert (case.queue.key, case.status) == ("credit", "resolved")
    updates = db.session.scalars(select(AuditEvent.action).where(AuditEvent.case_id == a.id)).all()
    assert updates.count("case.updated") == 3 and "case.status_changed" in updates


def test_bulk_refuses_bad_transition_per_row(app, people, client_for):
    from askiso.cases.services import change_status

    a = new_case(people.alpha_user, people.alpha)
    change_status(a, people.agent, "closed", reason="done")
    db.session.commit()
    response = client_for(people.agent).post("/staff/cases/bulk", data={
        "selected": [f"{a.number}:{a.version}"], "action": "status", "value_status": "resolved"},
        follow_redirects=True)
    assert "cannot become that status" in response.get_data(as_text=True)


def test_csv_export_of_the_current_view(app, people, client_for):
    a = new_case(people.alpha_user, people.alpha, subject="=HYPERLINK(\"http://evil\")")
    new_case(people.beta_user, people.beta, subject="Beta thing")
    response = client_for(people.agent).get("/staff/cases.csv?participant=ALPHA")
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0][:3] == ["Number", "Subject", "Participant"]
    assert len(rows) == 2
    assert rows[1][0] == a.number and rows[1][1].startswith("'=") and rows[1][2] == "ALPHA"


def test_home_counts(app, people, client_for):
    from askiso.cases.models import QueueMember

    db.session.add(QueueMember(queue_id=queue("participant_support").id, user_id=people.agent.id))
    mine = new_case(people.alpha_user, people.alpha, subject="Mine")
    new_case(people.alpha_user, people.alpha, subject="Free one")
    mine.assignee_id = people.agent.id
    db.session.commit()
    html = client_for(people.agent).get("/staff").get_data(as_text=True)
    assert "My open cases: <strong>1</strong>" in html
    assert "Unassigned in my queues: <strong>1</strong>" in html


def test_participant_cases_page(app, people, client_for):
    a = new_case(people.alpha_user, people.alpha, subject="Alpha one")
    new_case(people.beta_user, people.beta, subject="Beta one")
    html = client_for(people.agent).get("/staff/participants/alpha/cases").get_data(as_text=True)
    assert a.number in html and "Beta one" not in html
    assert "Meg Manager" in html and "Ask ISO/External Manager" in html and "Security Administrator" in html
    assert client_for(people.agent).get("/staff/participants/NOPE/cases").status_code == 404

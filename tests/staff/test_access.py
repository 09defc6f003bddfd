"""Who may reach the staff workspace, and what agents restricted to queues see."""

import pytest

from askiso.cases.models import QueueMember
from askiso.extensions import db
from askiso.staff.models import CannedResponse, Holiday
from tests.factories import make_user
from tests.staff.helpers import new_case, queue

AGENT_PAGES = ["/staff", "/staff/cases", "/staff/cases.csv", "/staff/participants/ALPHA/cases"]
SUPERVISOR_PAGES = ["/staff/reports", "/staff/reports/volume.csv", "/staff/reports/agents.csv", "/staff/admin",
                    "/staff/admin/canned", "/staff/admin/canned/new", "/staff/admin/holidays",
                    "/staff/admin/service-levels"]
ADMIN_PAGES = ["/staff/admin/staff", "/staff/admin/queues", "/staff/admin/queues/new",
               "/staff/admin/request-types", "/staff/admin/request-types/new"]


@pytest.mark.parametrize("who", ["alpha_user", "alpha_manager", "alpha_sa", "outsider", "both"])
def test_non_staff_get_404_everywhere(app, people, client_for, who):
    case = new_case(people.alpha_user, people.alpha)
    client = client_for(getattr(people, who))
    for url in AGENT_PAGES + SUPERVISOR_PAGES + ADMIN_PAGES + [f"/staff/cases/{case.number}",
                                                              f"/staff/cases/{case.number}/history"]:
        assert client.get(url).status_code == 404, url
    assert client.post(f"/staff/cases/{case.number}/reply", data={"kind": "note", "note-body": "x"}).status_code == 404
    assert client.post("/staff/cases/bulk", data={"selected": f"{case.number}:1", "action": "priority",
                                                  "value_priority": "low"}).status_code == 404


def test_signed_out_visitors_are_sent_to_sign_in(app, people, client):
    for url in AGENT_PAGES + SUPERVISOR_PAGES + ADMIN_PAGES:
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response.headers["Location"], url


def test_staff_without_two_factor_cannot_reach_staff_pages(app, people, client_for):
    no_2fa = make_user("new.agent@iso.test", "New Agent", staff_role="admin", totp=False)
    db.session.commit()
    client = client_for(no_2fa)
    for url in AGENT_PAGES + SUPERVISOR_PAGES + ADMIN_PAGES:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response.headers["Location"].endswith("/account/two-factor"), url


def test_agents_cannot_reach_supervisor_or_admin_pages(app, people, client_for):
    client = client_for(people.agent)
    for url in SUPERVISOR_PAGES + ADMIN_PAGES:
        assert client.get(url).status_code == 403, url
    assert client.post("/staff/admin/holidays", data={"day": "2026-12-25", "name": "X"}).status_code == 403
    assert db.session.query(Holiday).count() == 0
    assert client.post("/staff/admin/canned/new", data={"title": "t", "body": "b", "queue_id": 0}).status_code == 403
    assert db.session.query(CannedResponse).count() == 0
    for url in AGENT_PAGES:
        assert client.get(url).status_code == 200, url


def test_supervisors_cannot_reach_admin_pages(app, people, client_for):
    client = client_for(people.supervisor)
    for url in ADMIN_PAGES:
        assert client.get(url).status_code == 403, url
    assert client.post("/staff/admin/staff", data={"email": "x@iso.test", "name": "X", "role": "admin"}
                       ).status_code == 403
    for url in SUPERVISOR_PAGES:
        assert client.get(url).status_code == 200, url


def test_admin_reaches_everything(app, people, client_for):
    client = client_for(people.admin)
    for url in AGENT_PAGES + SUPERVISOR_PAGES + ADMIN_PAGES:
        assert client.get(url).status_code == 200, url


def test_agents_restricted_to_their_queues_get_404_elsewhere(app, people, client_for):
    app.config["STAFF_RESTRICT_TO_QUEUES"] = True
    try:
        db.session.add(QueueMember(queue_id=queue("participant_support").id, user_id=people.agent.id))
        db.session.commit()
        mine = new_case(people.alpha_user, people.alpha, subject="In my queue")
        other = new_case(people.alpha_user, people.alpha, subject="Settlement elsewhere")
        other.queue_id = queue("settlements").id
        db.session.commit()
        client = client_for(people.agent)
        assert client.get(f"/staff/cases/{mine.number}").status_code == 200
        for url in (f"/staff/cases/{other.number}", f"/staff/cases/{other.number}/history"):
            assert client.get(url).status_code == 404, url
        for action in ("take", "priority", "status", "merge"):
            assert client.post(f"/staff/cases/{other.number}/{action}", data={"version": other.version}
                               ).status_code == 404
        assert client.post(f"/staff/cases/{other.number}/reply", data={"kind": "note"}).status_code == 404
        listing = client.get("/staff/cases?status=all").get_data(as_text=True)
        assert "In my queue" in listing and "Settlement elsewhere" not in listing
        assert "Settlement elsewhere" not in client.get("/staff/cases.csv?status=all").get_data(as_text=True)
        assert "Settlement elsewhere" not in client.get("/staff/participants/ALPHA/cases").get_data(as_text=True)
        client.post("/staff/cases/bulk", data={"selected": f"{other.number}:{other.version}", "action": "priority",
                                               "value_priority": "urgent"})
        db.session.refresh(other)
        assert other.priority == "normal"
        # Supervisors still see everything.
        assert client_for(people.supervisor).get(f"/staff/cases/{other.number}").status_code == 200
    finally:
        app.config["STAFF_RESTRICT_TO_QUEUES"] = False

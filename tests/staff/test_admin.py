"""Staff administration: accounts, queues, request types, canned responses, holidays, service levels."""

from sqlalchemy import select

from askiso.audit.models import AuditEvent
from askiso.auth.models import UserSession, user_by_email
from askiso.cases.models import QueueMember, RequestType
from askiso.extensions import db
from askiso.staff.models import CannedResponse, Holiday, ServiceLevelSettings
from tests.staff.helpers import outbox, queue


def _actions():
    return db.session.scalars(select(AuditEvent.action)).all()


def test_create_staff_account_emails_a_set_password_link(app, people, client_for):
    client = client_for(people.admin)
    response = client.post("/staff/admin/staff", data={"email": "New.Agent@ISO.test", "name": "New Agent",
                                                       "role": "agent"})
    assert response.status_code == 302
    user = user_by_email("new.agent@iso.test")
    assert user.staff_role == "agent" and user.password_hash is None
    mail = [m for m in outbox() if m.recipients == ["new.agent@iso.test"]]
    assert len(mail) == 1 and "/password/set/" in mail[0].body_text or "set" in mail[0].body_text.lower()
    assert "staff.account_created" in _actions()
    again = client.post("/staff/admin/staff", data={"email": "new.agent@iso.test", "name": "X", "role": "agent"})
    assert again.status_code == 400 and "already exists" in again.get_data(as_text=True)


def test_change_role_and_deactivate(app, people, client_for):
    client = client_for(people.admin)
    agent_client = client_for(people.agent)
    client.post(f"/staff/admin/staff/{people.agent.id}/role", data={f"u{people.agent.id}-role": "supervisor"})
    db.session.refresh(people.agent)
    assert people.agent.staff_role == "supervisor"
    client.post(f"/staff/admin/staff/{people.agent.id}/active", data={"active": "0"})
    db.session.refresh(people.agent)
    assert people.agent.is_active is False
    assert db.session.scalar(select(UserSession).where(UserSession.user_id == people.agent.id,
                                                       UserSession.ended_at.is_(None))) is None
    assert agent_client.get("/staff").status_code in (302, 404)
    assert {"staff.role_changed", "users.deactivated"} <= set(_actions())
    # An admin cannot lock themselves out.
    client.post(f"/staff/admin/staff/{people.admin.id}/active", data={"active": "0"})
    client.post(f"/staff/admin/staff/{people.admin.id}/role", data={f"u{people.admin.id}-role": "agent"})
    db.session.refresh(people.admin)
    assert people.admin.is_active and people.admin.staff_role == "admin"


def test_queue_and_members(app, people, client_for):
    client = client_for(people.admin)
    response = client.post("/staff/admin/queues/new", data={"part": "queue", "key": "capacity", "name": "Capacity",
                                                            "description": "FCM", "is_active": "y"})
    assert response.status_code == 302
    q = queue("capacity")
    client.post(f"/staff/admin/queues/{q.id}", data={"part": "members", "m-members": [people.agent.id,
                                                                                        people.alpha_user.id]})
    members = db.session.scalars(select(QueueMember.user_id).where(QueueMember.queue_id == q.id)).all()
    assert members == [people.agent.id]  # non-staff are never queue members
    bad = client.post("/staff/admin/queues/new", data={"part": "queue", "key": "Bad Key!", "name": "X"})
    assert bad.status_code == 400 and "lower-case" in bad.get_data(as_text=True)
    assert {"staff.queue_created", "staff.queue_members_changed"} <= set(_actions())


def test_request_type_fields_are_validated(app, people, client_for):
    client = client_for(people.admin)
    data = {"key": "capacity_question", "name": "Capacity question", "description": "",
            "queue_id": queue("participant_support").id, "for_participants": "y", "is_active": "y",
            "specs-0-label": "Auction", "specs-0-type": "choice", "specs-0-required": "y", "specs-0-choices": ""}
    bad = client.post("/staff/admin/request-types/new", data=data)
    assert bad.status_code == 400 and "needs at least two choices" in bad.get_data(as_text=True)
    assert 'value="Auction"' in bad.get_data(as_text=True)  # typed text kept
    data["specs-0-choices"] = "FCA 19\nFCA 20\n"
    assert client.post("/staff/admin/request-types/new", data=data).status_code == 302
    rt = db.session.scalar(select(RequestType).where(RequestType.key == "capacity_question"))
    assert rt.fields == [{"name": "auction", "label": "Auction", "type": "choice", "required": True,
                          "choices": ["FCA 19", "FCA 20"]}]
    edit = client.get(f"/staff/admin/request-types/{rt.id}").get_data(as_text=True)
    assert "FCA 19" in edit


def test_canned_holidays_and_service_levels_by_supervisor(app, people, client_for):
    client = client_for(people.supervisor)
    assert client.post("/staff/admin/canned/new", data={"title": "Thanks", "body": "Hi {requester_first_name}",
                                                        "queue_id": 0, "is_active": "y"}).status_code == 302
    canned = db.session.scalar(select(CannedResponse))
    assert canned.queue_id is None
    assert client.post(f"/staff/admin/canned/{canned.id}/delete").status_code == 302
    assert client.post("/staff/admin/holidays", data={"day": "2026-12-25", "name": "Christmas Day"}).status_code == 302
    dup = client.post("/staff/admin/holidays", data={"day": "2026-12-25", "name": "Again"})
    assert dup.status_code == 400 and "already a holiday" in dup.get_data(as_text=True)
    holiday = db.session.scalar(select(Holiday))
    assert client.post(f"/staff/admin/holidays/{holiday.id}/delete").status_code == 302
    bad = client.post("/staff/admin/service-levels", data={
        "urgent_first_response_minutes": 120, "high_first_response_minutes": 240,
        "normal_first_response_minutes": 540, "low_first_response_minutes": 1620, "resolution_minutes": 5400,
        "autoclose_days": 5, "reminder_days": 6})
    assert bad.status_code == 400 and "before the automatic closure" in bad.get_data(as_text=True)
    assert db.session.get(ServiceLevelSettings, 1).autoclose_days == 7  # the seeded targets, unchanged
    actions = set(_actions())
    assert {"staff.canned_created", "staff.canned_deleted", "staff.holiday_added", "staff.holiday_removed"} <= actions

"""Staff administration of participants: admins only; everyone else is refused."""

import pytest

from askiso.audit.models import AuditEvent
from askiso.auth.models import user_by_email
from askiso.cams.models import Membership, Participant
from askiso.extensions import db
from tests.factories import make_participant


def _participant(code):
    db.session.expire_all()
    return db.session.scalar(db.select(Participant).where(Participant.code == code))


def _membership(user, participant):
    db.session.expire_all()
    return db.session.scalar(db.select(Membership).where(
        Membership.user_id == user.id, Membership.participant_id == participant.id, Membership.is_active.is_(True)))


ADMIN_GETS = ["/staff/participants/", "/staff/participants/new", "/staff/participants/ALPHA/",
              "/staff/participants/ALPHA/edit"]


@pytest.mark.parametrize("who,expected", [("agent", 403), ("supervisor", 403), ("alpha_sa", 404),
                                          ("alpha_manager", 404), ("outsider", 404)])
def test_admin_pages_refuse_everyone_but_admins(people, client_for, who, expected):
    client = client_for(getattr(people, who))
    for url in ADMIN_GETS:
        assert client.get(url).status_code == expected, url
    assert client.post("/staff/participants/new", data={"name": "Evil", "code": "EVIL"}).status_code == expected
    assert client.post("/staff/participants/ALPHA/status", data={"status": "retired"}).status_code == expected
    assert client.post("/staff/participants/ALPHA/members",
                       data={"email": "x@evil.test", "name": "X", "security_admin": "y"}).status_code == expected
    m = _membership(people.alpha_user, people.alpha)
    assert client.post(f"/staff/participants/ALPHA/members/{m.id}/role",
                       data={"role": "security_admin", "grant": "1"}).status_code == expected
    assert _participant("EVIL") is None and _participant("ALPHA").status == "active"
    assert not _membership(people.alpha_user, people.alpha).is_security_admin


def test_signed_out_visitors_are_sent_to_sign_in(people, client):
    response = client.get("/staff/participants/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_list_finds_by_name_or_code_and_paginates(people, client_for):
    for i in range(30):
        make_participant(f"Zephyr Wind {i:02d}", f"ZW{i:02d}")
    db.session.commit()
    client = client_for(people.admin)
    page = client.get("/staff/participants/?q=beta").get_data(as_text=True)
    assert "Beta Energy Trading" in page and "Alpha Power" not in page
    assert "Alpha Power LLC" in client.get("/staff/participants/?q=alph").get_data(as_text=True)
    first = client.get("/staff/participants/?q=zephyr").get_data(as_text=True)
    assert "Page 1 of 2" in first and "Zephyr Wind 00" in first and "Zephyr Wind 29" not in first
    second = client.get("/staff/participants/?q=zephyr&page=2").get_data(as_text=True)
    assert "Zephyr Wind 29" in second
    assert "No participants match" in client.get("/staff/participants/?q=%25").get_data(as_text=True)


def test_create_edit_and_duplicate_code(people, client_for):
    client = client_for(people.admin)
    response = client.post("/staff/participants/new", data={"name": "Granite State Power LLC", "code": "gsp"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/staff/participants/GSP/")
    assert _participant("GSP").name == "Granite State Power LLC"
    dup = client.post("/staff/participants/new", data={"name": "Other", "code": "GSP"})
    assert dup.status_code == 200 and b"already used by Granite State Power LLC" in dup.data
    assert b'value="Other"' in dup.data
    bad = client.post("/staff/participants/new", data={"name": "Bad", "code": "a b"})
    assert bad.status_code == 200 and b"The code must be" in bad.data
    client.post("/staff/participants/GSP/edit", data={"name": "Granite State Power", "code": "GSP2"})
    assert _participant("GSP2").name == "Granite State Power"
    actions = [e.action for e in db.session.scalars(db.select(AuditEvent).order_by(AuditEvent.id))]
    assert "cams.participant_created" in actions and "cams.participant_updated" in actions


def test_suspend_retire_reactivate_are_audited(people, client_for):
    client = client_for(people.admin)
    for status in ("suspended", "retired", "active"):
        assert client.post("/staff/participants/ALPHA/status", data={"status": status}).status_code == 302
        assert _participant("ALPHA").status == status
    events = db.session.scalars(db.select(AuditEvent).where(
        AuditEvent.action == "cams.participant_status_changed").order_by(AuditEvent.id)).all()
    assert [(e.details["before"], e.details["after"]) for e in events] == [
        ("active", "suspended"), ("suspended", "retired"), ("retired", "active")]
    assert client.post("/staff/participants/ALPHA/status", data={"status": "deleted"}).status_code == 400


def test_participant_page_shows_members_history_and_audit_events(people, client_for):
    client = client_for(people.admin)
    client.post("/staff/participants/ALPHA/members", data={"email": "first.sa@alpha.test", "name": "First SA",
                                                          "security_admin": "y"})
    page = client.get("/staff/participants/ALPHA/").get_data(as_text=True)
    for expected in ("Sara Admin", "Meg Manager", "Fay Former", "Membership history", "Audit events",
                     "First SA", "added First SA as Security Administrator"):
        assert expected in page


def test_staff_designates_and_removes_the_last_sa(people, client_for):
    client = client_for(people.admin)
    sa = _membership(people.alpha_sa, people.alpha)
    assert client.post(f"/staff/participants/ALPHA/members/{sa.id}/role",
                       data={"role": "security_admin", "grant": "0"}).status_code == 302
    assert not _membership(people.alpha_sa, people.alpha).is_security_admin
    assert b"has no Security Administrator" in client.get("/staff/participants/ALPHA/").data
    user = _membership(people.alpha_user, people.alpha)
    client.post(f"/staff/participants/ALPHA/members/{user.id}/role", data={"role": "security_admin", "grant": "1"})
    assert _membership(people.alpha_user, people.alpha).is_security_admin
    event = db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "cams.role_granted")).all()[-1]
    assert event.actor_id == people.admin.id and event.details["after"] == ["security_admin"]


def test_staff_may_end_the_last_sa_and_change_suspended_participants(people, client_for):
    people.beta.status = "suspended"
    db.session.commit()
    client = client_for(people.admin)
    sa = _membership(people.beta_sa, people.beta)
    assert client.post(f"/staff/participants/BETA/members/{sa.id}/end", data={"confirm": "yes"}).status_code == 302
    assert _membership(people.beta_sa, people.beta) is None
    client.post("/staff/participants/BETA/members", data={"email": "new.sa@beta.test", "name": "New SA",
                                                         "security_admin": "y"})
    assert _membership(user_by_email("new.sa@beta.test"), people.beta).is_security_admin


def test_staff_membership_urls_are_scoped_to_the_participant(people, client_for):
    client = client_for(people.admin)
    beta_member = _membership(people.beta_user, people.beta)
    assert client.post(f"/staff/participants/ALPHA/members/{beta_member.id}/end",
                       data={"confirm": "yes"}).status_code == 404
    assert _membership(people.beta_user, people.beta) is not None


def test_participants_are_linked_from_administration_for_admins_only(people, client_for):
    assert b'href="/staff/participants/"' in client_for(people.admin).get("/staff/admin").data  # from Administration
    assert b'href="/staff/participants/"' not in client_for(people.agent).get("/", follow_redirects=True).data
    assert b'href="/staff/participants/"' not in client_for(people.supervisor).get("/staff/admin").data

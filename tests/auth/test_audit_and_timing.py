"""Every security-relevant account event is in the audit log; unknown emails cost a hash."""

from sqlalchemy import select

from askiso.audit.models import AuditEvent
from askiso.auth import passwords
from askiso.extensions import db
from tests.factories import PASSWORD

BROWSER = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"


def _events(action):
    return db.session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)).all()


def test_sign_in_success_failure_and_sign_out_are_recorded_with_address_and_browser(app, people):
    client = app.test_client()
    client.environ_base.update(REMOTE_ADDR="192.0.2.55", HTTP_USER_AGENT=BROWSER)
    client.post("/login", data={"email": people.alpha_user.email, "password": "wrong-password-123"})
    client.post("/login", data={"email": "nobody@alpha.test", "password": "wrong-password-123"})
    client.post("/login", data={"email": people.alpha_user.email, "password": PASSWORD})
    client.post("/logout")
    failed = _events("auth.login_failed")
    assert [e.details["email"] for e in failed] == [people.alpha_user.email, "nobody@alpha.test"]
    assert failed[0].actor_id == people.alpha_user.id and failed[1].actor_id is None
    [login] = _events("auth.login")
    [logout] = _events("auth.logout")
    for event in failed + [login, logout]:
        assert event.ip_address == "192.0.2.55" and event.user_agent == BROWSER
    assert login.actor_id == logout.actor_id == people.alpha_user.id
    assert login.details["method"] == "password"


def test_second_factor_failure_is_recorded(client, people):
    client.post("/login", data={"email": people.agent.email, "password": PASSWORD})
    client.post("/login/two-factor", data={"code": "000000"})
    assert [e.actor_id for e in _events("auth.totp_failed")] == [people.agent.id]


def test_admin_audit_page_lists_account_events(people, client_for):
    user = client_for(people.alpha_user)
    user.post("/logout")
    client_for(None).post("/forgot-password", data={"email": people.alpha_user.email})
    admin = client_for(people.admin)
    page = admin.get("/staff/audit/?action=auth.").get_data(as_text=True)
    name = people.alpha_user.name  # the log reads as sentences (askiso/audit/sentences.py)
    for said in (f"{name} signed in", f"{name} signed out", "Someone asked for a password-reset link"):
        assert said in page
    assert people.alpha_user.email in page and "auth.login" not in page


def test_audit_page_is_for_admins_only(people, client_for):
    assert client_for(people.agent).get("/staff/audit/").status_code == 403
    assert client_for(people.alpha_user).get("/staff/audit/").status_code == 404


def test_unknown_email_still_runs_the_password_hasher(client, people, monkeypatch):
    calls = []
    real_verify = passwords.PasswordHasher.verify

    def counting_verify(self, stored, password):
        calls.append(stored)
        return real_verify(self, stored, password)

    monkeypatch.setattr(passwords.PasswordHasher, "verify", counting_verify)
    client.post("/login", data={"email": "nobody@nowhere.test", "password": "some-password-123"})
    assert len(calls) == 1 and calls[0].startswith("$argon2id$")
    client.post("/login", data={"email": people.alpha_user.email, "password": "some-password-123"})
    assert len(calls) == 2


def test_account_without_password_also_runs_the_hasher(client, people, monkeypatch):
    people.alpha_user.password_hash = None
    db.session.commit()
    calls = []
    monkeypatch.setattr(passwords, "_burn", lambda ph, password: calls.append(password))
    response = client.post("/login", data={"email": people.alpha_user.email, "password": "some-password-123"})
    assert response.status_code == 200 and calls == ["some-password-123"]

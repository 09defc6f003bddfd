"""The account page: details, password, email address, two-factor."""

from datetime import timedelta

import pyotp
import pytest
from sqlalchemy import select

from askiso.audit.models import AuditEvent
from askiso.auth.models import OneTimeToken, RecoveryCode, user_by_email
from askiso.auth.passwords import verify_password
from askiso.auth.totp import new_recovery_codes
from askiso.core.timeutil import utcnow
from askiso.extensions import db
from tests.auth.conftest import emailed_token, outbox
from tests.factories import PASSWORD

NEW_PASSWORD = "copper-lantern-harbor-97"


def _actions():
    return [e.action for e in db.session.scalars(select(AuditEvent).order_by(AuditEvent.id))]


def test_account_page_needs_sign_in_and_shows_the_person(client, people, client_for):
    assert "/login" in client.get("/account/").headers["Location"]
    page = client_for(people.alpha_user).get("/account/")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert people.alpha_user.email in text and "Two-factor authentication" in text
    assert 'href="/account/"' in text  # the header links to it


@pytest.mark.parametrize(
    ("typed", "stored"),
    [("(413) 555-0142", "4135550142"), ("+1 413.555.0142", "4135550142"), ("", None)],
)
def test_work_phone_is_stored_as_ten_digits(people, client_for, typed, stored):
    client = client_for(people.alpha_user)
    response = client.post("/account/profile", data={"profile-name": "Ann B. User", "profile-work_phone": typed})
    assert response.status_code == 302
    db.session.refresh(people.alpha_user)
    assert people.alpha_user.work_phone == stored and people.alpha_user.name == "Ann B. User"


@pytest.mark.parametrize("typed", ["555-0142", "413555014299", "phone me", "(013) 555-0142"])
def test_bad_work_phone_is_refused_next_to_the_field_keeping_what_was_typed(people, client_for, typed):
    client = client_for(people.alpha_user)
    response = client.post("/account/profile", data={"profile-name": "Ann Changed", "profile-work_phone": typed})
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert "10-digit phone number" in text and 'id="profile-work_phone-error"' in text
    assert 'value="Ann Changed"' in text
    db.session.refresh(people.alpha_user)
    assert people.alpha_user.name == "Ann User" and people.alpha_user.work_phone is None


def test_password_change_requires_the_current_password(people, client_for):
    client = client_for(people.alpha_user)
    response = client.post(
        "/account/password",
        data={"pw-current_password": "not-my-password-9", "pw-password": NEW_PASSWORD, "pw-confirm": NEW_PASSWORD},
    )
    assert response.status_code == 200 and b"not your current password" in response.data
    db.session.refresh(people.alpha_user)
    assert verify_password(people.alpha_user, PASSWORD)
    assert "auth.password_change_failed" in _actions()


def test_password_change_applies_the_policy(people, client_for):
    client = client_for(people.alpha_user)
    response = client.post(
        "/account/password",
        data={"pw-current_password": PASSWORD, "pw-password": "annuser12345", "pw-confirm": "annuser12345"},
    )
    assert response.status_code == 200 and b'id="pw-password-error"' in response.data
    db.session.refresh(people.alpha_user)
    assert verify_password(people.alpha_user, PASSWORD)


def test_password_change_is_audited_and_notified(people, client_for):
    client = client_for(people.alpha_user)
    client.post(
        "/account/password",
        data={"pw-current_password": PASSWORD, "pw-password": NEW_PASSWORD, "pw-confirm": NEW_PASSWORD},
    )
    db.session.refresh(people.alpha_user)
    assert verify_password(people.alpha_user, NEW_PASSWORD)
    assert "auth.password_changed" in _actions()
    assert outbox(people.alpha_user.email, kind="password_changed")


def _change_email(client, new_email, password=PASSWORD):
    return client.post("/account/email", data={"email-new_email": new_email, "email-password": password})


def test_email_change_happens_only_when_the_link_is_used(app, people, client_for):
    client = client_for(people.alpha_user)
    assert _change_email(client, "Ann.New@Alpha.test").status_code == 302
    db.session.refresh(people.alpha_user)
    assert people.alpha_user.email == "ann.user@alpha.test"
    [mail] = outbox("ann.new@alpha.test", kind="change_email")
    assert outbox("ann.user@alpha.test", kind="change_email") == []
    token = emailed_token("account/email/confirm", to="ann.new@alpha.test")
    # opening the link (as a mail scanner would) changes nothing
    page = app.test_client().get(f"/account/email/confirm/{token}")
    assert page.status_code == 200 and b"ann.new@alpha.test" in page.data
    db.session.refresh(people.alpha_user)
    assert people.alpha_user.email == "ann.user@alpha.test"
    assert app.test_client().post(f"/account/email/confirm/{token}").status_code == 302
    db.session.refresh(people.alpha_user)
    assert people.alpha_user.email == "ann.new@alpha.test"
    [notice] = outbox("ann.user@alpha.test", kind="email_changed")
    assert "ann.new@alpha.test" in notice.body_text
    assert app.test_client().post(f"/account/email/confirm/{token}").status_code == 410
    assert {"auth.email_change_requested", "auth.email_changed"} <= set(_actions())


def test_email_change_needs_the_password(people, client_for):
    client = client_for(people.alpha_user)
    response = _change_email(client, "ann.new@alpha.test", password="not-my-password-9")
    assert response.status_code == 200 and b"not your current password" in response.data
    assert outbox("ann.new@alpha.test") == []


def test_address_in_use_is_refused_without_saying_whose(people, client_for):
    client = client_for(people.alpha_user)
    taken = _change_email(client, people.beta_user.email)
    assert taken.status_code == 200
    text = taken.get_data(as_text=True)
    assert "can&#39;t use this address" in text or "can't use this address" in text
    assert "Bob" not in text and "Beta" not in text
    assert outbox(people.beta_user.email) == []


def test_address_taken_before_confirmation_is_refused(client, people, client_for):
    user_client = client_for(people.alpha_user)
    _change_email(user_client, "ann.new@alpha.test")
    token = emailed_token("account/email/confirm")
    from askiso.auth.services import create_user

    create_user("ann.new@alpha.test", "Someone Else")
    db.session.commit()
    response = client.post(f"/account/email/confirm/{token}")
    assert response.status_code == 410
    assert user_by_email("ann.user@alpha.test").id == people.alpha_user.id


def test_expired_email_change_link_is_refused(client, people, client_for):
    _change_email(client_for(people.alpha_user), "ann.new@alpha.test")
    token = emailed_token("account/email/confirm")
    row = db.session.scalar(select(OneTimeToken).where(OneTimeToken.purpose == "change_email"))
    assert row.expires_at - row.created_at == timedelta(hours=24)
    row.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert client.post(f"/account/email/confirm/{token}").status_code == 410
    db.session.refresh(people.alpha_user)
    assert people.alpha_user.email == "ann.user@alpha.test"


def _with_totp(user):
    user.totp_secret = pyotp.random_base32()
    user.totp_enabled_at = utcnow()
    db.session.commit()
    return user


def _code(user):
    user.totp_last_step = None
    db.session.commit()
    return pyotp.TOTP(user.totp_secret).now()


def test_turning_two_factor_off_needs_password_and_code(people, client_for):
    user = _with_totp(people.alpha_user)
    client = client_for(user)
    wrong_code = client.post("/account/two-factor/disable", data={"totp-password": PASSWORD, "totp-code": "000000"})
    assert wrong_code.status_code == 200 and b"code is not valid" in wrong_code.data
    wrong_pw = client.post(
        "/account/two-factor/disable", data={"totp-password": "not-my-password-9", "totp-code": _code(user)}
    )
    assert b"not your current password" in wrong_pw.data
    db.session.refresh(user)
    assert user.has_totp
    ok = client.post("/account/two-factor/disable", data={"totp-password": PASSWORD, "totp-code": _code(user)})
    assert ok.status_code == 302
    db.session.refresh(user)
    assert not user.has_totp and user.totp_secret is None
    assert db.session.scalars(select(RecoveryCode).where(RecoveryCode.user_id == user.id)).all() == []
    assert "auth.totp_disabled" in _actions()
    assert outbox(user.email, kind="security_notice")


def test_staff_cannot_turn_two_factor_off(people, client_for):
    client = client_for(people.agent)
    page = client.get("/account/")
    assert b"Turn two-factor off" not in page.data
    response = client.post(
        "/account/two-factor/disable",
        data={"totp-password": PASSWORD, "totp-code": _code(people.agent)},
        follow_redirects=True,
    )
    assert b"Staff accounts must keep" in response.data
    db.session.refresh(people.agent)
    assert people.agent.has_totp


def test_new_recovery_codes_replace_the_old_ones(app, people, client_for):
    user = _with_totp(people.alpha_user)
    old = new_recovery_codes(user)
    db.session.commit()
    client = client_for(user)
    refused = client.post("/account/two-factor/recovery-codes", data={"codes-password": "not-my-password-9"})
    assert b"not your current password" in refused.data
    response = client.post("/account/two-factor/recovery-codes", data={"codes-password": PASSWORD})
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert old[0] not in text and text.count("<code>") == 10
    fresh = app.test_client()
    fresh.post("/login", data={"email": user.email, "password": PASSWORD})
    assert fresh.post("/login/two-factor", data={"code": old[0]}).status_code == 200
    assert "auth.recovery_codes_regenerated" in _actions()

"""Forgot password, reset and set-password links: single use, expiring, unforgeable."""

from datetime import timedelta

import pyotp
from sqlalchemy import select

from askiso.audit.models import AuditEvent
from askiso.auth import tokens
from askiso.auth.invitations import send_set_password_email
from askiso.auth.models import OneTimeToken
from askiso.auth.passwords import verify_password
from askiso.auth.services import create_user
from askiso.core.timeutil import utcnow
from askiso.extensions import db
from tests.auth.conftest import emailed_token, outbox
from tests.factories import PASSWORD

NEW_PASSWORD = "copper-lantern-harbor-97"


def _request_reset(client, email):
    return client.post("/forgot-password", data={"email": email})


def _reset(client, token, password=NEW_PASSWORD, confirm=None):
    return client.post(f"/reset-password/{token}", data={"password": password, "confirm": confirm or password})


def test_forgot_password_emails_a_link_that_sets_a_new_password(client, people):
    response = _request_reset(client, "Ann.User@alpha.test")
    assert response.status_code == 302
    [mail] = outbox(people.alpha_user.email, kind="reset_password")
    assert "1 hour" in mail.body_text
    token = emailed_token("reset-password")
    assert client.get(f"/reset-password/{token}").status_code == 200
    done = _reset(client, token)
    assert done.status_code == 302 and "/login" in done.headers["Location"]
    db.session.refresh(people.alpha_user)
    assert verify_password(people.alpha_user, NEW_PASSWORD)
    assert not verify_password(people.alpha_user, PASSWORD)
    assert outbox(people.alpha_user.email, kind="password_changed")


def test_forgot_password_answers_the_same_for_unknown_and_known_addresses(app, people):
    known, unknown = app.test_client(), app.test_client()
    a = _request_reset(known, people.alpha_user.email)
    b = _request_reset(unknown, "nobody.here@alpha.test")
    assert a.status_code == b.status_code == 302
    assert a.headers["Location"] == b.headers["Location"]
    page_a, page_b = known.get(a.headers["Location"]), unknown.get(b.headers["Location"])
    assert page_a.data == page_b.data
    assert b"If an account uses that address" in page_a.data
    assert outbox("nobody.here@alpha.test") == []


def test_inactive_account_gets_no_reset_email(client, people):
    people.alpha_user.is_active = False
    db.session.commit()
    _request_reset(client, people.alpha_user.email)
    assert outbox(people.alpha_user.email) == []


def test_reset_link_works_only_once(client, people):
    _request_reset(client, people.alpha_user.email)
    token = emailed_token("reset-password")
    assert _reset(client, token).status_code == 302
    again = _reset(client, token, password="violet-granite-comet-31")
    assert again.status_code == 410
    assert b"no longer valid" in again.data and b"Forgot your password" in again.data
    db.session.refresh(people.alpha_user)
    assert verify_password(people.alpha_user, NEW_PASSWORD)


def test_expired_reset_link_is_refused(client, people):
    _request_reset(client, people.alpha_user.email)
    token = emailed_token("reset-password")
    row = db.session.scalar(select(OneTimeToken).where(OneTimeToken.purpose == "reset_password"))
    assert row.expires_at - row.created_at == timedelta(hours=1)
    row.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert client.get(f"/reset-password/{token}").status_code == 410
    assert _reset(client, token).status_code == 410
    db.session.refresh(people.alpha_user)
    assert verify_password(people.alpha_user, PASSWORD)


def test_forged_and_truncated_links_are_refused(client, people):
    _request_reset(client, people.alpha_user.email)
    token = emailed_token("reset-password")
    for forged in ("A" * 43, token[:-1], token + "x", "x"):
        assert client.get(f"/reset-password/{forged}").status_code == 410
        assert _reset(client, forged).status_code == 410
    db.session.refresh(people.alpha_user)
    assert verify_password(people.alpha_user, PASSWORD)


def test_a_reset_token_is_not_a_set_password_token(client, people):
    _request_reset(client, people.alpha_user.email)
    token = emailed_token("reset-password")
    response = client.post(f"/set-password/{token}", data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 410


def test_newer_reset_link_replaces_the_older_one(client, people):
    _request_reset(client, people.alpha_user.email)
    first = emailed_token("reset-password")
    _request_reset(client, people.alpha_user.email)
    second = emailed_token("reset-password")
    assert first != second
    assert _reset(client, first).status_code == 410
    assert _reset(client, second).status_code == 302


def test_weak_password_is_refused_with_reasons_next_to_the_field(client, people):
    _request_reset(client, people.alpha_user.email)
    token = emailed_token("reset-password")
    short = _reset(client, token, password="short")
    assert short.status_code == 200
    assert b'class="field-error"' in short.data and b"at least 12 characters" in short.data
    common = _reset(client, token, password="password1234")
    assert b"too easy to guess" in common.data
    mismatch = _reset(client, token, password=NEW_PASSWORD, confirm="copper-lantern-harbor-98")
    assert b"not the same" in mismatch.data
    # the link was not used up by the refused attempts
    assert _reset(client, token).status_code == 302


def test_reset_ends_every_session_of_the_account(app, client, people, client_for):
    signed_in = client_for(people.alpha_user)
    assert signed_in.get("/account/").status_code == 200
    _request_reset(client, people.alpha_user.email)
    _reset(client, emailed_token("reset-password"))
    assert "/login" in signed_in.get("/account/").headers["Location"]


def test_reset_does_not_sign_in_nor_skip_two_factor(client, people):
    _request_reset(client, people.agent.email)
    _reset(client, emailed_token("reset-password"))
    assert "/login" in client.get("/account/").headers["Location"]
    response = client.post("/login", data={"email": people.agent.email, "password": NEW_PASSWORD})
    assert "/login/two-factor" in response.headers["Location"]
    assert "/login" in client.get("/account/").headers["Location"]
    people.agent.totp_last_step = None
    db.session.commit()
    code = pyotp.TOTP(people.agent.totp_secret).now()
    assert client.post("/login/two-factor", data={"code": code}).status_code == 302
    assert client.get("/account/").status_code == 200


def test_reset_request_and_change_are_audited(client, people):
    _request_reset(client, people.alpha_user.email)
    _request_reset(client, "ghost@alpha.test")
    _reset(client, emailed_token("reset-password"))
    events = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
    requests = [e for e in events if e.action == "auth.password_reset_requested"]
    assert [e.details["email"] for e in requests] == [people.alpha_user.email, "ghost@alpha.test"]
    assert requests[0].subject_user_id == people.alpha_user.id and requests[1].subject_user_id is None
    assert any(e.action == "auth.password_reset" and e.subject_user_id == people.alpha_user.id for e in events)
    assert all(NEW_PASSWORD not in str(e.details) for e in events)


def test_invited_account_sets_its_password_through_the_welcome_link(app, client, people):
    invitee = create_user("new.person@alpha.test", "New Person")
    send_set_password_email(invitee, invited_by=people.alpha_sa, participant=people.alpha)
    db.session.commit()
    [mail] = outbox("new.person@alpha.test", kind="welcome")
    assert "Sara Admin" in mail.body_text and "Alpha Power LLC" in mail.body_text and "72 hours" in mail.body_text
    assert mail.body_html and "set-password" in mail.body_html
    token = emailed_token("set-password", to="new.person@alpha.test")
    row = db.session.scalar(select(OneTimeToken).where(OneTimeToken.purpose == "set_password"))
    assert row.expires_at - row.created_at == timedelta(hours=72)
    page = client.get(f"/set-password/{token}")
    assert page.status_code == 200 and b"new.person@alpha.test" in page.data
    response = client.post(f"/set-password/{token}", data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 302
    assert client.post("/login", data={"email": invitee.email, "password": NEW_PASSWORD}).status_code == 302
    assert client.get("/account/").status_code == 200
    other = client.post(f"/set-password/{token}", data={"password": "x" * 20, "confirm": "x" * 20})
    assert other.status_code == 410 and b"Security Administrator" in other.data


def test_expired_set_password_link_says_how_to_get_a_new_one(client, people):
    invitee = create_user("late.person@alpha.test", "Late Person")
    token = send_set_password_email(invitee)
    db.session.commit()
    row = db.session.scalar(select(OneTimeToken).where(OneTimeToken.token_hash == tokens.hash_token(token)))
    row.expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    page = client.get(f"/set-password/{token}")
    assert page.status_code == 410
    assert b"no longer valid" in page.data and b"/forgot-password" in page.data
    # the way out it names works: forgot-password sends a fresh link to an account without a password
    _request_reset(client, invitee.email)
    assert _reset(client, emailed_token("reset-password", to=invitee.email)).status_code == 302

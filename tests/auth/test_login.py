"""Sign-in, sign-out and server-side sessions."""

import pyotp
import pytest

from askiso.auth.models import UserSession
from askiso.extensions import db


def test_login_is_case_insensitive_and_logout_ends_session(client, auth, people):
    people.alpha_user.email  # ann.user@alpha.test
    response = client.post("/login", data={"email": "Ann.User@Alpha.TEST", "password": "tangerine-oboe-mosaic-42"})
    assert response.status_code == 302
    assert client.get("/account/two-factor").status_code == 200
    auth.logout()
    assert client.get("/account/two-factor").status_code == 302


def test_wrong_password_and_unknown_email_get_the_same_message(client, people):
    wrong = client.post("/login", data={"email": people.alpha_user.email, "password": "not-the-password-1"})
    unknown = client.post("/login", data={"email": "nobody@nowhere.test", "password": "not-the-password-1"})
    assert wrong.status_code == unknown.status_code == 200
    assert b"do not match an account" in wrong.data and b"do not match an account" in unknown.data
    assert wrong.data.replace(people.alpha_user.email.encode(), b"") == unknown.data.replace(
        b"nobody@nowhere.test", b""
    )


def test_session_cookie_is_useless_after_logout(app, people):
    client = app.test_client()
    client.post("/login", data={"email": people.alpha_user.email, "password": "tangerine-oboe-mosaic-42"})
    stolen = client.get_cookie(app.config["SESSION_COOKIE_NAME"]).value
    client.post("/logout")
    thief = app.test_client()
    thief.set_cookie(app.config["SESSION_COOKIE_NAME"], stolen)
    assert thief.get("/account/two-factor").status_code == 302


def test_each_login_gets_a_new_session_id(app, people):
    client = app.test_client()
    for _ in range(2):
        client.post("/login", data={"email": people.alpha_user.email, "password": "tangerine-oboe-mosaic-42"})
        client.post("/logout")
    rows = db.session.scalars(db.select(UserSession).where(UserSession.user_id == people.alpha_user.id)).all()
    assert len(rows) == 2 and len({r.token_hash for r in rows}) == 2
    assert all(r.ended_reason == "logout" for r in rows)


def test_staff_login_needs_the_second_factor(client, people):
    response = client.post("/login", data={"email": people.agent.email, "password": "tangerine-oboe-mosaic-42"})
    assert "/login/two-factor" in response.headers["Location"]
    assert client.get("/staff/audit/").status_code == 302
    bad = client.post("/login/two-factor", data={"code": "000000"})
    assert b"not valid" in bad.data


def test_totp_code_cannot_be_replayed(app, people):
    code = pyotp.TOTP(people.agent.totp_secret).now()
    first = app.test_client()
    first.post("/login", data={"email": people.agent.email, "password": "tangerine-oboe-mosaic-42"})
    assert first.post("/login/two-factor", data={"code": code}).status_code == 302
    second = app.test_client()
    second.post("/login", data={"email": people.agent.email, "password": "tangerine-oboe-mosaic-42"})
    replay = second.post("/login/two-factor", data={"code": code})
    assert replay.status_code == 200 and b"not valid" in replay.data


def test_open_redirect_after_login_is_refused(client, people):
    response = client.post(
        "/login",
        data={"email": people.alpha_user.email, "password": "tangerine-oboe-mosaic-42", "next": "https://evil.test/"},
    )
    assert "evil.test" not in response.headers["Location"]


@pytest.mark.parametrize(
    "target",
    ["/cases\r\nSet-Cookie: x=1", "/cases\n", "/\t/evil.test/", "/\\evil.test/", "/cases\x00", "/cases\x7f"],
)
def test_control_characters_in_next_redirect_home(client, people, target):
    """Attack: a `next` holding CR/LF (header splitting) or characters a browser drops or reads
    as "/" answered 500 after signing in; it is refused like any unsafe target."""
    response = client.post(
        "/login", data={"email": people.alpha_user.email, "password": "tangerine-oboe-mosaic-42", "next": target}
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert "\n" not in response.headers["Location"] and "evil" not in response.headers["Location"]

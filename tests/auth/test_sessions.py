"""Server-side sessions: what ends them, and what a stolen cookie is worth afterwards."""

from datetime import timedelta

from sqlalchemy import select

from askiso.auth.models import UserSession
from askiso.auth.services import deactivate_user, reactivate_user
from askiso.core.timeutil import utcnow
from askiso.extensions import db
from tests.factories import PASSWORD

NEW_PASSWORD = "copper-lantern-harbor-97"


def _signed_in(client):
    return client.get("/account/").status_code == 200


def _rows(user):
    return db.session.scalars(select(UserSession).where(UserSession.user_id == user.id).order_by(UserSession.id)).all()


def test_cookie_is_useless_after_logout(app, people, client_for):
    client = client_for(people.alpha_user)
    stolen = client.get_cookie(app.config["SESSION_COOKIE_NAME"]).value
    client.post("/logout")
    thief = app.test_client()
    thief.set_cookie(app.config["SESSION_COOKIE_NAME"], stolen)
    assert not _signed_in(thief)
    assert not _signed_in(client)


def test_idle_session_expires(people, client_for):
    client = client_for(people.alpha_user)
    assert _signed_in(client)
    [row] = _rows(people.alpha_user)
    row.last_seen_at = utcnow() - timedelta(minutes=31)
    db.session.commit()
    assert not _signed_in(client)
    db.session.refresh(row)
    assert row.ended_reason == "expired"


def test_recent_use_keeps_the_session_alive(people, client_for):
    client = client_for(people.alpha_user)
    [row] = _rows(people.alpha_user)
    row.last_seen_at = utcnow() - timedelta(minutes=29)
    db.session.commit()
    assert _signed_in(client)


def test_session_ends_at_its_absolute_lifetime_even_when_in_use(people, client_for):
    client = client_for(people.alpha_user)
    [row] = _rows(people.alpha_user)
    assert row.expires_at - row.created_at == timedelta(hours=12)
    row.expires_at = utcnow() - timedelta(seconds=1)
    row.last_seen_at = utcnow()
    db.session.commit()
    assert not _signed_in(client)


def test_password_change_ends_other_sessions_but_not_this_one(people, client_for):
    here, elsewhere = client_for(people.alpha_user), client_for(people.alpha_user)
    response = here.post(
        "/account/password",
        data={"pw-current_password": PASSWORD, "pw-password": NEW_PASSWORD, "pw-confirm": NEW_PASSWORD},
    )
    assert response.status_code == 302
    assert _signed_in(here)
    assert not _signed_in(elsewhere)
    assert [r.ended_reason for r in _rows(people.alpha_user)] == [None, "password_changed"]


def test_deactivation_ends_sessions_at_once(people, client_for):
    client = client_for(people.alpha_user)
    deactivate_user(people.alpha_user, people.admin)
    db.session.commit()
    assert not _signed_in(client)
    assert all(r.ended_reason == "deactivated" for r in _rows(people.alpha_user))
    # and reactivating does not bring the old session back
    reactivate_user(people.alpha_user, people.admin)
    db.session.commit()
    assert not _signed_in(client)


def test_inactive_flag_alone_stops_an_open_session(people, client_for):
    client = client_for(people.alpha_user)
    people.alpha_user.is_active = False
    db.session.commit()
    assert not _signed_in(client)


def test_deactivated_account_cannot_sign_in_nor_use_emailed_links(client, people):
    client.post("/forgot-password", data={"email": people.alpha_user.email})
    from tests.auth.conftest import emailed_token

    token = emailed_token("reset-password")
    deactivate_user(people.alpha_user, people.admin)
    db.session.commit()
    assert client.get(f"/reset-password/{token}").status_code == 410
    response = client.post("/login", data={"email": people.alpha_user.email, "password": PASSWORD})
    assert response.status_code == 200 and b"do not match an account" in response.data


def test_sign_out_other_sessions_keeps_the_current_one(people, client_for):
    here, other1, other2 = (client_for(people.alpha_user) for _ in range(3))
    stranger = client_for(people.alpha_colleague)
    page = here.get("/account/")
    assert page.data.count(b"This browser") == 1 and b"Sign out my other sessions" in page.data
    assert here.post("/account/sessions/end-others").status_code == 302
    assert _signed_in(here)
    assert not _signed_in(other1) and not _signed_in(other2)
    assert _signed_in(stranger)


def test_sign_out_one_session(people, client_for):
    here, other = client_for(people.alpha_user), client_for(people.alpha_user)
    other_row = _rows(people.alpha_user)[1]
    assert here.post(f"/account/sessions/{other_row.id}/end").status_code == 302
    assert _signed_in(here) and not _signed_in(other)


def test_cannot_end_someone_elses_session(people, client_for):
    victim = client_for(people.beta_user)
    [victim_row] = _rows(people.beta_user)
    attacker = client_for(people.alpha_user)
    assert attacker.post(f"/account/sessions/{victim_row.id}/end").status_code == 404
    assert _signed_in(victim)


def test_account_page_lists_sessions_with_browser_address_and_last_use(app, people):
    client = app.test_client()
    client.environ_base.update(
        HTTP_USER_AGENT="Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0",
        REMOTE_ADDR="198.51.100.7",
    )
    client.post("/login", data={"email": people.alpha_user.email, "password": PASSWORD})
    page = client.get("/account/").get_data(as_text=True)
    assert "Firefox 128 on Windows 10" in page
    assert "198.51.100.7" in page
    assert "Last used" in page


def test_users_deactivate_command_ends_sessions(runner, people, client_for):
    client = client_for(people.alpha_user)
    result = runner.invoke(args=["users", "deactivate", "Ann.User@alpha.test"])
    assert result.exit_code == 0 and "deactivated ann.user@alpha.test" in result.output
    assert not _signed_in(client)
    assert runner.invoke(args=["users", "deactivate", "nobody@alpha.test"]).exit_code != 0

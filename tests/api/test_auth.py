"""Who gets in: bearer tokens only, with their owner's live rights."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from askiso.api.models import ApiToken
from askiso.api.tokens import TokenRefused, create_token, revoke_token
from askiso.core.tokens import hash_token
from askiso.extensions import db
from tests.api.conftest import make_token
from tests.cases.helpers import new_case


def _row(token):
    return db.session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_token(token)))


def test_no_token_is_401_with_a_bearer_challenge(client, people):
    response = client.get("/api/v1/me")
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "unauthorized"
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert response.mimetype == "application/json"


@pytest.mark.parametrize("header", ["Bearer nonsense", "Bearer aiso_" + "x" * 43, "Basic abc", "Bearer", "aiso_x"])
def test_bad_tokens_are_401(client, people, header):
    response = client.get("/api/v1/me", headers={"Authorization": header})
    assert response.status_code == 401
    assert "Bearer" in response.headers["WWW-Authenticate"]


def test_a_signed_in_browser_cookie_alone_gets_401(client_for, people):
    browser = client_for(people.alpha_user)
    assert browser.get("/account/tokens/").status_code == 200  # really signed in
    response = browser.get("/api/v1/cases")
    assert response.status_code == 401
    response = browser.post("/api/v1/cases", json={"request_type": "general_question"})
    assert response.status_code == 401


def test_cookie_never_changes_who_the_token_acts_for(client_for, people):
    browser = client_for(people.agent)  # staff session cookie in the jar
    token = make_token(people.alpha_user)
    response = browser.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert response.get_json()["email"] == people.alpha_user.email


def test_expired_token_is_401(api_for, people):
    api = api_for(people.alpha_user)
    _row(api.token).expires_at = _row(api.token).created_at - timedelta(seconds=1)
    db.session.commit()
    response = api.get("/me")
    assert response.status_code == 401
    assert "expired" in response.get_json()["error"]["message"]
    assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]


def test_revoked_token_is_401_at_once(api_for, people):
    api = api_for(people.alpha_user)
    assert api.get("/me").status_code == 200
    revoke_token(_row(api.token), people.alpha_user)
    db.session.commit()
    assert api.get("/me").status_code == 401


def test_deactivated_owner_is_401(api_for, people):
    api = api_for(people.alpha_user)
    people.alpha_user.is_active = False
    db.session.commit()
    assert api.get("/cases").status_code == 401


def test_ended_membership_stops_access_at_once(api_for, people):
    case = new_case(people.alpha_user, people.alpha)
    api = api_for(people.alpha_user)
    assert api.get(f"/cases/{case.number}").status_code == 200
    from askiso.cams.models import Membership

    membership = db.session.scalar(select(Membership).where(Membership.user_id == people.alpha_user.id))
    membership.is_active = False
    db.session.commit()
    assert api.get(f"/cases/{case.number}").status_code == 404
    assert api.get("/cases").get_json()["items"] == []
    memberships = api.get("/me").get_json()["memberships"]
    assert memberships[0]["active"] is False


def test_read_only_token_cannot_write(api_for, people):
    case = new_case(people.alpha_user, people.alpha)
    api = api_for(people.alpha_user, scope="read")
    assert api.get(f"/cases/{case.number}").status_code == 200
    for response in (
        api.post(f"/cases/{case.number}/messages", json={"body": "hello"}),
        api.patch(f"/cases/{case.number}", json={"status": "closed"}),
        api.post("/cases", json={"request_type": "general_question", "subject": "s", "description": "d"}),
        api.post("/cases/AI-2000-999999/messages", json={"body": "x"}),
    ):
        assert response.status_code == 403
        assert response.get_json()["error"]["code"] == "forbidden"
    assert api.get(f"/cases/{case.number}").get_json()["messages"] == []


def test_staff_token_needs_two_factor(api_for, people):
    people.agent.totp_enabled_at = None
    db.session.commit()
    with pytest.raises(TokenRefused):
        create_token(people.agent, "no 2fa")
    db.session.rollback()


def test_staff_token_stops_when_two_factor_is_turned_off(api_for, people):
    api = api_for(people.agent)
    assert api.get("/me").status_code == 200
    people.agent.totp_enabled_at = None
    db.session.commit()
    assert api.get("/me").status_code == 401


def test_token_limits(people):
    with pytest.raises(TokenRefused):
        create_token(people.alpha_user, "x", days=366)
    with pytest.raises(TokenRefused):
        create_token(people.alpha_user, "x", scope="admin")
    with pytest.raises(TokenRefused):
        create_token(people.alpha_user, "  ")
    row, token = create_token(people.alpha_user, "ok")
    assert row.expires_at - row.created_at == timedelta(days=90)
    assert row.token_hash == hash_token(token) and token not in (row.prefix, row.token_hash)
    assert token.startswith(row.prefix)


def test_last_used_is_recorded(api_for, people):
    api = api_for(people.alpha_user)
    assert _row(api.token).last_used_at is None
    api.get("/me")
    db.session.expire_all()
    assert _row(api.token).last_used_at is not None


def test_no_cors_grant(api_for, people):
    api = api_for(people.alpha_user)
    origin = {"Origin": "https://evil.example"}
    for response in (
        api.get("/me", headers=origin),
        api.client.options(
            "/api/v1/cases",
            headers={
                **origin,
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "authorization",
            },
        ),
        api.client.get("/api/v1/openapi.json", headers=origin),
    ):
        assert not [h for h in response.headers.keys() if h.lower().startswith("access-control-")]


def test_api_needs_no_csrf_token_but_pages_still_do(app, people):
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        token = make_token(people.alpha_user)
        client = app.test_client()
        response = client.post(
            "/api/v1/cases",
            json={"participant": "ALPHA", "request_type": "general_question", "subject": "s", "description": "d"},
            headers={"Authorization": f"Bearer {token}"},
        )
        assert response.status_code == 201, response.get_json()
        assert client.post("/login", data={"email": "x@y.test", "password": "p"}).status_code == 400
    finally:
        app.config["WTF_CSRF_ENABLED"] = False


def test_errors_are_json_everywhere(api_for, people):
    api = api_for(people.alpha_user)
    for response, status in (
        (api.get("/nope"), 404),
        (api.client.delete("/api/v1/cases", headers=api._headers()), 405),
        (api.get("/cases/AI-2026-999999"), 404),
        (api.post("/cases", data="x", content_type="text/plain"), 415),
        (api.post("/cases", data="{", content_type="application/json"), 400),
    ):
        assert response.status_code == status
        assert response.mimetype == "application/json"
        assert set(response.get_json()["error"]) >= {"code", "message"}


@pytest.fixture(scope="session")
def _limited_app(_app):
    """A second app on the same database with limits on (Flask-Limiter hooks in at build time)."""
    from askiso import create_app
    from askiso.extensions import limiter

    limited = create_app(
        "testing",
        SQLALCHEMY_DATABASE_URI=_app.config["SQLALCHEMY_DATABASE_URI"],
        RATELIMIT_ENABLED=True,
        API_RATE_LIMIT="3/minute",
    )
    limiter.enabled = False  # the limiter object is shared: off outside the tests that want it
    yield limited
    with limited.app_context():
        db.engine.dispose()


@pytest.fixture
def limited_app(app, _limited_app):
    from askiso.extensions import limiter

    limiter.enabled = True
    limiter.reset()
    yield _limited_app
    limiter.reset()
    limiter.enabled = False


def test_rate_limit_per_token_with_retry_after(limited_app, people):
    first, second = make_token(people.alpha_user), make_token(people.beta_user)
    client = limited_app.test_client()

    def me(token):
        return client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})

    assert [me(first).status_code for _ in range(3)] == [200, 200, 200]
    response = me(first)
    assert response.status_code == 429
    assert response.mimetype == "application/json"
    assert response.get_json()["error"]["code"] == "rate_limited"
    assert int(response.headers["Retry-After"]) > 0
    assert me(second).status_code == 200  # another token has its own budget


def test_guessing_tokens_is_limited_by_address(limited_app, people):
    client = limited_app.test_client()
    statuses = [
        client.get("/api/v1/me", headers={"Authorization": f"Bearer aiso_guess{i}"}).status_code for i in range(40)
    ]
    assert statuses[0] == 401 and statuses[-1] == 429

"""Rate limits on sign-in and password recovery (rate limiting is on only in these tests)."""

import pyotp
from limits import parse_many

from askiso.auth import throttle
from askiso.extensions import db
from tests.auth.conftest import emailed_token, fresh, outbox
from tests.factories import PASSWORD


def _client(limited_app, address="192.0.2.10"):
    client = limited_app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def _login(client, user, password="wrong-password-123"):
    return client.post("/login", data={"email": user.email, "password": password})


def _assert_limited(response):
    assert response.status_code == 429
    assert int(response.headers["Retry-After"]) > 0
    assert b"Too many attempts" in response.data


def test_failed_sign_ins_to_one_account_from_one_address_are_limited(limited_app, people):
    client = _client(limited_app)
    for _ in range(5):
        assert _login(client, people.alpha_user).status_code == 200
    blocked = _login(client, people.alpha_user, password=PASSWORD)
    _assert_limited(blocked)
    # the owner, from their own address, is not locked out by the attacker
    assert _login(_client(limited_app, "198.51.100.20"), people.alpha_user, password=PASSWORD).status_code == 302
    # nor are other accounts from the attacker's address
    assert _login(client, people.beta_user, password=PASSWORD).status_code == 302


def test_successful_sign_ins_do_not_use_up_the_failure_budget(limited_app, people):
    client = _client(limited_app)
    for _ in range(7):
        assert _login(client, people.alpha_user, password=PASSWORD).status_code == 302
        client.post("/logout")


def test_failures_from_many_addresses_limit_the_account(limited_app, people):
    for i in range(30):
        assert _login(_client(limited_app, f"203.0.113.{i}"), people.alpha_user).status_code == 200
    _assert_limited(_login(_client(limited_app, "198.51.100.20"), people.alpha_user, password=PASSWORD))
    assert _login(_client(limited_app, "198.51.100.20"), people.beta_user, password=PASSWORD).status_code == 302


def test_one_address_trying_many_accounts_is_limited(limited_app, people):
    client = _client(limited_app)
    for i in range(20):
        assert client.post("/login", data={"email": f"user{i}@alpha.test", "password": "x" * 14}).status_code == 200
    _assert_limited(_login(client, people.alpha_user, password=PASSWORD))


def test_second_factor_guessing_is_limited(limited_app, people):
    client = _client(limited_app)
    assert "/login/two-factor" in _login(client, people.agent, password=PASSWORD).headers["Location"]
    for _ in range(5):
        assert client.post("/login/two-factor", data={"code": "000000"}).status_code == 200
    fresh()
    people.agent.totp_last_step = None
    db.session.commit()
    _assert_limited(client.post("/login/two-factor", data={"code": pyotp.TOTP(people.agent.totp_secret).now()}))


def test_forgot_password_is_limited_per_account_alike_for_unknown_addresses(limited_app, people):
    for email in (people.alpha_user.email, "nobody@alpha.test"):
        for i in range(3):
            response = _client(limited_app, f"203.0.113.{i}").post("/forgot-password", data={"email": email})
            assert response.status_code == 302
        _assert_limited(_client(limited_app, "198.51.100.30").post("/forgot-password", data={"email": email}))
    fresh()
    assert len(outbox(people.alpha_user.email, kind="reset_password")) == 3


def test_forgot_password_is_limited_per_address(limited_app, people):
    client = _client(limited_app)
    for i in range(5):
        assert client.post("/forgot-password", data={"email": f"someone{i}@alpha.test"}).status_code == 302
    _assert_limited(client.post("/forgot-password", data={"email": people.alpha_user.email}))


def test_reset_attempts_are_limited(limited_app, people):
    _client(limited_app).post("/forgot-password", data={"email": people.alpha_user.email})
    fresh()
    token = emailed_token("reset-password")
    client = _client(limited_app, "198.51.100.40")
    for _ in range(10):
        response = client.post(f"/reset-password/{token}", data={"password": "short", "confirm": "short"})
        assert response.status_code == 200
    _assert_limited(
        _client(limited_app, "198.51.100.41").post(
            f"/reset-password/{token}",
            data={"password": "copper-lantern-harbor-97", "confirm": "copper-lantern-harbor-97"},
        )
    )


def test_current_password_guessing_from_a_signed_in_session_is_limited(limited_app, people):
    client = _client(limited_app)
    assert _login(client, people.alpha_user, password=PASSWORD).status_code == 302
    forms = [
        (
            "/account/password",
            {"pw-current_password": "guess-{}-aaaa", "pw-password": "x" * 20, "pw-confirm": "x" * 20},
        ),
        ("/account/email", {"email-new_email": "x@alpha.test", "email-password": "guess-{}-aaaa"}),
    ]
    for i in range(5):
        url, data = forms[i % 2]
        data = {k: v.format(i) for k, v in data.items()}
        assert client.post(url, data=data).status_code == 200
    _assert_limited(client.post("/account/two-factor/recovery-codes", data={"codes-password": PASSWORD}))


def test_per_account_windows_are_short():
    """An attacker can keep an owner out for at most an hour after stopping."""
    for spec in (
        throttle.LOGIN_FAILURES_PER_ACCOUNT,
        throttle.LOGIN_FAILURES_PER_ACCOUNT_AND_ADDRESS,
        throttle.TOTP_FAILURES_PER_ACCOUNT,
        throttle.ACCOUNT_CHECK_FAILURES,
    ):
        assert all(limit.get_expiry() <= 3600 for limit in parse_many(spec)), spec
    assert max(limit.get_expiry() for limit in parse_many(throttle.LOGIN_FAILURES_PER_ACCOUNT)) <= 15 * 60

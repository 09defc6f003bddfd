"""Security headers, error pages and CSRF."""

import pytest

from askiso import create_app


def test_security_headers_on_every_page(client, people):
    response = client.get("/login")
    csp = response.headers["Content-Security-Policy"]
    assert "object-src 'none'" in csp
    assert "base-uri 'none'" in csp
    assert "frame-ancestors 'none'" in csp
    assert "'unsafe-inline'" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"]
    signed_in = client.post("/login", data={"email": people.alpha_user.email, "password": "tangerine-oboe-mosaic-42"})
    cookie = signed_in.headers.get("Set-Cookie", "")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_secure_cookie_uses_the_host_prefix(app):
    from askiso import create_app

    secure = create_app(
        "testing", SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"], SESSION_COOKIE_SECURE=True
    )
    assert secure.config["SESSION_COOKIE_NAME"].startswith("__Host-")


def test_signed_in_pages_are_not_cached(client, auth, people):
    auth.login(people.alpha_user)
    response = client.get("/account/two-factor")
    assert response.headers["Cache-Control"] == "no-store"


def test_hsts_only_over_https(client):
    assert "Strict-Transport-Security" not in client.get("/login").headers
    secure = client.get("/login", base_url="https://askiso.test")
    assert "max-age" in secure.headers["Strict-Transport-Security"]


def test_not_found_page_is_friendly(client):
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert b"Page not found" in response.data
    assert b"Traceback" not in response.data


def test_server_error_page_has_no_stack_trace(app):
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"])
    app.config["PROPAGATE_EXCEPTIONS"] = False

    @app.route("/boom")
    def boom():
        raise RuntimeError("secret detail")

    response = app.test_client().get("/boom")
    assert response.status_code == 500
    assert b"secret detail" not in response.data
    assert b"Something went wrong" in response.data


def test_missing_csrf_token_is_refused(app, people):
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        client = app.test_client()
        response = client.post("/login", data={"email": people.alpha_user.email, "password": "x" * 14})
        assert response.status_code == 400
    finally:
        app.config["WTF_CSRF_ENABLED"] = False


def test_production_refuses_to_start_without_secret_key(monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    from config import ProductionConfig

    monkeypatch.setattr(ProductionConfig, "SECRET_KEY", None)
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app("production")


@pytest.fixture
def csrf_on(app):
    app.config["WTF_CSRF_ENABLED"] = True
    yield
    app.config["WTF_CSRF_ENABLED"] = False


@pytest.mark.parametrize(
    ("url", "data"),
    [
        ("/forgot-password", {"email": "ann.user@alpha.test"}),
        ("/account/password", {"pw-current_password": "tangerine-oboe-mosaic-42", "pw-password": "x" * 20}),
        ("/account/email", {"email-new_email": "new@alpha.test", "email-password": "tangerine-oboe-mosaic-42"}),
        ("/account/sessions/end-others", {}),
        ("/logout", {}),
    ],
)
def test_account_forms_refuse_a_missing_csrf_token(app, people, csrf_on, url, data):
    from tests.conftest import login_as

    app.config["WTF_CSRF_ENABLED"] = False
    client = login_as(app, people.alpha_user) if url != "/forgot-password" else app.test_client()
    app.config["WTF_CSRF_ENABLED"] = True
    response = client.post(url, data=data)
    assert response.status_code == 400
    assert client.get("/account/").status_code == (302 if url == "/forgot-password" else 200)


def test_account_form_with_its_csrf_token_is_accepted(app, people, csrf_on):
    import re

    from tests.conftest import login_as

    app.config["WTF_CSRF_ENABLED"] = False
    client = login_as(app, people.alpha_user)
    app.config["WTF_CSRF_ENABLED"] = True
    page = client.get("/account/").get_data(as_text=True)
    token = re.search(r'name="sessions-csrf_token" value="([^"]+)"', page).group(1)
    assert client.post("/account/sessions/end-others", data={"sessions-csrf_token": token}).status_code == 302


def test_client_address_comes_from_trusted_proxy_only(app):
    from askiso import create_app

    behind = create_app("testing", SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"], TRUSTED_PROXIES=1)

    @behind.route("/whoami-test")
    def whoami():
        from flask import request

        return request.remote_addr

    forwarded = behind.test_client().get("/whoami-test", headers={"X-Forwarded-For": "198.51.100.7"})
    assert forwarded.get_data(as_text=True) == "198.51.100.7"

    direct = create_app("testing", SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"])
    direct.add_url_rule("/whoami-test", "whoami", whoami)
    spoofed = direct.test_client().get("/whoami-test", headers={"X-Forwarded-For": "198.51.100.7"})
    assert spoofed.get_data(as_text=True) == "127.0.0.1"

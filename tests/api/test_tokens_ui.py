"""Tokens on the account page and on the command line; the document and reference pages."""

import re

from sqlalchemy import select

from askiso.api.models import ApiToken
from askiso.audit.models import AuditEvent
from askiso.extensions import db


def _token_in(html):
    return re.search(r'value="(aiso_[A-Za-z0-9_\-]+)"', html).group(1)


def test_make_use_and_revoke_a_token_on_the_account_page(client_for, people, client):
    browser = client_for(people.alpha_user)
    page = browser.get("/account/tokens/")
    assert page.status_code == 200 and "Make a token" in page.get_data(as_text=True)
    made = browser.post("/account/tokens/", data={"name": "nightly script", "scope": "read", "days": "30"})
    assert made.status_code == 200
    token = _token_in(made.get_data(as_text=True))
    row = db.session.scalar(select(ApiToken).where(ApiToken.user_id == people.alpha_user.id))
    assert (row.name, row.scope, (row.expires_at - row.created_at).days) == ("nightly script", "read", 30)
    assert token not in browser.get("/account/tokens/").get_data(as_text=True)  # shown once only
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    response = browser.post(f"/account/tokens/{row.id}/revoke")
    assert response.status_code == 302
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    actions = db.session.scalars(select(AuditEvent.action).where(AuditEvent.action.like("api.%"))).all()
    assert actions == ["api.token_created", "api.token_revoked"]


def test_form_errors_keep_input(client_for, people):
    browser = client_for(people.alpha_user)
    response = browser.post("/account/tokens/", data={"name": "", "scope": "write", "days": "999"})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Give the token a name" in html and "field-error" in html
    assert db.session.scalar(select(ApiToken)) is None


def test_cannot_revoke_someone_elses_token(client_for, people):
    from tests.api.conftest import make_token

    make_token(people.beta_user)
    row = db.session.scalar(select(ApiToken))
    response = client_for(people.alpha_user).post(f"/account/tokens/{row.id}/revoke")
    assert response.status_code == 404
    db.session.refresh(row)
    assert row.revoked_at is None


def test_token_pages_need_sign_in(client):
    assert client.get("/account/tokens/").status_code == 302
    assert client.post("/account/tokens/", data={"name": "x"}).status_code == 302


def test_staff_without_two_factor_cannot_make_tokens_on_the_page(client_for, people):
    browser = client_for(people.agent)
    people.agent.totp_enabled_at = None
    db.session.commit()
    response = browser.post("/account/tokens/", data={"name": "x", "scope": "write", "days": "90"})
    # The accounts feature sends 2FA-less staff to set it up first; either way no token is made.
    assert response.status_code in (302, 400)
    assert db.session.scalar(select(ApiToken)) is None


def test_cli_create_prints_the_token_once(runner, people, client):
    result = runner.invoke(args=["tokens", "create", people.alpha_user.email, "--name", "cli"])
    assert result.exit_code == 0, result.output
    token = result.stdout.strip().splitlines()[0]
    assert token.startswith("aiso_")
    assert (
        client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).get_json()["token"]["scope"] == "write"
    )
    listed = runner.invoke(args=["tokens", "list", people.alpha_user.email])
    assert "cli" in listed.output and token not in listed.output
    row_id = listed.output.split("\t", 1)[0]
    assert runner.invoke(args=["tokens", "revoke", row_id]).exit_code == 0
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401


def test_cli_options_and_refusals(runner, people):
    result = runner.invoke(args=["tokens", "create", people.alpha_user.email, "--scope", "read", "--days", "7"])
    assert result.exit_code == 0
    row = db.session.scalar(select(ApiToken))
    assert row.scope == "read" and (row.expires_at - row.created_at).days == 7
    assert runner.invoke(args=["tokens", "create", "nobody@x.test"]).exit_code != 0
    assert runner.invoke(args=["tokens", "create", people.alpha_user.email, "--days", "400"]).exit_code != 0


def test_openapi_document_and_reference_are_public(client):
    document = client.get("/api/v1/openapi.json")
    assert document.status_code == 200
    spec = document.get_json()
    assert spec["openapi"].startswith("3.")
    assert {"/me", "/request-types", "/cases", "/cases/{number}", "/cases/{number}/messages"} <= set(spec["paths"])
    assert spec["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    page = client.get("/api/docs")
    assert page.status_code == 200 and page.mimetype == "text/html"
    html = page.get_data(as_text=True)
    assert "POST /api/v1/cases" in html and "Idempotency-Key" in html
    assert "<script>" not in html and "cdn" not in html.lower()

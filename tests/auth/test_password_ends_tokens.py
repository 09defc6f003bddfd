"""A password reset ends every API token too (issue 20, finding 4).

Attack: someone who used the account made an API token; the owner resets the password
fearing exactly that; before the fix the token kept working.
"""

from askiso.api.tokens import create_token
from askiso.extensions import db
from tests.auth.conftest import emailed_token, outbox
from tests.factories import PASSWORD

NEW_PASSWORD = "copper-lantern-harbor-97"


def _me(app, token):
    return app.test_client().get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})


def test_reset_ends_every_token_and_says_so(app, client, people):
    _, intruders = create_token(people.alpha_user, "made by whoever had the password")
    _, own = create_token(people.alpha_user, "reporting", scope="read")
    db.session.commit()
    assert _me(app, intruders).status_code == 200
    client.post("/forgot-password", data={"email": people.alpha_user.email})
    page = client.get(f"/reset-password/{emailed_token('reset-password')}")
    assert b"every API token of the account stops working" in page.data  # said before
    token = emailed_token("reset-password")
    client.post(f"/reset-password/{token}", data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert _me(app, intruders).status_code == 401
    assert _me(app, own).status_code == 401
    [mail] = outbox(people.alpha_user.email, kind="password_changed")
    assert "Every API token of the account has been ended" in mail.body_text


def _change(client, **extra):
    return client.post("/account/password", data={
        "pw-current_password": PASSWORD, "pw-password": NEW_PASSWORD, "pw-confirm": NEW_PASSWORD, **extra,
    })


def test_password_change_ends_tokens_by_default(app, people, client_for):
    _, token = create_token(people.alpha_user, "ci")
    db.session.commit()
    signed_in = client_for(people.alpha_user)
    assert b'name="pw-keep_tokens"' in signed_in.get("/account/").data
    response = _change(signed_in)
    assert response.status_code == 302
    assert _me(app, token).status_code == 401
    assert "1 API token stopped working" in signed_in.get("/account/").get_data(as_text=True)
    [mail] = outbox(people.alpha_user.email, kind="password_changed")
    assert "Every API token of the account has been ended" in mail.body_text


def test_password_change_may_keep_tokens_when_asked(app, people, client_for):
    _, token = create_token(people.alpha_user, "ci")
    db.session.commit()
    _change(client_for(people.alpha_user), **{"pw-keep_tokens": "y"})
    assert _me(app, token).status_code == 200
    [mail] = outbox(people.alpha_user.email, kind="password_changed")
    assert "You chose to keep your API tokens working" in mail.body_text

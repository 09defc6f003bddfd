"""The invitation link an SA's "add a person" sends: works once, expires after 72 hours."""

import re
from datetime import timedelta

from askiso.auth.models import OneTimeToken, user_by_email
from askiso.auth.passwords import verify_password
from askiso.cams.models import Membership
from askiso.extensions import db
from askiso.mail.models import OutboxEmail
from tests.conftest import AuthActions

NEW_PASSWORD = "copper-lantern-harbor-97"


def _invite(people, client_for, email="invited@alpha.test"):
    client_for(people.alpha_sa).post("/company/ALPHA/members", data={"email": email, "name": "Ivy Invited"})
    mails = [m for m in db.session.scalars(db.select(OutboxEmail).order_by(OutboxEmail.id)) if email in m.recipients]
    return re.search(r"/set-password/([A-Za-z0-9_\-]+)", mails[-1].body_text).group(1)


def _set(client, token):
    return client.post(f"/set-password/{token}", data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})


def test_invitation_link_sets_the_password_once(app, people, client_for, client):
    token = _invite(people, client_for)
    assert client.get(f"/set-password/{token}").status_code == 200
    assert _set(client, token).status_code == 302
    user = user_by_email("invited@alpha.test")
    db.session.refresh(user)
    assert verify_password(user, NEW_PASSWORD)
    assert _set(client, token).status_code == 410
    # The new member now signs in and acts for Alpha.
    member = AuthActions(app.test_client())
    assert member.login(user, NEW_PASSWORD).status_code == 302
    assert b"Sign out" in member.client.get("/", follow_redirects=True).data


def test_invitation_link_expires(people, client_for, client):
    token = _invite(people, client_for)
    row = db.session.scalar(db.select(OneTimeToken).where(OneTimeToken.purpose == "set_password"))
    row.expires_at = row.created_at + timedelta(hours=72) - timedelta(days=4)
    db.session.commit()
    assert client.get(f"/set-password/{token}").status_code == 410
    assert user_by_email("invited@alpha.test").password_hash is None


def test_resent_invitation_replaces_the_old_link(people, client_for, client):
    first = _invite(people, client_for)
    user = user_by_email("invited@alpha.test")
    membership_id = db.session.scalar(
        db.select(Membership.id).where(Membership.user_id == user.id, Membership.is_active.is_(True)))
    client_for(people.alpha_sa).post(f"/company/ALPHA/members/{membership_id}/resend")
    mails = [m for m in db.session.scalars(db.select(OutboxEmail).order_by(OutboxEmail.id))
             if "invited@alpha.test" in m.recipients]
    second = re.search(r"/set-password/([A-Za-z0-9_\-]+)", mails[-1].body_text).group(1)
    assert second != first
    assert client.get(f"/set-password/{first}").status_code == 410
    assert _set(client, second).status_code == 302

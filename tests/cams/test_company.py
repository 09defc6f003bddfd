"""SA self-service: adding people, roles, ending memberships, the last-SA rule, read-only companies."""

from datetime import timedelta

from askiso.audit.models import AuditEvent
from askiso.auth.models import OneTimeToken, User, user_by_email
from askiso.cams.models import Membership
from askiso.extensions import db
from askiso.mail.models import OutboxEmail
from tests.factories import make_user


def _membership(user, participant, active=True):
    db.session.expire_all()
    return db.session.scalar(
        db.select(Membership).where(
            Membership.user_id == user.id, Membership.participant_id == participant.id,
            Membership.is_active.is_(active),
        )
    )


def _mails_to(address):
    return [m for m in db.session.scalars(db.select(OutboxEmail).order_by(OutboxEmail.id)) if address in m.recipients]


def _events(action):
    return db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == action)).all()


def test_members_page_lists_name_email_roles_and_dates(people, client_for):
    page = client_for(people.alpha_sa).get("/company/ALPHA/")
    text = page.get_data(as_text=True)
    for expected in ("Ann User", "ann.user@alpha.test", "Meg Manager", "Ask ISO/External Manager",
                     "Security Administrator", "Last sign-in", "Member since", "Fay Former", "Activity"):
        assert expected in text
    # Sara signed in through the real form, so her last sign-in is shown.
    assert "Never" in text


def test_adding_an_existing_account_reuses_it_case_insensitively(people, client_for):
    jane = make_user("jane@x.com", "Jane Existing")
    db.session.commit()
    response = client_for(people.alpha_sa).post("/company/ALPHA/members", data={"email": "Jane@X.com", "name": "Jane"})
    assert response.status_code == 302
    assert db.session.scalar(db.select(db.func.count(User.id)).where(User.email.ilike("jane@x.com"))) == 1
    membership = _membership(jane, people.alpha)
    assert membership is not None and membership.granted_by_id == people.alpha_sa.id
    mails = _mails_to("jane@x.com")
    assert len(mails) == 1 and "Alpha Power LLC" in mails[0].subject
    assert "set-password" not in mails[0].body_text
    event = _events("cams.member_added")[-1]
    assert (event.actor_id, event.subject_user_id, event.participant_id) == (
        people.alpha_sa.id, jane.id, people.alpha.id)


def test_adding_an_unknown_email_creates_an_account_without_password_and_invites(people, client_for):
    client = client_for(people.alpha_sa)
    response = client.post("/company/ALPHA/members",
                           data={"email": "New.Person@Alpha.test", "name": "New Person", "external_manager": "y"})
    assert response.status_code == 302
    user = user_by_email("new.person@alpha.test")
    assert user.email == "new.person@alpha.test" and user.password_hash is None
    membership = _membership(user, people.alpha)
    assert membership.roles == ["external_manager"]
    token = db.session.scalar(db.select(OneTimeToken).where(OneTimeToken.user_id == user.id))
    assert token.purpose == "set_password" and token.used_at is None
    assert timedelta(hours=71) < token.expires_at - token.created_at <= timedelta(hours=72)
    mail = _mails_to("new.person@alpha.test")[0]
    assert "/set-password/" in mail.body_text
    assert _events("auth.set_password_sent")[-1].participant_id == people.alpha.id
    assert "set-password link" in client.get("/company/ALPHA/").get_data(as_text=True)
    page = client.get("/company/ALPHA/").get_data(as_text=True)
    assert "Invitation not yet accepted" in page and "Resend invitation" in page


def test_any_email_without_name_asks_for_the_name_and_keeps_input(people, client_for):
    response = client_for(people.alpha_sa).post("/company/ALPHA/members",
                                                data={"email": "nobody@alpha.test", "security_admin": "y"})
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert "Enter the person&#39;s full name." in text or "Enter the person's full name." in text
    assert 'value="nobody@alpha.test"' in text
    assert user_by_email("nobody@alpha.test") is None


def test_invalid_email_is_reported_next_to_the_field(people, client_for):
    response = client_for(people.alpha_sa).post("/company/ALPHA/members", data={"email": "not-an-email"})
    assert response.status_code == 200
    assert b"Enter a valid email address" in response.data
    assert b'id="email-error"' in response.data


def test_adding_an_active_member_again_is_refused(people, client_for):
    response = client_for(people.alpha_sa).post("/company/ALPHA/members",
                                                data={"email": "ANN.user@alpha.test", "name": "Ann"})
    assert response.status_code == 200
    assert b"already a member of Alpha Power LLC" in response.data
    assert db.session.scalar(db.select(db.func.count(Membership.id)).where(
        Membership.user_id == people.alpha_user.id, Membership.participant_id == people.alpha.id)) == 1


def test_staff_accounts_cannot_be_added_to_a_participant(people, client_for):
    response = client_for(people.alpha_sa).post("/company/ALPHA/members",
                                                data={"email": people.agent.email, "name": "Someone"})
    assert response.status_code == 302  # the same answer as for any address (test_company_attacker)
    assert _membership(people.agent, people.alpha) is None
    assert _events("cams.member_add_refused")[-1].details["reason"] == "ISO staff account"


def test_resend_invitation_retires_the_old_link(people, client_for):
    client = client_for(people.alpha_sa)
    client.post("/company/ALPHA/members", data={"email": "late@alpha.test", "name": "Late Starter"})
    user = user_by_email("late@alpha.test")
    membership = _membership(user, people.alpha)
    assert client.post(f"/company/ALPHA/members/{membership.id}/resend").status_code == 302
    db.session.expire_all()
    tokens = db.session.scalars(db.select(OneTimeToken).where(OneTimeToken.user_id == user.id)
                                .order_by(OneTimeToken.id)).all()
    assert len(tokens) == 2
    assert tokens[0].used_at is not None and tokens[1].used_at is None
    assert len(_mails_to("late@alpha.test")) == 2


def test_resend_is_refused_once_a_password_is_set(people, client_for):
    membership = _membership(people.alpha_user, people.alpha)
    client = client_for(people.alpha_sa)
    response = client.post(f"/company/ALPHA/members/{membership.id}/resend", follow_redirects=True)
    assert b"already set a password" in response.data
    assert _mails_to(people.alpha_user.email) == []


def test_grant_and_revoke_external_manager_are_audited(people, client_for):
    client = client_for(people.alpha_sa)
    membership = _membership(people.alpha_user, people.alpha)
    client.post(f"/company/ALPHA/members/{membership.id}/role", data={"role": "external_manager", "grant": "1"})
    assert _membership(people.alpha_user, people.alpha).is_external_manager
    client.post(f"/company/ALPHA/members/{membership.id}/role", data={"role": "external_manager", "grant": "0"})
    assert not _membership(people.alpha_user, people.alpha).is_external_manager
    granted, revoked = _events("cams.role_granted")[-1], _events("cams.role_revoked")[-1]
    assert granted.details["before"] == [] and granted.details["after"] == ["external_manager"]
    assert revoked.details["before"] == ["external_manager"] and revoked.details["after"] == []
    assert revoked.actor_id == people.alpha_sa.id and revoked.participant_id == people.alpha.id


def test_bad_role_values_are_rejected(people, client_for):
    membership = _membership(people.alpha_user, people.alpha)
    client = client_for(people.alpha_sa)
    assert client.post(f"/company/ALPHA/members/{membership.id}/role",
                       data={"role": "staff_role", "grant": "1"}).status_code == 400
    assert client.post(f"/company/ALPHA/members/{membership.id}/role",
                       data={"role": "security_admin", "grant": "yes"}).status_code == 400


def test_last_sa_cannot_drop_own_role(people, client_for):
    membership = _membership(people.alpha_sa, people.alpha)
    client = client_for(people.alpha_sa)
    response = client.post(f"/company/ALPHA/members/{membership.id}/role",
                           data={"role": "security_admin", "grant": "0"}, follow_redirects=True)
    assert b"last Security Administrator" in response.data
    assert _membership(people.alpha_sa, people.alpha).is_security_admin
    assert _events("cams.role_revoked") == []


def test_last_sa_cannot_end_own_membership(people, client_for):
    membership = _membership(people.alpha_sa, people.alpha)
    client = client_for(people.alpha_sa)
    confirm = client.get(f"/company/ALPHA/members/{membership.id}/end")
    assert b"cannot be removed" in confirm.data and b'name="confirm"' not in confirm.data
    response = client.post(f"/company/ALPHA/members/{membership.id}/end", data={"confirm": "yes"},
                           follow_redirects=True)
    assert b"last Security Administrator" in response.data
    assert _membership(people.alpha_sa, people.alpha) is not None


def test_with_a_second_sa_one_may_step_down_and_the_other_becomes_last(people, client_for):
    colleague = _membership(people.alpha_colleague, people.alpha)
    client = client_for(people.alpha_sa)
    client.post(f"/company/ALPHA/members/{colleague.id}/role", data={"role": "security_admin", "grant": "1"})
    own = _membership(people.alpha_sa, people.alpha)
    client.post(f"/company/ALPHA/members/{own.id}/role", data={"role": "security_admin", "grant": "0"})
    assert not _membership(people.alpha_sa, people.alpha).is_security_admin
    assert client.get("/company/ALPHA/").status_code == 404  # no longer an SA
    carl = client_for(people.alpha_colleague)
    colleague = _membership(people.alpha_colleague, people.alpha)
    response = carl.post(f"/company/ALPHA/members/{colleague.id}/end", data={"confirm": "yes"},
                         follow_redirects=True)
    assert b"last Security Administrator" in response.data
    assert _membership(people.alpha_colleague, people.alpha).is_security_admin


def test_sa_may_remove_another_sa_while_one_remains(people, client_for):
    colleague = _membership(people.alpha_colleague, people.alpha)
    client = client_for(people.alpha_sa)
    client.post(f"/company/ALPHA/members/{colleague.id}/role", data={"role": "security_admin", "grant": "1"})
    response = client.post(f"/company/ALPHA/members/{colleague.id}/end", data={"confirm": "yes"})
    assert response.status_code == 302  # two SAs: removing Carl is allowed
    assert _membership(people.alpha_colleague, people.alpha) is None


def test_ending_needs_the_confirmation_step(people, client_for):
    membership = _membership(people.alpha_user, people.alpha)
    client = client_for(people.alpha_sa)
    confirm = client.get(f"/company/ALPHA/members/{membership.id}/end")
    assert confirm.status_code == 200
    assert b"lose access" in confirm.data and b'name="confirm" value="yes"' in confirm.data
    # A bare POST (no confirm field) only shows the confirmation page again.
    assert client.post(f"/company/ALPHA/members/{membership.id}/end").status_code == 200
    assert _membership(people.alpha_user, people.alpha) is not None
    assert client.post(f"/company/ALPHA/members/{membership.id}/end", data={"confirm": "yes"}).status_code == 302
    assert _membership(people.alpha_user, people.alpha) is None


def test_ended_memberships_stay_as_history_and_can_be_renewed(people, client_for):
    client = client_for(people.alpha_sa)
    membership = _membership(people.alpha_user, people.alpha)
    client.post(f"/company/ALPHA/members/{membership.id}/end", data={"confirm": "yes"})
    ended = _membership(people.alpha_user, people.alpha, active=False)
    assert ended.id == membership.id and ended.ended_by_id == people.alpha_sa.id and ended.ended_at
    event = _events("cams.member_removed")[-1]
    assert event.subject_user_id == people.alpha_user.id and event.details["after"] == []
    client.post("/company/ALPHA/members", data={"email": people.alpha_user.email, "name": "Ann"})
    rows = db.session.scalars(db.select(Membership).where(
        Membership.user_id == people.alpha_user.id, Membership.participant_id == people.alpha.id)).all()
    assert sorted(r.is_active for r in rows) == [False, True]
    page = client.get("/company/ALPHA/").get_data(as_text=True)
    assert "Former members" in page and page.count("Ann User") >= 2


def test_suspended_participant_is_read_only_for_its_sa(people, client_for):
    people.alpha.status = "suspended"
    db.session.commit()
    client = client_for(people.alpha_sa)
    page = client.get("/company/ALPHA/")
    assert page.status_code == 200
    assert b"is suspended" in page.data and b"read-only" in page.data
    assert b"Add person" not in page.data and b"Grant External Manager" not in page.data
    membership = _membership(people.alpha_user, people.alpha)
    response = client.post(f"/company/ALPHA/members/{membership.id}/role",
                           data={"role": "external_manager", "grant": "1"}, follow_redirects=True)
    assert b"cannot be changed" in response.data
    client.post(f"/company/ALPHA/members/{membership.id}/end", data={"confirm": "yes"})
    client.post("/company/ALPHA/members", data={"email": "x@alpha.test", "name": "X"})
    m = _membership(people.alpha_user, people.alpha)
    assert m is not None and not m.is_external_manager
    assert user_by_email("x@alpha.test") is None


def test_nav_shows_my_company_only_to_sas(people, client_for):
    assert b'href="/company/"' in client_for(people.alpha_sa).get("/", follow_redirects=True).data
    assert b'href="/company/"' not in client_for(people.alpha_manager).get("/", follow_redirects=True).data

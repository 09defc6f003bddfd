"""`flask participants create`, `flask cams grant|revoke` (DESIGN §4)."""

from askiso.audit.models import AuditEvent
from askiso.auth.models import OneTimeToken, user_by_email
from askiso.cams.models import Membership, Participant
from askiso.extensions import db


def _membership(user, code, active=True):
    db.session.expire_all()
    return db.session.scalar(
        db.select(Membership).join(Participant).where(
            Membership.user_id == user.id, Participant.code == code, Membership.is_active.is_(active)))


def _events(action):
    return db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == action)).all()


def test_participants_create(app, runner):
    result = runner.invoke(args=["participants", "create", "Granite State Power LLC", "--code", "gsp"])
    assert result.exit_code == 0, result.output
    assert "created participant GSP" in result.output
    participant = db.session.scalar(db.select(Participant).where(Participant.code == "GSP"))
    assert participant.name == "Granite State Power LLC" and participant.status == "active"
    [event] = _events("cams.participant_created")
    assert event.actor_id is None and event.details["via"] == "cli"
    again = runner.invoke(args=["participants", "create", "Other", "--code", "GSP"])
    assert again.exit_code != 0 and "already used" in again.output


def test_grant_existing_account_adds_membership_and_roles(people, runner):
    result = runner.invoke(args=["cams", "grant", "Bob.User@beta.test", "alpha", "--role", "external_manager",
                                 "--role", "security_admin"])
    assert result.exit_code == 0, result.output
    membership = _membership(people.beta_user, "ALPHA")
    assert membership.roles == ["external_manager", "security_admin"]
    event = _events("cams.member_added")[-1]
    assert event.actor_id is None and event.details["via"] == "cli"
    assert event.details["after"] == ["external_manager", "security_admin"]


def test_grant_adds_roles_to_an_existing_membership_without_removing_any(people, runner):
    result = runner.invoke(args=["cams", "grant", people.alpha_manager.email, "ALPHA", "--role", "security_admin"])
    assert result.exit_code == 0, result.output
    assert "added security_admin" in result.output
    assert _membership(people.alpha_manager, "ALPHA").roles == ["external_manager", "security_admin"]
    again = runner.invoke(args=["cams", "grant", people.alpha_manager.email, "ALPHA"])
    assert again.exit_code == 0 and "no role changed" in again.output
    assert db.session.scalar(db.select(db.func.count(Membership.id)).where(
        Membership.user_id == people.alpha_manager.id)) == 1


def test_grant_unknown_email_creates_account_and_sends_set_password_email(people, runner):
    result = runner.invoke(args=["cams", "grant", "Jane.Doe@Alpha.test", "ALPHA", "--role", "security_admin"])
    assert result.exit_code == 0, result.output
    assert "created account jane.doe@alpha.test" in result.output
    assert "set-password email" in result.output
    user = user_by_email("jane.doe@alpha.test")
    assert user.name == "Jane Doe" and user.password_hash is None
    assert _membership(user, "ALPHA").is_security_admin
    assert db.session.scalar(db.select(OneTimeToken).where(OneTimeToken.user_id == user.id)).purpose == "set_password"


def test_grant_errors_are_clear(people, runner):
    unknown = runner.invoke(args=["cams", "grant", people.alpha_user.email, "NOPE"])
    assert unknown.exit_code != 0 and "no participant with code NOPE" in unknown.output
    bad_email = runner.invoke(args=["cams", "grant", "not an email", "ALPHA"])
    assert bad_email.exit_code != 0 and "invalid email" in bad_email.output
    bad_role = runner.invoke(args=["cams", "grant", people.alpha_user.email, "ALPHA", "--role", "admin"])
    assert bad_role.exit_code != 0
    staff = runner.invoke(args=["cams", "grant", people.agent.email, "ALPHA"])
    assert staff.exit_code != 0 and "staff" in staff.output


def test_revoke_ends_the_membership_and_keeps_history(people, runner):
    result = runner.invoke(args=["cams", "revoke", "ANN.USER@alpha.test", "ALPHA"])
    assert result.exit_code == 0, result.output
    assert _membership(people.alpha_user, "ALPHA") is None
    ended = _membership(people.alpha_user, "ALPHA", active=False)
    assert ended.ended_at is not None and ended.ended_by_id is None
    event = _events("cams.member_removed")[-1]
    assert event.actor_id is None and event.details["via"] == "cli"
    again = runner.invoke(args=["cams", "revoke", people.alpha_user.email, "ALPHA"])
    assert again.exit_code != 0 and "not an active member" in again.output


def test_revoke_may_remove_the_last_sa_with_a_warning(people, runner):
    result = runner.invoke(args=["cams", "revoke", people.alpha_sa.email, "ALPHA"])
    assert result.exit_code == 0
    assert "now has no Security Administrator" in result.output
    assert _membership(people.alpha_sa, "ALPHA") is None

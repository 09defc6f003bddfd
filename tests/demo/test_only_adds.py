"""`flask demo load` only adds, each thing once: what people changed afterwards stays as they left it."""

import re
from pathlib import Path

from sqlalchemy import func, select

from askiso.auth.models import User, user_by_email
from askiso.auth.passwords import verify_password
from askiso.auth.services import set_password
from askiso.cams import participants as register_ops
from askiso.cams import services as cams
from askiso.cams.models import Membership, Participant
from askiso.cases import services as cases
from askiso.cases.models import Case, Message, Queue, QueueMember
from askiso.demo.data import DEMO_PASSWORD, load_demo
from askiso.extensions import db
from askiso.mail.preferences import save_preferences, wants
from askiso.staff import admin
from askiso.staff.models import CannedResponse, Holiday

ROOT = Path(__file__).resolve().parent.parent.parent


def _user(email):
    return user_by_email(email)


def _participant(code):
    return db.session.scalar(select(Participant).where(Participant.code == code))


def _memberships(email, code):
    return db.session.scalars(select(Membership).where(
        Membership.user_id == _user(email).id, Membership.participant_id == _participant(code).id)).all()


def _count(model):
    return db.session.scalar(select(func.count()).select_from(model))


def test_an_ended_membership_stays_ended_however_often_the_demo_loads(app):
    load_demo()
    grace = _memberships("grace.user@granitestate.test", "GSP")[0]
    cams.end_membership(_user("olivia.sa@granitestate.test"), grace)
    db.session.commit()
    load_demo()
    load_demo()
    rows = _memberships("grace.user@granitestate.test", "GSP")
    assert len(rows) == 1 and rows[0].is_active is False and rows[0].ended_at is not None
    assert cams.active_participants_for(_user("grace.user@granitestate.test")) == []


def test_passwords_roles_preferences_and_participants_that_changed_stay_changed(app):
    load_demo()
    olivia, agent2, liam = (_user(e) for e in (
        "olivia.sa@granitestate.test", "agent2@askiso.test", "liam.manager@nutmeg.test"))
    set_password(olivia, "a new long passphrase of mine", reason="password_changed")
    admin.change_role(_user("admin@askiso.test"), agent2, "supervisor")
    save_preferences(liam, set())  # every optional notification off
    ethan = _memberships("ethan.manager@granitestate.test", "GSP")[0]
    cams.set_role(olivia, ethan, "external_manager", False)
    register_ops.set_participant_status(None, _participant("NET"), "suspended", via="cli")
    db.session.commit()
    load_demo()
    db.session.expire_all()
    assert verify_password(_user("olivia.sa@granitestate.test"), "a new long passphrase of mine")
    assert not verify_password(_user("olivia.sa@granitestate.test"), DEMO_PASSWORD)
    assert _user("agent2@askiso.test").staff_role == "supervisor"
    assert not wants(_user("liam.manager@nutmeg.test"), "case_replies")
    assert _memberships("ethan.manager@granitestate.test", "GSP")[0].is_external_manager is False
    assert _participant("NET").status == "suspended"


def test_a_case_someone_worked_on_is_not_reset_and_deleted_things_do_not_come_back(app):
    load_demo()
    case = db.session.scalar(select(Case).where(Case.submission_key == "demo-gsp-fcts"))
    agent = _user("agent@askiso.test")
    cases.change_status(case, agent, "resolved", reason="Done")
    cases.add_message(case, agent, "Access granted.", internal=False)
    admin.delete_canned(agent, db.session.scalar(select(CannedResponse).where(
        CannedResponse.title == "Acknowledgement")))
    holiday = db.session.scalar(select(Holiday).order_by(Holiday.day))
    admin.delete_holiday(agent, holiday)
    queue = db.session.scalar(select(Queue).where(Queue.key == "settlements"))
    admin.set_queue_members(_user("admin@askiso.test"), queue, [])
    db.session.commit()
    counts = [_count(m) for m in (Case, Message, CannedResponse, Holiday, QueueMember, User, Membership)]
    load_demo()
    db.session.expire_all()
    assert [_count(m) for m in (Case, Message, CannedResponse, Holiday, QueueMember, User, Membership)] == counts
    assert db.session.get(Case, case.id).status == "resolved"
    assert db.session.scalar(select(Holiday.id).where(Holiday.day == holiday.day)) is None
    assert db.session.scalar(select(func.count()).select_from(QueueMember).where(
        QueueMember.queue_id == queue.id)) == 0


def test_an_account_whose_email_changed_is_not_made_again(app):
    load_demo()
    grace = _user("grace.user@granitestate.test")
    grace.email = "grace@elsewhere.test"
    db.session.commit()
    users = _count(User)
    load_demo()
    assert _count(User) == users and _user("grace.user@granitestate.test") is None


def test_the_demo_adds_what_is_missing_next_to_existing_data(app):
    admin_user = User(email="admin@askiso.test", name="The Real Admin", staff_role="admin")
    db.session.add(admin_user)
    db.session.commit()
    load_demo()
    kept = _user("admin@askiso.test")
    assert kept.name == "The Real Admin" and kept.password_hash is None  # found, not taken over
    assert _user("agent@askiso.test") is not None and _count(Case) >= 6


def test_demo_load_refuses_in_production_unless_forced(app, runner):
    app.config["ENV_NAME"] = "production"
    try:
        refused = runner.invoke(args=["demo", "load"])
        assert refused.exit_code != 0 and "ASKISO_CONFIG=production" in refused.output and "--force" in refused.output
        assert _count(User) == 0
        forced = runner.invoke(args=["demo", "load", "--force"])
        assert forced.exit_code == 0, forced.output
        assert _user("admin@askiso.test") is not None
    finally:
        app.config["ENV_NAME"] = "testing"


def test_if_empty_loads_only_into_a_database_without_accounts(app, runner):
    result = runner.invoke(args=["users", "create", "ops@iso.test", "--name", "Ops", "--staff", "admin"])
    assert result.exit_code == 0, result.output
    skipped = runner.invoke(args=["demo", "load", "--if-empty"])
    assert skipped.exit_code == 0 and "already has accounts" in skipped.output
    assert _count(User) == 1 and _count(Participant) == 0
    db.session.execute(db.delete(User))
    db.session.commit()
    loaded = runner.invoke(args=["demo", "load", "--if-empty"])
    assert loaded.exit_code == 0 and "Demo data loaded" in loaded.output
    assert _user("olivia.sa@granitestate.test") is not None


def test_make_run_loads_the_demo_only_into_a_database_without_accounts():
    makefile = (ROOT / "Makefile").read_text()
    demo_recipe = re.search(r"^demo:\n((?:\t.*\n)+)", makefile, re.M).group(1)
    assert re.search(r"^run: .*\bsetup\b", makefile, re.M) and re.search(r"^setup: .*\bdemo\b", makefile, re.M)
    assert "demo load --if-empty" in demo_recipe and "--force" not in demo_recipe

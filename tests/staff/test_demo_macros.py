"""The demo's macros: shared ones by the admin, a personal one of Morgan Agent; valid as the macro form
checks them, added once, and applied on the staff case page in one click."""

import pyotp
from sqlalchemy import func, select

from askiso.auth.models import user_by_email
from askiso.cases.models import Case, Message, Queue
from askiso.core.timeutil import utcnow
from askiso.demo.data import DEMO_PASSWORD, load_demo
from askiso.extensions import db
from askiso.staff.demo import MACROS, macro_data
from askiso.staff.macros import Macro
from tests.conftest import AuthActions
from tests.notifications.helpers import notices
from tests.staff.helpers import composer_form

MORGAN = "agent2@askiso.test"


def _signed_in(app, email):
    """A client signed in as a demo staff account (given a second factor, as at first sign-in)."""
    user = user_by_email(email)
    user.totp_secret = pyotp.random_base32()
    user.totp_enabled_at = utcnow()
    db.session.commit()
    client = app.test_client()
    AuthActions(client).login(user, password=DEMO_PASSWORD)
    return client


def _by_name(name):
    return db.session.scalar(select(Macro).where(Macro.name == name))


def test_the_demo_has_shared_macros_and_one_of_morgans_own(app):
    load_demo()
    morgan = user_by_email(MORGAN)
    shared = db.session.scalars(select(Macro).where(Macro.owner_id.is_(None)).order_by(Macro.name)).all()
    assert {m.name for m in shared} >= {
        "Ask for the meter data file",
        "Billing dispute received",
        "Resolved: duplicate",
    }
    meter = _by_name("Ask for the meter data file")
    assert (meter.status, meter.is_internal) == ("waiting", False) and "meter data file" in meter.body
    billing = _by_name("Billing dispute received")
    assert (billing.priority, billing.queue.key) == ("high", "settlements")
    [own] = db.session.scalars(select(Macro).where(Macro.owner_id.isnot(None))).all()
    assert own.owner_id == morgan.id and own.assign_to == "me"


def test_each_demo_macro_passes_the_macro_forms_checks(app):
    load_demo()
    queues = {q.key: q for q in db.session.scalars(select(Queue))}
    clients = {None: _signed_in(app, "admin@askiso.test"), MORGAN: _signed_in(app, MORGAN)}
    for owner, spec in MACROS:
        macro = _by_name(spec["name"])
        # Posted back through the edit page unchanged: the form and the service accept it as it is.
        data = {k: v for k, v in macro_data(spec, queues, shared=owner is None).items() if v is not False}
        data = {k: ("y" if v is True else v) for k, v in data.items()}
        response = clients[owner].post(f"/staff/macros/{macro.id}", data=data)
        assert response.status_code == 302, (spec["name"], response.get_data(as_text=True)[:2000])
        db.session.refresh(macro)
        assert (macro.owner_id is None) == (owner is None)


def test_the_demo_adds_its_macros_once_and_a_deleted_one_stays_deleted(app):
    load_demo()
    count = db.session.scalar(select(func.count(Macro.id)))
    assert count == len(MACROS)
    db.session.delete(_by_name("Resolved: duplicate"))
    db.session.commit()
    load_demo()
    assert db.session.scalar(select(func.count(Macro.id))) == count - 1
    assert _by_name("Resolved: duplicate") is None


def test_morgan_applies_a_demo_macro_on_the_staff_case_page(app):
    load_demo()
    case = db.session.scalar(select(Case).where(Case.submission_key == "demo-gsp-billing"))
    grace = user_by_email("grace.user@granitestate.test")
    told_before = len(notices(grace))
    client = _signed_in(app, MORGAN)
    html = client.get(f"/staff/cases/{case.number}").get_data(as_text=True)
    assert "Ask for the meter data file" in html and "Take it: settlement review" in html
    macro = _by_name("Ask for the meter data file")
    data = composer_form(html, macro=str(macro.id))
    response = client.post(f"/staff/cases/{case.number}/reply", data=data)
    assert response.status_code == 302
    db.session.refresh(case)
    assert case.status == "waiting"
    message = db.session.scalar(select(Message).where(Message.case_id == case.id).order_by(Message.id.desc()))
    assert message.body.startswith("Hello Grace,") and case.number in message.body and not message.is_internal
    assert "Macro “Ask for the meter data file” applied." in client.get(response.headers["Location"]).get_data(
        as_text=True
    )
    # The participant hears of it in the app, once, as a reply that waits on them.
    [notice] = notices(grace)[told_before:]
    assert notice.summary == "Morgan Agent (ISO support) replied and is waiting for your answer"


def test_morgans_own_macro_is_not_offered_to_another_agent(app):
    load_demo()
    case = db.session.scalar(select(Case).where(Case.submission_key == "demo-gsp-billing"))
    page = _signed_in(app, "agent@askiso.test").get(f"/staff/cases/{case.number}").get_data(as_text=True)
    assert "Ask for the meter data file" in page and "Take it: settlement review" not in page

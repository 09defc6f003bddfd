"""The demo cases: made once, for the demo people, with a realistic story."""

from askiso.auth.models import user_by_email
from askiso.cases.models import Case, Message
from askiso.demo.data import load_demo
from askiso.extensions import db
from askiso.visibility import visible_cases


def test_demo_cases_load_idempotently_and_respect_visibility(app):
    load_demo()
    count = db.session.scalar(db.select(db.func.count(Case.id)))
    load_demo()
    assert db.session.scalar(db.select(db.func.count(Case.id))) == count >= 6
    statuses = set(db.session.scalars(db.select(Case.status)))
    assert {"new", "in_progress", "waiting", "resolved", "closed"} <= statuses
    assert db.session.scalar(db.select(db.func.count(Message.id)).where(Message.is_internal.is_(True))) >= 1
    grace, ethan, henry = (user_by_email(e) for e in (
        "grace.user@granitestate.test", "ethan.manager@granitestate.test", "henry.user@nutmeg.test"))
    grace_cases = set(db.session.scalars(visible_cases(grace).with_only_columns(Case.submission_key)))
    assert {"demo-gsp-billing", "demo-gsp-registration"} <= grace_cases and "demo-net-ftr" not in grace_cases
    ethan_cases = set(db.session.scalars(visible_cases(ethan).with_only_columns(Case.submission_key)))
    assert "demo-gsp-billing" in ethan_cases and "demo-net-ftr" not in ethan_cases
    henry_cases = set(db.session.scalars(visible_cases(henry).with_only_columns(Case.submission_key)))
    assert "demo-gsp-billing" not in henry_cases


def test_demo_cases_skip_missing_people(app):
    from askiso.cases.demo import load_cases

    assert load_cases() == 0  # no demo participants or people yet: nothing made, nothing broken

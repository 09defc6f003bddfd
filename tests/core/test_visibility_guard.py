"""The global guard of askiso/visibility.py: a query of cases, messages or files made inside a
request is scoped to that request's viewer even when the code that made it forgot to ask."""

import logging

import pytest
from flask_login import login_user
from sqlalchemy import func, select

from askiso.cases import services
from askiso.cases.models import Attachment, Case, Message
from askiso.extensions import db
from askiso.visibility import VisibilityError, unscoped
from tests.cases.helpers import new_case, pdf_file


@pytest.fixture
def cases(people):
    """Ann's case at Alpha with a public reply and an internal note (each with a file), Bob's at Beta."""
    alpha = new_case(people.alpha_user, people.alpha, subject="Alpha's own")
    services.add_message(alpha, people.agent, "public reply", files=[pdf_file("reply.pdf")])
    services.add_message(alpha, people.agent, "INTERNAL credit watch", internal=True, files=[pdf_file("memo.pdf")])
    beta = new_case(people.beta_user, people.beta, subject="Beta's secret")
    services.add_message(beta, people.beta_user, "beta's words")
    db.session.commit()
    ids = (alpha.id, beta.id)
    db.session.expire_all()  # a fresh request loads everything anew
    return ids


def _as(app, user):
    """A request context in which `user` is signed in (None: nobody is)."""
    context = app.test_request_context("/")
    context.push()
    if user is not None:
        login_user(user)
    return context


def test_a_plain_select_of_cases_in_a_participants_request_is_cut_to_what_they_may_see(app, people, cases):
    alpha_id, beta_id = cases
    context = _as(app, people.alpha_user)
    try:
        assert set(db.session.scalars(select(Case.id))) == {alpha_id}
        assert db.session.scalar(select(func.count()).select_from(Case)) == 1
        assert db.session.scalar(select(Case).where(Case.id == beta_id)) is None
    finally:
        context.pop()


def test_messages_and_files_of_other_cases_and_internal_ones_are_cut_too(app, people, cases):
    alpha_id, beta_id = cases
    context = _as(app, people.alpha_user)
    try:
        bodies = set(db.session.scalars(select(Message.body)))
        assert "public reply" in bodies
        assert "INTERNAL credit watch" not in bodies and "beta's words" not in bodies
        assert [a.filename for a in db.session.scalars(select(Attachment))] == ["reply.pdf"]
    finally:
        context.pop()


def test_relationship_loads_are_guarded_too(app, people, cases):
    alpha_id, beta_id = cases
    context = _as(app, people.alpha_user)
    try:
        with unscoped("the attacker's code got hold of rows some other way"):
            beta_message = db.session.scalar(select(Message).where(Message.case_id == beta_id))
            note = db.session.scalar(select(Message).where(Message.is_internal.is_(True)))
        assert beta_message.case is None  # the lazy load of the case is cut to the rule
        assert note.attachments == []  # the note's file is internal
    finally:
        context.pop()


def test_a_former_member_sees_nothing_of_their_old_company(app, people, cases):
    context = _as(app, people.former)
    try:
        assert db.session.scalars(select(Case)).all() == []
        assert db.session.scalars(select(Message)).all() == []
    finally:
        context.pop()


def test_staff_read_everything(app, people, cases):
    context = _as(app, people.agent)
    try:
        assert set(db.session.scalars(select(Case.id))) == set(cases)
        assert "INTERNAL credit watch" in set(db.session.scalars(select(Message.body)))
    finally:
        context.pop()


def test_an_agent_restricted_to_queues_reads_only_their_queues(app, people, cases):
    app.config["STAFF_RESTRICT_TO_QUEUES"] = True
    context = _as(app, people.agent)
    try:
        assert db.session.scalars(select(Case)).all() == []  # the agent is in no queue
    finally:
        context.pop()
        app.config["STAFF_RESTRICT_TO_QUEUES"] = False


def test_a_case_query_in_a_request_with_nobody_signed_in_is_an_error(app, people, cases):
    context = _as(app, None)
    try:
        with pytest.raises(VisibilityError):
            db.session.scalars(select(Case)).all()
        db.session.rollback()
        with pytest.raises(VisibilityError):
            db.session.scalar(select(Message.body))
    finally:
        context.pop()


def test_unscoped_reads_are_named_and_logged(app, people, cases, caplog):
    context = _as(app, None)
    try:
        with caplog.at_level(logging.DEBUG, logger="askiso.visibility"):
            with unscoped("a test reads every case"):
                assert len(db.session.scalars(select(Case)).all()) == 2
        assert "a test reads every case" in caplog.text
        with pytest.raises(VisibilityError):  # and only inside the block
            db.session.scalars(select(Case)).all()
    finally:
        context.pop()
    with pytest.raises(ValueError):
        unscoped("")


def test_workers_and_commands_outside_a_request_read_unguarded(app, people, cases):
    assert len(db.session.scalars(select(Case)).all()) == 2

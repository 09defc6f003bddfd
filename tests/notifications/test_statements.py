"""Submit and reply run as many statements however many people are told (one INSERT of notices)."""

from askiso.cases import services as case_services
from askiso.cases.models import CaseContact
from askiso.extensions import db
from askiso.notifications.models import Notification
from tests import factories
from tests.notifications.helpers import join_queue, new_case, notices
from tests.statements import recorded_statements


def _agents(n):
    return [factories.make_user(f"agent{i}@iso.test", f"Agent Number{i}", staff_role="agent") for i in range(n)]


def _submit_statements(app, people):
    with app.test_request_context("/"), recorded_statements() as seen:
        new_case(people.alpha_user, people.alpha, commit=False)
        db.session.flush()
    db.session.rollback()
    return seen


def _reply_statements(app, people, contacts):
    case = new_case(people.alpha_user, people.alpha)
    for contact in contacts:
        db.session.add(CaseContact(case_id=case.id, user_id=contact.id))
    db.session.commit()
    with app.test_request_context("/"), recorded_statements() as seen:
        case_services.add_message(case, people.alpha_user, "A reply for everyone")
        db.session.flush()
    db.session.commit()
    return seen


def _shape(seen):
    """The statements but the outbox's INSERTs: one per email row on SQLite (the ORM batches them
    where the database returns inserted ids in order, as PostgreSQL does), counted apart."""
    return [s for s in seen if not s.lstrip().upper().startswith("INSERT INTO OUTBOX_EMAILS")]


def _batched_outbox(app):
    return db.engine.dialect.name == "postgresql"


def _inserts(seen):
    return [s for s in seen if s.lstrip().upper().startswith("INSERT INTO NOTIFICATIONS")]


def test_submit_statements_do_not_grow_with_the_queue(app, people):
    join_queue(people.agent)
    _submit_statements(app, people)  # the first case ever makes the receipt key
    one = _submit_statements(app, people)
    for agent in _agents(4):
        join_queue(agent)
    five = _submit_statements(app, people)
    assert len(_inserts(five)) == 1
    assert len(_shape(five)) == len(_shape(one)), "\n".join(five)
    if _batched_outbox(app):
        assert len(five) == len(one), "\n".join(five)


def test_reply_statements_do_not_grow_with_the_followers(app, people):
    join_queue(people.agent)
    one = _reply_statements(app, people, [people.alpha_colleague])
    for agent in _agents(3):
        join_queue(agent)
    many = _reply_statements(app, people, [people.alpha_colleague, people.alpha_manager, people.both])
    assert len(_inserts(many)) == 2  # the staff's notices and the followers'
    assert len(_shape(many)) == len(_shape(one)), "\n".join(many)
    if _batched_outbox(app):
        assert len(many) == len(one), "\n".join(many)
    assert {n.user_id for n in notices() if n.kind == "colleague_reply"} >= {
        people.alpha_colleague.id,
        people.alpha_manager.id,
        people.both.id,
    }


def test_the_bell_is_one_statement(app, people, client_for):
    join_queue(people.agent)
    new_case(people.alpha_user, people.alpha)
    client = client_for(people.agent)
    client.get("/notifications/count")
    with recorded_statements() as seen:
        assert client.get("/notifications/count").json["unread"] == 1
    assert sum("notifications" in s for s in seen) == 1
    assert db.session.query(Notification).count() == 1

"""Reference data kept per process (askiso/core/reference.py): read once, read again after any change.

A kept catalogue that missed a change would offer a withdrawn request type or
compute a due time without a new holiday; these tests change the tables by
every route there is (the admin pages, SQL from another connection, a
rolled-back edit) and look at what the next page says.
"""

from datetime import date, timedelta

import pytest
from sqlalchemy import select, text

from askiso.cases import catalog
from askiso.cases.models import Case, Queue, RequestType, Topic
from askiso.core import reference
from askiso.core.reference import ReferenceVersion
from askiso.extensions import db
from askiso.staff import sla
from askiso.staff.models import Holiday, ServiceLevelSettings
from tests.cases.test_submit import form_data, post_new
from tests.statements import recorded_statements


def _token():
    db.session.commit()  # a new transaction sees the latest token
    return db.session.scalar(select(ReferenceVersion.token))


def _statements(client, path):
    """The SQL of one request."""
    with recorded_statements() as seen:
        response = client.get(path)
    assert response.status_code == 200, path
    return seen, response.get_data(as_text=True)


def _sql(statement):
    """A change made outside this session, as another process would make it."""
    with db.engine.begin() as conn:
        conn.execute(text(statement))


def test_kept_between_requests_and_read_again_after_a_change_by_sql(people, client_for):
    client = client_for(people.alpha_user)
    client.get("/cases/new?type=general_question")
    statements, page = _statements(client, "/cases/new?type=general_question")
    assert "General question" in page
    # the token came with the session row: no statement of its own, none for the catalogue
    assert not [s for s in statements if "request_types" in s or "FROM topics" in s or "reference_version" in s
                and "user_sessions" not in s]

    _sql("UPDATE request_types SET name = 'General question (renamed)' WHERE key = 'general_question'")
    _sql("UPDATE topics SET is_active = false WHERE key = 'billing'")
    statements, page = _statements(client, "/cases/new?type=general_question")
    assert "General question (renamed)" in page
    assert "Billing and settlements" not in page
    assert any("FROM request_types" in s for s in statements)


def test_an_admin_edit_is_on_the_next_page_of_someone_else(people, client_for):
    participant = client_for(people.alpha_user)
    assert "Data feeds / web services access" in participant.get("/cases/new").text
    admin = client_for(people.admin)
    rt = db.session.scalar(select(RequestType).where(RequestType.key == "data_feeds"))
    form = {"key": rt.key, "name": rt.name, "description": rt.description, "queue_id": rt.queue_id,
            "for_participants": "y"}  # is_active left out: withdrawn; no field rows: no fields
    assert admin.post(f"/staff/admin/request-types/{rt.id}", data=form).status_code == 302
    page = participant.get("/cases/new").text
    assert "General question" in page and "Data feeds / web services access" not in page
    refused = post_new(participant, form_data(people, "data_feeds"))
    assert refused.status_code == 200 and "no longer offered" in refused.text
    assert db.session.scalar(select(Case.id)) is None


def test_a_holiday_added_by_another_process_counts_for_the_next_case(people, client_for):
    client = client_for(people.alpha_user)
    assert post_new(client, form_data(people, "general_question", key="k1")).status_code == 303
    first = db.session.scalar(select(Case).order_by(Case.id.desc()))
    # every weekday of the next four weeks a holiday: the first response moves past them
    days = [first.received_at.date() + timedelta(days=i) for i in range(0, 29)]
    values = ", ".join(f"('{d.isoformat()}', 'Closed {i}')" for i, d in enumerate(days))
    _sql(f"INSERT INTO holidays (day, name) VALUES {values}")
    assert post_new(client, form_data(people, "general_question", key="k2")).status_code == 303
    second = db.session.scalar(select(Case).order_by(Case.id.desc()))
    assert second.id != first.id
    holidays = frozenset(days)
    assert second.first_response_due_at == sla.add_business_minutes(second.received_at, 540, holidays)
    assert second.first_response_due_at.date() > days[-1] - timedelta(days=1)


def test_service_levels_saved_by_a_supervisor_apply_to_the_next_case(people, client_for):
    client = client_for(people.alpha_user)
    assert post_new(client, form_data(people, "general_question", key="k1")).status_code == 303
    targets = {"urgent_first_response_minutes": 60, "high_first_response_minutes": 120,
               "normal_first_response_minutes": 30, "low_first_response_minutes": 1620,
               "resolution_minutes": 600, "autoclose_days": 7, "reminder_days": 5}
    assert client_for(people.supervisor).post("/staff/admin/service-levels", data=targets).status_code == 302
    assert post_new(client, form_data(people, "general_question", key="k2")).status_code == 303
    case = db.session.scalar(select(Case).order_by(Case.id.desc()))
    holidays = sla.holiday_dates()
    assert case.first_response_due_at == sla.add_business_minutes(case.received_at, 30, holidays)
    assert case.resolution_due_at == sla.add_business_minutes(case.received_at, 600, holidays)


def test_a_rolled_back_change_is_never_served(app, people, client_for):
    client = client_for(people.alpha_user)
    assert "General question" in client.get("/cases/new").text  # kept
    with app.test_request_context("/"):
        reference.note_token(db.session.scalar(select(ReferenceVersion.token)))  # as a session row brings it
        rt = db.session.scalar(select(RequestType).where(RequestType.key == "general_question"))
        rt.name = "Never committed"
        db.session.flush()
        assert catalog.active_request_type("general_question").name == "Never committed"  # its own change
        db.session.rollback()
    page = client.get("/cases/new").text
    assert "Never committed" not in page and "General question" in page


def _rows(table):
    queue_id = db.session.scalar(select(Queue.id))
    return {
        "queues": (lambda: Queue(key="extra", name="Extra"), "name"),
        "topics": (lambda: Topic(key="extra", name="Extra"), "name"),
        "request_types": (lambda: RequestType(key="extra", name="Extra", queue_id=queue_id, fields=[]), "name"),
        "holidays": (lambda: Holiday(day=date(2030, 1, 2), name="Extra"), "name"),
        "service_level_settings": (lambda: ServiceLevelSettings(id=2, **sla.DEFAULTS), "autoclose_days"),
    }[table]


@pytest.mark.parametrize("table", reference.TABLES)
def test_every_change_to_a_reference_table_makes_a_new_token(app, table):
    make, column = _rows(table)
    tokens = [_token()]
    row = make()
    db.session.add(row)
    tokens.append(_token())
    setattr(row, column, 9 if column == "autoclose_days" else "Changed")
    tokens.append(_token())
    db.session.delete(row)
    tokens.append(_token())
    assert None not in tokens and len(set(tokens)) == 4, tokens
    if db.engine.dialect.name == "postgresql":
        _sql(f"TRUNCATE {table} CASCADE")
        assert _token() not in tokens


def test_a_lost_row_comes_back_with_the_next_change(app):
    _sql("DELETE FROM reference_version")
    assert _token() is None
    _sql("UPDATE topics SET name = name")
    assert _token() is not None

"""`flask db upgrade` alone gives a usable instance: the catalogue comes with the migrations, once.

Every test here starts from an empty database (SQLite, or PostgreSQL with TEST_DATABASE_URL),
migrates it and uses it through the CLI, the pages and the API as an operator would.
"""

import io

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade

from askiso import create_app
from askiso.auth.models import User
from askiso.cases.models import Case, Queue, RequestType, Topic
from askiso.core.seeding import SeededRow, add_missing, seeded_ids
from askiso.extensions import db
from askiso.staff import admin
from askiso.staff.models import ServiceLevelSettings
from tests.cases.helpers import PDF
from tests.catalogue import catalogue_migration

PASSWORD = "correct horse battery staple 2026"
SAMPLES = {"text": "Alpha", "textarea": "Details of the request.", "phone": "6175550100",
           "email": "new.person@alpha.test", "date_past": "2026-01-15", "money": "1,250.00"}


@pytest.fixture
def upgraded(empty_database_url, tmp_path, monkeypatch):
    """An app on a database that `flask db upgrade` made, and nothing else."""
    monkeypatch.setenv("ASKISO_INSTANCE_PATH", str(tmp_path / "instance"))
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=empty_database_url)
    with app.app_context():
        upgrade()
        yield app
        db.session.remove()
        db.engine.dispose()


def cli(app, *args, input=None):
    result = app.test_cli_runner().invoke(args=list(args), input=input)
    assert result.exit_code == 0, result.output
    return result.output


def test_an_upgraded_empty_database_lists_every_seeded_request_type(upgraded):
    migration = catalogue_migration()
    assert db.session.scalar(sa.select(sa.func.count(User.id))) == 0  # no demo account, no account at all
    cli(upgraded, "users", "create", "ops@iso.test", "--name", "Ops Script", "--password-stdin", input=PASSWORD)
    token = cli(upgraded, "tokens", "create", "ops@iso.test").splitlines()[0].strip()
    response = upgraded.test_client().get("/api/v1/request-types", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    items = response.get_json()["items"]
    assert [t["key"] for t in items] == [t["key"] for t in migration.REQUEST_TYPES]
    by_key = {t["key"]: t for t in items}
    assert [f["name"] for f in by_key["billing_dispute"]["fields"]] == [
        "operating_day", "statement", "charge", "amount", "explanation"]
    assert by_key["general_question"]["for_non_participants"] is True
    assert set(db.session.scalars(sa.select(Queue.key))) == {q[0] for q in migration.QUEUES}
    assert set(db.session.scalars(sa.select(Topic.key))) == {t[0] for t in migration.TOPICS}
    targets = db.session.get(ServiceLevelSettings, 1)
    assert (targets.urgent_first_response_minutes, targets.normal_first_response_minutes,
            targets.resolution_minutes) == (120, 540, 5400)


def _sample(field):
    return field["choices"][0] if field["type"] == "choice" else SAMPLES[field["type"]]


def test_a_participant_can_file_every_request_type_on_a_database_only_upgraded(upgraded):
    cli(upgraded, "participants", "create", "Alpha Power LLC", "--code", "ALPHA")
    cli(upgraded, "users", "create", "ada@alpha.test", "--name", "Ada Lovelace", "--password-stdin", input=PASSWORD)
    cli(upgraded, "cams", "grant", "ada@alpha.test", "ALPHA")
    client = upgraded.test_client()
    assert client.post("/login", data={"email": "ada@alpha.test", "password": PASSWORD}).status_code == 302
    types = db.session.scalars(sa.select(RequestType).order_by(RequestType.sort_order)).all()
    assert len(types) == len(catalogue_migration().REQUEST_TYPES)
    participant_id = db.session.scalar(sa.text("SELECT id FROM participants WHERE code = 'ALPHA'"))
    for request_type in types:
        data = {"request_type": request_type.key, "form_key": f"k-{request_type.key}",
                "participant": str(participant_id), "subject": f"About {request_type.name}",
                "description": "Please help.", **{f"field_{f['name']}": _sample(f) for f in request_type.fields}}
        if request_type.file_required:
            data["files"] = [(io.BytesIO(PDF), "form.pdf")]
        response = client.post("/cases/new", data=data, content_type="multipart/form-data")
        assert response.status_code == 303, (request_type.key, response.text)
    cases = db.session.scalars(sa.select(Case)).all()
    assert sorted(c.request_type.key for c in cases) == sorted(t.key for t in types)
    assert all(c.queue_id == c.request_type.queue_id for c in cases)  # routed by the catalogue


def _admin_edits():
    """What an admin does with the seeded catalogue: rename a type's key, retitle and retire types,
    rename a queue's key, change the service levels."""
    actor = User(email="admin@iso.test", name="Avery Admin", staff_role="admin")
    db.session.add(actor)
    dispute = db.session.scalar(sa.select(RequestType).where(RequestType.key == "billing_dispute"))
    data = {"key": "settlement_dispute", "name": "Settlement dispute", "description": "Edited.",
            "file_required": True, "queue_id": dispute.queue_id, "for_participants": True,
            "for_non_participants": False, "is_active": True, "fields": []}
    admin.save_request_type(actor, dispute, data)
    general = db.session.scalar(sa.select(RequestType).where(RequestType.key == "general_question"))
    general.is_active = False
    queue = db.session.scalar(sa.select(Queue).where(Queue.key == "settlements"))
    admin.save_queue(actor, queue, "settlement_team", "Settlement team", "", True)
    db.session.get(ServiceLevelSettings, 1).autoclose_days = 9
    db.session.commit()
    return dispute.id, queue.id


def _catalogue():
    types = db.session.execute(sa.select(RequestType.key, RequestType.name, RequestType.is_active,
                                         RequestType.fields, RequestType.queue_id)).all()
    queues = db.session.execute(sa.select(Queue.key, Queue.name)).all()
    return sorted(types), sorted(queues), db.session.get(ServiceLevelSettings, 1).autoclose_days


def test_an_admins_edits_survive_a_later_run_of_the_catalogue_step(upgraded):
    dispute_id, queue_id = _admin_edits()
    before = _catalogue()
    migration = catalogue_migration()
    with db.engine.begin() as connection:
        migration.seed(connection)  # what a later migration carrying the same rows does
    db.session.expire_all()
    assert _catalogue() == before
    assert db.session.scalar(sa.select(RequestType.id).where(RequestType.key == "billing_dispute")) is None
    assert db.session.scalar(sa.select(Queue.id).where(Queue.key == "settlements")) is None
    assert db.session.get(RequestType, dispute_id).fields == []
    assert db.session.get(ServiceLevelSettings, 1).autoclose_days == 9
    assert db.session.get(Queue, queue_id).name == "Settlement team"


def test_a_later_migration_adds_only_its_new_rows_and_finds_renamed_ones(upgraded):
    """The pattern a later catalogue migration follows (docs/operations.md, "Reference data")."""
    _, queue_id = _admin_edits()
    migration = catalogue_migration()
    new_type = {"key": "ftr_collateral", "name": "FTR collateral question", "description": "", "fields": [],
                "file_required": False, "default_topic_id": None, "for_participants": True,
                "for_non_participants": False, "is_active": True, "sort_order": 20}
    with db.engine.begin() as connection:
        queue_ids = seeded_ids(connection, migration.queues)
        assert queue_ids["settlements"] == queue_id  # the seeded key still finds the renamed queue
        rows = [{**new_type, "key": "billing_dispute", "queue_id": queue_ids["settlements"]},
                {**new_type, "queue_id": queue_ids["settlements"]}]
        assert add_missing(connection, migration.request_types, rows, source="later") == ["ftr_collateral"]
        assert add_missing(connection, migration.request_types, rows, source="later") == []
    added = db.session.scalar(sa.select(RequestType).where(RequestType.key == "ftr_collateral"))
    assert added.queue_id == queue_id and added.queue.key == "settlement_team"
    assert db.session.scalar(sa.select(RequestType.id).where(RequestType.key == "billing_dispute")) is None
    ledger = db.session.get(SeededRow, ("request_types", "ftr_collateral"))
    assert ledger.source == "later" and ledger.row_id == added.id


def test_rows_that_already_existed_are_adopted_not_changed(empty_database_url, tmp_path, monkeypatch):
    """A database whose catalogue an older release seeded (demo load) keeps its rows as they are."""
    monkeypatch.setenv("ASKISO_INSTANCE_PATH", str(tmp_path / "instance"))
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=empty_database_url)
    with app.app_context():
        upgrade(revision=catalogue_migration().down_revision)
        with db.engine.begin() as connection:
            connection.execute(sa.text("INSERT INTO queues (key, name, description, is_active) "
                                       "VALUES ('settlements', 'Our settlements desk', '', true)"))
        upgrade()
        assert db.session.scalar(sa.select(Queue.name).where(Queue.key == "settlements")) == "Our settlements desk"
        assert db.session.scalar(sa.select(sa.func.count(Queue.id))) == len(catalogue_migration().QUEUES)
        assert db.session.get(SeededRow, ("queues", "settlements")) is not None
        db.session.remove()
        db.engine.dispose()

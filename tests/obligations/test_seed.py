"""Seeded: the migration makes the FTR certification (no participants) when its request type exists;
demo load only adds what is missing (the attribute, GSP and NET), however often it runs."""

from datetime import date

from alembic.script import ScriptDirectory
from flask_migrate import downgrade, upgrade
from sqlalchemy import func, select

from askiso import create_app
from askiso.cases.models import RequestType
from askiso.extensions import db
from askiso.obligations.demo import next_april_30
from askiso.obligations.models import Obligation, ObligationParticipant
from tests.core.conftest import empty_database_url  # noqa: F401  (the fixture)

REVISION = "69e54520bbd8"


def test_migration_seeds_the_ftr_certification_and_demo_adds_participants(empty_database_url):  # noqa: F811
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=empty_database_url)
    with app.app_context():
        before = ScriptDirectory(app.extensions["migrate"].directory).get_revision(REVISION).down_revision
        upgrade(revision=before)  # the catalogue's data migration comes before
        upgrade(revision=REVISION)
        [obligation] = db.session.scalars(select(Obligation)).all()
        due_day = next_april_30()
        # the key only: at this revision request_types lacks later columns the model has
        key = db.session.scalar(select(RequestType.key).where(RequestType.id == obligation.request_type_id))
        assert key == "ftr_certification"
        assert obligation.name == f"FTR annual risk-management certification {due_day.year} (Attachment 5)"
        assert obligation.participants.count() == 0
        from askiso.obligations.services import due_at_for

        assert obligation.due_at == due_at_for(due_day)
        db.session.commit()  # end the read: later migrations alter these tables (PostgreSQL would wait)
        upgrade()
        from askiso.demo.data import load_demo

        load_demo()
        load_demo()
        assert db.session.scalar(select(func.count(Obligation.id))) == 1
        codes = sorted(r.participant.code for r in db.session.scalars(select(ObligationParticipant)))
        assert codes == ["GSP", "NET"]
        db.session.remove()
        downgrade(revision="base")
        db.engine.dispose()


def test_next_april_30():
    assert next_april_30(date(2026, 12, 2)) == date(2027, 4, 30)
    assert next_april_30(date(2027, 4, 30)) == date(2027, 4, 30)
    assert next_april_30(date(2027, 1, 5)) == date(2027, 4, 30)

"""Models and migrations agree: upgrade an empty database, compare, downgrade."""

import os

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text

from askiso import create_app
from askiso.extensions import db
from askiso.ops.routes import _migrations_at_head, script_heads


def test_upgrade_matches_models_and_downgrades(empty_database_url, tmp_path):
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=empty_database_url)
    with app.app_context():
        upgrade()
        with db.engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            drift = compare_metadata(context, db.metadata)
        assert drift == [], f"models and migrations disagree: {drift}"
        assert _migrations_at_head()  # what /readyz reports
        downgrade(revision="base")
        assert not _migrations_at_head()
        with db.engine.connect() as conn:
            left = set(inspect(conn).get_table_names()) - {"alembic_version"}
        assert left == set()
        db.engine.dispose()


def test_db_command_group_works_though_flask_migrate_loads_on_first_use(tmp_path):
    app = create_app("testing", SQLALCHEMY_DATABASE_URI="sqlite:///" + str(tmp_path / "cli.db"))
    result = app.test_cli_runner().invoke(args=["db", "--directory", app.extensions["migrate"].directory, "upgrade"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert _migrations_at_head()
        db.engine.dispose()
    result = app.test_cli_runner().invoke(args=["db", "--help"])
    assert result.exit_code == 0 and "upgrade" in result.output and "--directory" in result.output


def test_readiness_reads_the_same_heads_as_alembic(tmp_path):
    """/readyz reads the scripts' heads without alembic; alembic must agree, branches and merges included."""
    app = create_app("testing")
    directory = app.extensions["migrate"].directory
    assert script_heads(directory) == set(ScriptDirectory(directory).get_heads())

    versions = tmp_path / "versions"
    versions.mkdir()
    scripts = {
        "a": "revision = 'a1'\ndown_revision = None\n",
        "b": "revision: str = 'b2'\ndown_revision: str | None = 'a1'\n",
        "c": "revision = 'c3'\ndown_revision = 'a1'\n",
        "d": "revision = 'd4'\ndown_revision = ('b2', 'c3')\n",
        "e": "revision = 'e5'\ndown_revision = 'a1'\n",
    }
    for name, text_ in scripts.items():
        (versions / f"{name}.py").write_text(
            text_ + "branch_labels = None\ndepends_on = None\n\n\ndef upgrade():\n    pass\n\n\n"
            "def downgrade():\n    pass\n"
        )
    expected = set(ScriptDirectory(str(tmp_path)).get_heads())
    assert expected == {"d4", "e5"}
    assert script_heads(str(tmp_path)) == expected


def _trigger_names(conn):
    if conn.dialect.name == "postgresql":
        rows = conn.execute(text("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal"))
    else:
        rows = conn.execute(text("SELECT name FROM sqlite_master WHERE type = 'trigger'"))
    return {row[0] for row in rows}


def test_migrations_make_the_same_status_count_triggers_as_the_models(empty_database_url):
    """The kept status counts (askiso/cases/counts.py) need their triggers on a migrated database too."""
    import importlib.util

    from askiso.cases import counts

    app = create_app("testing", SQLALCHEMY_DATABASE_URI=empty_database_url)
    with app.app_context():
        upgrade()
        with db.engine.connect() as conn:
            names = _trigger_names(conn)
            dialect = conn.dialect.name
        downgrade(revision="base")
        with db.engine.connect() as conn:
            assert not {n for n in _trigger_names(conn) if n.startswith("case_status_counts")}
        db.engine.dispose()
    expected = {s.split()[2] for s in counts.TRIGGERS[dialect] if s.startswith("CREATE TRIGGER")}
    assert expected and expected <= names
    path = os.path.join(app.extensions["migrate"].directory, "versions", "7c3f1a2b9d10_case_status_counts.py")
    spec = importlib.util.spec_from_file_location("status_counts_migration", path)
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    # A change to the triggers in the code needs a migration of its own.
    assert migration.TRIGGERS == counts.TRIGGERS and migration.DROP_TRIGGERS == counts.DROP_TRIGGERS


def _statistics_names(conn):
    if conn.dialect.name != "postgresql":
        return set()
    return {row[0] for row in conn.execute(text("SELECT stxname FROM pg_statistic_ext"))}


def test_migrations_make_the_same_planner_statistics_as_the_models(empty_database_url, app):
    """The extended statistics of askiso/cases/statistics.py exist on a migrated database as on one
    made from the models (PostgreSQL; SQLite has none), and go with a downgrade."""
    import importlib.util

    from askiso.cases import statistics

    with app.app_context():
        with db.engine.connect() as conn:
            from_models = _statistics_names(conn)
    migrated = create_app("testing", SQLALCHEMY_DATABASE_URI=empty_database_url)
    with migrated.app_context():
        upgrade()
        with db.engine.connect() as conn:
            names, dialect = _statistics_names(conn), conn.dialect.name
        downgrade(revision="base")
        with db.engine.connect() as conn:
            assert not _statistics_names(conn)
        db.engine.dispose()
    assert names == from_models
    if dialect == "postgresql":
        assert names == {"cases_submitter_participant"}
    path = os.path.join(migrated.extensions["migrate"].directory, "versions",
                        "d3a7c6e1f245_cases_submitter_participant_statistics.py")
    spec = importlib.util.spec_from_file_location("statistics_migration", path)
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    assert migration.STATISTICS == statistics.STATISTICS and migration.DROP_STATISTICS == statistics.DROP_STATISTICS


def test_migrations_make_the_reference_triggers_and_row_as_the_models(empty_database_url):
    """The token of the kept reference data (askiso/core/reference.py) changes on a migrated database
    too: its triggers and its row are made by the migration, and go with a downgrade."""
    import importlib.util

    from askiso.core import reference

    app = create_app("testing", SQLALCHEMY_DATABASE_URI=empty_database_url)
    with app.app_context():
        upgrade()
        with db.engine.begin() as conn:
            names, dialect = _trigger_names(conn), conn.dialect.name
            before = conn.scalar(text("SELECT token FROM reference_version WHERE id = 1"))
            conn.execute(text("INSERT INTO topics (key, name, is_active, sort_order) VALUES ('x', 'X', true, 0)"))
            after = conn.scalar(text("SELECT token FROM reference_version WHERE id = 1"))
        assert before and after and before != after
        downgrade(revision="base")
        with db.engine.connect() as conn:
            assert not {n for n in _trigger_names(conn) if n.startswith("reference_version")}
        db.engine.dispose()
    expected = {s.split()[2] for s in reference.TRIGGERS[dialect] if s.startswith("CREATE TRIGGER")}
    assert len(expected) >= len(reference.TABLES) and expected <= names
    path = os.path.join(app.extensions["migrate"].directory, "versions", "e8b1f0c4a7d2_reference_version.py")
    spec = importlib.util.spec_from_file_location("reference_migration", path)
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    # A change to the triggers in the code needs a migration of its own.
    assert (migration.TRIGGERS, migration.DROP_TRIGGERS, migration.BUMP) == (
        reference.TRIGGERS, reference.DROP_TRIGGERS, reference.BUMP)

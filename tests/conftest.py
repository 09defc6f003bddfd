"""Shared fixtures: an app on a fresh database, a client, ready people, sign-in.

The suite runs on SQLite by default and on PostgreSQL when TEST_DATABASE_URL
points at a server; each pytest process then works in a database of its own,
created and dropped here, so parallel runs never meet.
"""

import os
import uuid

import pyotp
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from askiso import create_app
from askiso.extensions import db
from tests import factories


def _postgres_database():
    """Create a throwaway PostgreSQL database; returns (url, drop callback)."""
    base = make_url(os.environ["TEST_DATABASE_URL"])
    name = f"askiso_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))

    def drop():
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return base.set(database=name).render_as_string(hide_password=False), drop


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    url = os.environ.get("TEST_DATABASE_URL", "")
    if url.startswith("postgresql"):
        url, drop = _postgres_database()
        yield url
        drop()
    else:
        yield "sqlite:///" + str(tmp_path_factory.mktemp("db") / "test.db")


@pytest.fixture(scope="session")
def _app(database_url, tmp_path_factory):
    instance = tmp_path_factory.mktemp("instance")
    os.environ["ASKISO_INSTANCE_PATH"] = str(instance)
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=database_url)
    with app.app_context():
        db.create_all()
    app.extensions["data_migration_seeds"] = data_migration_seeds(app)
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def app(_app):
    """The app with an empty database and the migrations' reference data (the catalogue) for each test."""
    with _app.app_context():
        with db.engine.begin() as connection:
            for seed in _app.extensions["data_migration_seeds"]:
                seed(connection)
        yield _app
        db.session.rollback()
        db.session.remove()
        _empty_all_tables()
    _reset_files(_app)


def data_migration_seeds(app):
    """The `seed(connection)` functions of the data migrations, base first (docs/operations.md,
    "Reference data"): the tests' database, made from the models, gets what `flask db upgrade` adds."""
    from alembic.script import ScriptDirectory

    scripts = reversed(list(ScriptDirectory(app.extensions["migrate"].directory).walk_revisions()))
    return [script.module.seed for script in scripts if callable(getattr(script.module, "seed", None))]


def _empty_all_tables():
    tables = list(reversed(db.metadata.sorted_tables))
    if db.engine.dialect.name == "postgresql":
        names = ", ".join(f'"{t.name}"' for t in tables)
        with db.engine.begin() as conn:
            conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        return
    with db.engine.begin() as conn:
        conn.execute(text("PRAGMA foreign_keys=OFF"))
        for table in tables:
            conn.execute(table.delete())
        # Deleting the cases made their status-count rows (askiso/cases/counts.py): empty it last.
        conn.execute(text("DELETE FROM case_status_counts"))
        conn.execute(text("PRAGMA foreign_keys=ON"))


def _reset_files(app):
    import shutil
    from pathlib import Path

    for key in ("MAIL_CAPTURE_DIR", "FILE_STORAGE_DIR", "SEARCH_INDEX_DIR"):
        folder = Path(app.config[key])
        if folder.exists():
            shutil.rmtree(folder)
    from askiso.extensions import limiter

    if app.config.get("RATELIMIT_ENABLED"):
        limiter.reset()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def people(app):
    """Two participants with a plain user, an External Manager and an SA each,
    a person in both, a former member, a non-participant, and staff."""
    return factories.make_people()


class AuthActions:
    """Sign in through the real forms, second factor included."""

    def __init__(self, client):
        self.client = client

    def login(self, user, password=factories.PASSWORD):
        response = self.client.post("/login", data={"email": user.email, "password": password})
        if user.has_totp and "/login/two-factor" in response.headers.get("Location", ""):
            user.totp_last_step = None
            code = pyotp.TOTP(user.totp_secret).now()
            response = self.client.post("/login/two-factor", data={"code": code})
        return response

    def logout(self):
        return self.client.post("/logout")


@pytest.fixture
def auth(client):
    return AuthActions(client)


def login_as(app, user):
    """A fresh client signed in as `user` (for matrix tests over many people)."""
    client = app.test_client()
    AuthActions(client).login(user)
    return client


@pytest.fixture
def client_for(app):
    return lambda user: login_as(app, user) if user is not None else app.test_client()

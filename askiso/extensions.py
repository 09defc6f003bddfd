"""Extension objects, created once and bound in create_app."""

import click
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_mail import Mail
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class LazyMigrate:
    """Flask-Migrate, imported the first time migrations are used (`flask db ...`).

    Flask-Migrate imports all of alembic (~150 modules, ~10 MB per process),
    which a web worker serving pages never needs. `init_app` registers the
    `db` command group and `app.extensions["migrate"]` as stand-ins that bind
    the real Flask-Migrate on first use; after that they are the real ones.
    """

    def init_app(self, app, db, directory):
        app.extensions["migrate"] = _PendingMigrateConfig(app, db, str(directory))
        app.cli.add_command(_LazyDbGroup(app, name="db", help="Perform database migrations."))


def _bind_migrate(app):
    pending = app.extensions["migrate"]
    if isinstance(pending, _PendingMigrateConfig):
        from flask_migrate import Migrate

        Migrate().init_app(app, pending.db, directory=pending.directory)  # replaces both stand-ins
    return app.extensions["migrate"]


class _PendingMigrateConfig:
    def __init__(self, app, db, directory):
        self._app, self.db, self.directory = app, db, directory

    def __getattr__(self, name):  # migrate, configure_args, metadata: only Flask-Migrate's own code asks
        return getattr(_bind_migrate(self._app), name)


class _LazyDbGroup(click.Group):
    def __init__(self, app, **kwargs):
        super().__init__(**kwargs)
        self._app = app

    def _real(self):
        _bind_migrate(self._app)
        from flask_migrate.cli import db as db_group

        return db_group

    def make_context(self, info_name, args, parent=None, **extra):
        # The real group parses its own options (-d, -x) and runs its callback and subcommands.
        return self._real().make_context(info_name, args, parent=parent, **extra)

    def list_commands(self, ctx):
        return self._real().list_commands(ctx)

    def get_command(self, ctx, cmd_name):
        return self._real().get_command(ctx, cmd_name)


db = SQLAlchemy(model_class=Base)
migrate = LazyMigrate()
login_manager = LoginManager()
csrf = CSRFProtect()
mail = Mail()
limiter = Limiter(key_func=get_remote_address, default_limits=[])

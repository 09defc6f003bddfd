"""Ask ISO: the participant support case tracking system."""

import os
from pathlib import Path

from flask import Flask

from config import CONFIGS, instance_secret_key

ROOT = Path(__file__).resolve().parent.parent

BLUEPRINTS = (
    "askiso.auth.routes",
    "askiso.auth.account_routes",
    "askiso.cams.routes",
    "askiso.cases.routes",
    "askiso.inquiries.routes",
    "askiso.staff.routes",
    "askiso.mail.routes",
    "askiso.search.routes",
    "askiso.api.routes",
    "askiso.api.account",
    "askiso.audit.routes",
    "askiso.main.routes",
    "askiso.ops.routes",
    "askiso.obligations.routes",
    "askiso.receipts.routes",
    "askiso.satisfaction.routes",
    "askiso.notifications.routes",
    "askiso.articles.routes",
)

# Modules that connect receivers to signals (askiso/cases/signals.py, askiso/auth/signals.py).
SIGNAL_RECEIVERS = (
    "askiso.inquiries.accounts",
    "askiso.mail.notify",
    "askiso.inquiries.notify",
    "askiso.staff.sla",
    "askiso.search.tracking",
    "askiso.obligations.hooks",
    "askiso.receipts.mail",
    "askiso.notifications.hooks",
)

CLI_GROUPS = (
    "askiso.auth.cli",
    "askiso.cams.cli",
    "askiso.cases.cli",
    "askiso.inquiries.cli",
    "askiso.mail.cli",
    "askiso.search.cli",
    "askiso.api.cli",
    "askiso.staff.cli",
    "askiso.demo.cli",
    "askiso.ops.cli",
    "askiso.obligations.cli",
    "askiso.receipts.cli",
    "askiso.articles.cli",
)


def create_app(config=None, **overrides):
    """Build the application. `config` is a name ("testing") or a Config class."""
    app = Flask(
        __name__,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
        instance_path=os.environ.get("ASKISO_INSTANCE_PATH") or str(ROOT / "instance"),
    )
    config = config or os.environ.get("ASKISO_CONFIG", "development")
    app.config.from_object(CONFIGS[config] if isinstance(config, str) else config)
    app.config.update(overrides)
    _finish_config(app)
    if app.config.get("TRUSTED_PROXIES"):
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)

    from askiso import extensions

    extensions.db.init_app(app)
    _init_unit_of_work(app)
    extensions.migrate.init_app(app, extensions.db, directory=str(ROOT / "migrations"))
    extensions.csrf.init_app(app)
    extensions.mail.init_app(app)
    _init_limiter(app, extensions.limiter)
    _init_login(app, extensions.login_manager)

    from askiso import models  # noqa: F401  (every table on the metadata)
    from askiso.auth import sessions
    from askiso.cams import memberships
    from askiso.core import database, errors, security, templating
    from askiso.ops import logs, metrics

    logs.init_app(app)
    metrics.init_app(app)
    sessions.init_app(app)
    database.init_app(app)
    security.init_app(app)
    errors.init_app(app)
    templating.init_app(app)
    memberships.init_app(app)
    _register(app)
    _start_in_process_sender(app)
    return app


def _init_unit_of_work(app):
    """Among the first after_request hooks, so it runs last but one: the request's one commit
    (askiso/core/unit_of_work.py) includes what the other hooks wrote, and the X-Query-Count
    header (registered before it, run after it) counts what the commit flushed."""
    from askiso.core import database, unit_of_work

    database.init_query_count(app)
    unit_of_work.init_app(app)


def _start_in_process_sender(app):
    """Embedded default: deliver the outbox from the web process itself."""
    if not app.config.get("MAIL_SEND_IN_PROCESS") or app.testing:
        return
    started = []

    @app.before_request
    def _start_sender():
        if not started:
            from askiso.mail.sender import start_background_sender

            started.append(start_background_sender(app))


def _finish_config(app):
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    if not app.config.get("SECRET_KEY"):
        if app.config["ENV_NAME"] == "production":
            raise RuntimeError("SECRET_KEY must be set in the environment in production")
        app.config["SECRET_KEY"] = instance_secret_key(app.instance_path)
    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite:///" + str(Path(app.instance_path) / "askiso.db")
    app.config.setdefault("SEARCH_INDEX_DIR", str(Path(app.instance_path) / "search-index"))
    app.config.setdefault("MAIL_CAPTURE_DIR", str(Path(app.instance_path) / "mail"))
    app.config.setdefault("FILE_STORAGE_DIR", str(Path(app.instance_path) / "files"))
    app.config.setdefault("RECEIPT_KEY_FILE", str(Path(app.instance_path) / "receipt-signing-key.jwk"))


def _init_limiter(app, limiter):
    if app.config.get("REDIS_URL"):
        app.config.setdefault("RATELIMIT_STORAGE_URI", app.config["REDIS_URL"])
    else:
        app.config.setdefault("RATELIMIT_STORAGE_URI", "memory://")
    limiter.init_app(app)


def _init_login(app, login_manager):
    from askiso.auth.sessions import load_user_from_session

    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.session_protection = None  # our own server-side sessions decide
    login_manager.request_loader(lambda request: load_user_from_session())
    # Never restore a user from Flask-Login's own cookie keys.
    login_manager.user_loader(lambda user_id: None)


def _register(app):
    """Import every listed module: a name that does not import is an error, never skipped."""
    from importlib import import_module

    for name in SIGNAL_RECEIVERS:
        import_module(name)
    for name in BLUEPRINTS:
        app.register_blueprint(import_module(name).bp)
    for name in CLI_GROUPS:
        import_module(name).register(app)

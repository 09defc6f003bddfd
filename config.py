"""Configuration classes, read from the environment (DESIGN §4)."""

import os
import secrets
from datetime import timedelta
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent


def _bool(name, default=False):
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _int(name, default):
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else default


def instance_secret_key(instance_path):
    """Return the SECRET_KEY kept in the instance folder, creating it once."""
    path = Path(instance_path) / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_hex(32))
    return path.read_text().strip()


class Config:
    """Embedded defaults: SQLite, Whoosh, mail captured to the instance folder."""

    ENV_NAME = "development"
    SECRET_KEY = os.environ.get("SECRET_KEY")
    # None means "SQLite in the instance folder"; create_app fills it in.
    SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL")
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    REDIS_URL = os.environ.get("REDIS_URL")

    MAIL_SERVER = os.environ.get("MAIL_SERVER")
    MAIL_PORT = _int("MAIL_PORT", 25)
    MAIL_USE_TLS = _bool("MAIL_USE_TLS")
    MAIL_USE_SSL = _bool("MAIL_USE_SSL")
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD")
    MAIL_DEFAULT_SENDER = os.environ.get("MAIL_DEFAULT_SENDER", "Ask ISO <askiso@localhost>")
    # Background sender inside the web process (embedded default only).
    MAIL_SEND_IN_PROCESS = _bool("MAIL_SEND_IN_PROCESS", not os.environ.get("MAIL_SERVER"))
    MAIL_GIVE_UP_AFTER = timedelta(hours=_int("MAIL_GIVE_UP_HOURS", 48))
    # Incoming mail (askiso/mail/inbound.py): the support address replies go to
    # ("support@iso.example" -> "support+<signed case token>@iso.example").
    MAIL_REPLY_ADDRESS = os.environ.get("MAIL_REPLY_ADDRESS", "support@askiso.local")
    MAIL_INBOUND_MAX_BYTES = _int("MAIL_INBOUND_MAX_MB", 10) * 1024 * 1024
    # When set, mail whose Authentication-Results from this host say dmarc=fail is refused.
    MAIL_TRUSTED_AUTHSERV_ID = os.environ.get("MAIL_TRUSTED_AUTHSERV_ID")
    # On (production's default): mail from an account's address is posted as that person only when
    # MAIL_TRUSTED_AUTHSERV_ID says dmarc=pass or it was sent to a signed reply address; otherwise
    # it is held for staff review (askiso/mail/inbound.py). Off: today's development behaviour.
    MAIL_REQUIRE_AUTHENTICATED_SENDER = _bool("MAIL_REQUIRE_AUTHENTICATED_SENDER", False)

    # Obligations (askiso/obligations): default reminder days before the due time, and the
    # embedded default's reminder thread (0 when cron runs `flask --app wsgi obligations remind`).
    OBLIGATION_REMINDER_DAYS = os.environ.get("OBLIGATION_REMINDER_DAYS", "30,14,7,1")
    OBLIGATIONS_REMIND_IN_PROCESS = _bool("OBLIGATIONS_REMIND_IN_PROCESS", not os.environ.get("MAIL_SERVER"))
    OBLIGATIONS_REMIND_INTERVAL = _int("OBLIGATIONS_REMIND_INTERVAL", 300)

    # Where the app says it lives, for links in emails.
    EXTERNAL_URL = os.environ.get("ASKISO_EXTERNAL_URL", "http://127.0.0.1:5000")

    # How many reverse proxies in front of the app to trust for X-Forwarded-*
    # (client address for limits and audit, https for cookies). 0: none.
    TRUSTED_PROXIES = _int("TRUSTED_PROXIES", 0)

    SESSION_IDLE_TIMEOUT = timedelta(minutes=_int("SESSION_IDLE_MINUTES", 30))
    SESSION_ABSOLUTE_LIFETIME = timedelta(hours=_int("SESSION_ABSOLUTE_HOURS", 12))
    SESSION_COOKIE_NAME = "askiso_session"
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE")
    PREFERRED_URL_SCHEME = "https" if SESSION_COOKIE_SECURE else "http"

    WTF_CSRF_TIME_LIMIT = None  # tied to the session instead of a clock
    MAX_CONTENT_LENGTH = _int("MAX_UPLOAD_MB", 25) * 1024 * 1024 * 4 + 1024 * 1024
    MAX_FILE_BYTES = _int("MAX_UPLOAD_MB", 25) * 1024 * 1024
    # The locale numbers, amounts and dates are shown in (Babel, askiso/core/formatting.py).
    ISO_LOCALE = "en_US"

    RATELIMIT_ENABLED = _bool("RATELIMIT_ENABLED", True)
    RATELIMIT_HEADERS_ENABLED = True
    # Keeps this deployment's limit counters apart when several share one Redis.
    RATELIMIT_KEY_PREFIX = os.environ.get("RATELIMIT_KEY_PREFIX", "")

    SEARCH_BACKEND = os.environ.get("SEARCH_BACKEND", "whoosh")
    # Index in a thread of the web process (embedded default); 0 when `flask search work --loop` runs.
    SEARCH_WORK_IN_PROCESS = _bool("SEARCH_WORK_IN_PROCESS", True)
    # Whoosh: decoded index data kept per web process (LRU). Each worker holds
    # its own; the worker memory budget (200 MB) has to hold it.
    SEARCH_CACHE_MB = int(os.environ.get("SEARCH_CACHE_MB", "64"))
    # Folders default to the instance folder (create_app fills them in); several
    # web hosts must share FILE_STORAGE_DIR.
    if os.environ.get("FILE_STORAGE_DIR"):
        FILE_STORAGE_DIR = os.environ["FILE_STORAGE_DIR"]
    if os.environ.get("SEARCH_INDEX_DIR"):
        SEARCH_INDEX_DIR = os.environ["SEARCH_INDEX_DIR"]
    if os.environ.get("MAIL_CAPTURE_DIR"):
        MAIL_CAPTURE_DIR = os.environ["MAIL_CAPTURE_DIR"]
    # The receipt-signing private key (askiso/receipts/keys.py); defaults to the
    # instance folder. Several web hosts must read the same file (docs/receipts.md).
    if os.environ.get("ASKISO_RECEIPT_KEY_FILE"):
        RECEIPT_KEY_FILE = os.environ["ASKISO_RECEIPT_KEY_FILE"]
    STAFF_RESTRICT_TO_QUEUES = _bool("STAFF_RESTRICT_TO_QUEUES")
    TIMEZONE = "America/New_York"
    DEV_MAIL_PAGE = True
    LOG_JSON = _bool("LOG_JSON")
    ACCESS_LOG = _bool("ACCESS_LOG", True)
    # Benchmarks: add X-Query-Count (SQL statements run) to every response.
    QUERY_COUNT_HEADER = _bool("QUERY_COUNT_HEADER")
    METRICS_TOKEN = os.environ.get("METRICS_TOKEN")
    METRICS_ALLOWED_IPS = tuple(
        ip.strip() for ip in os.environ.get("METRICS_ALLOWED_IPS", "127.0.0.1,::1").split(",") if ip.strip()
    )


class ProductionConfig(Config):
    """Refuses to start without a SECRET_KEY from the environment."""

    ENV_NAME = "production"
    DEV_MAIL_PAGE = False
    MAIL_REQUIRE_AUTHENTICATED_SENDER = _bool("MAIL_REQUIRE_AUTHENTICATED_SENDER", True)
    SESSION_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE", True)


class TestConfig(Config):
    """Fast, isolated settings for pytest."""

    ENV_NAME = "testing"
    TESTING = True
    SECRET_KEY = "test-secret-key-not-for-production"
    SQLALCHEMY_DATABASE_URI = os.environ.get("TEST_DATABASE_URL")
    WTF_CSRF_ENABLED = False
    MAIL_SEND_IN_PROCESS = False
    OBLIGATIONS_REMIND_IN_PROCESS = False
    RATELIMIT_ENABLED = False
    # Cheap hashing keeps the suite fast; production uses argon2-cffi's defaults.
    ARGON2_PARAMS = {"time_cost": 1, "memory_cost": 1024, "parallelism": 1}


CONFIGS = {
    "development": Config,
    "production": ProductionConfig,
    "testing": TestConfig,
}

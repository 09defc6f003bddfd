"""/healthz, /readyz and /metrics: unauthenticated (metrics: allowlist or token), cheap, leaking nothing."""

import ast
import hmac
from datetime import timedelta
from functools import cache
from pathlib import Path

from flask import Blueprint, abort, current_app, jsonify, request
from sqlalchemy import func, inspect, select, text

from askiso.core.access import public
from askiso.core.timeutil import utcnow
from askiso.core.unit_of_work import discard
from askiso.extensions import db
from askiso.ops import metrics

bp = Blueprint("health", __name__)

STUCK_AFTER = timedelta(minutes=15)


@bp.route("/healthz")
@public
def healthz():
    """The process is alive."""
    return jsonify(status="ok")


@bp.route("/readyz")
@public
def readyz():
    """Database reachable, migrations at head, outbox and search queue moving."""
    checks = {}
    try:
        db.session.execute(text("SELECT 1"))
        checks["database"] = "ok"
        checks["migrations"] = "ok" if _migrations_at_head() else "behind"
        checks["outbox"] = "ok" if not _outbox_stuck() else "stuck"
        checks["search_queue"] = "ok" if not _search_queue_stuck() else "stuck"
    except Exception:  # any failure means "not ready"; details stay in the log
        current_app.logger.exception("readiness check failed")
        discard("the readiness check failed")
        checks["database"] = checks.get("database", "unreachable")
    ready = all(v == "ok" for v in checks.values()) and len(checks) == 4
    response = jsonify(status="ready" if ready else "not ready", checks=checks)
    response.status_code = 200 if ready else 503
    return response


def _migrations_at_head():
    with db.engine.connect() as conn:
        if not inspect(conn).has_table("alembic_version"):
            return False
        current = set(conn.execute(text("SELECT version_num FROM alembic_version")).scalars())
    return current == script_heads(current_app.extensions["migrate"].directory)


@cache
def script_heads(directory):
    """The head revisions of the migration scripts, read once per process.

    Read from each script's `revision` and `down_revision`, as alembic does,
    without importing alembic (~10 MB) into every worker a probe reaches.
    """
    revisions, parents = set(), set()
    for path in sorted(Path(directory, "versions").glob("*.py")):
        values = {}
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if isinstance(node, ast.Assign) and len(node.targets) == 1:
                target = node.targets[0]
            elif isinstance(node, ast.AnnAssign) and node.value is not None:
                target = node.target
            else:
                continue
            if isinstance(target, ast.Name) and target.id in ("revision", "down_revision"):
                values[target.id] = ast.literal_eval(node.value)
        if values.get("revision"):
            revisions.add(values["revision"])
            down = values.get("down_revision")
            parents.update(down if isinstance(down, (tuple, list)) else [down] if down else [])
    return frozenset(revisions - parents)


def _outbox_stuck():
    from askiso.mail.models import OutboxEmail

    oldest = db.session.scalar(
        select(func.min(OutboxEmail.next_attempt_at)).where(OutboxEmail.status.in_(("pending", "sending")))
    )
    return oldest is not None and utcnow() - oldest > STUCK_AFTER


def _search_queue_stuck():
    table = metrics.search_queue_model()
    if table is None:
        return False
    column = next((c for c in table.c if c.name in ("enqueued_at", "created_at")), None)
    if column is None:
        return False
    oldest = db.session.scalar(select(func.min(column)))
    return oldest is not None and utcnow() - oldest > STUCK_AFTER


@bp.route("/metrics")
@public
def metrics_endpoint():
    """Prometheus metrics, for addresses on METRICS_ALLOWED_IPS or with METRICS_TOKEN."""
    if not _metrics_allowed():
        abort(404)
    body, content_type = metrics.render()
    return current_app.response_class(body, mimetype=content_type.split(";")[0], content_type=content_type)


def _metrics_allowed():
    token = current_app.config.get("METRICS_TOKEN")
    if token:
        given = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
        if given and hmac.compare_digest(given, token):
            return True
    allowed = current_app.config.get("METRICS_ALLOWED_IPS") or ()
    return request.remote_addr in allowed

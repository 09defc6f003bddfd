"""Prometheus metrics: request rate, latency and errors by endpoint, queues, sign-in failures.

With several gunicorn workers, set PROMETHEUS_MULTIPROC_DIR to an empty
folder shared by them (before start); /metrics then aggregates every worker.
"""

import os
import time

from flask import g, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)
from sqlalchemy import event, func, select

REQUESTS = Counter("askiso_http_requests_total", "HTTP requests", ["endpoint", "method", "status"])
LATENCY = Histogram(
    "askiso_http_request_seconds",
    "HTTP request latency",
    ["endpoint"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
ERRORS = Counter("askiso_http_errors_total", "Responses with status >= 500", ["endpoint"])
AUDIT = Counter("askiso_audit_events_total", "Audit events recorded, by action", ["action"])
OUTBOX_BACKLOG = Gauge("askiso_outbox_backlog", "Emails waiting to be sent", multiprocess_mode="max")
OUTBOX_OLDEST = Gauge("askiso_outbox_oldest_seconds", "Age of the oldest unsent email", multiprocess_mode="max")
OUTBOX_FAILED = Gauge("askiso_outbox_failed", "Emails given up on", multiprocess_mode="max")
SEARCH_BACKLOG = Gauge("askiso_search_queue_backlog", "Cases waiting to be indexed", multiprocess_mode="max")


def init_app(app):
    @app.before_request
    def _start_timer():
        g.metrics_started = time.perf_counter()

    @app.after_request
    def _observe(response):
        started = g.pop("metrics_started", None)
        if started is not None:
            endpoint = request.endpoint or "unmatched"
            LATENCY.labels(endpoint).observe(time.perf_counter() - started)
            REQUESTS.labels(endpoint, request.method, str(response.status_code)).inc()
            if response.status_code >= 500:
                ERRORS.labels(endpoint).inc()
        return response

    from askiso.audit.models import AuditEvent

    if not getattr(AuditEvent, "_metrics_listener", False):
        event.listen(AuditEvent, "after_insert", lambda mapper, conn, target: AUDIT.labels(target.action).inc())
        AuditEvent._metrics_listener = True


def refresh_queue_gauges():
    """Read the queue sizes from the database at scrape time."""
    from askiso.core.timeutil import utcnow
    from askiso.extensions import db
    from askiso.mail.models import OutboxEmail

    pending = OutboxEmail.status.in_(("pending", "sending"))
    count, oldest = db.session.execute(
        select(func.count(OutboxEmail.id), func.min(OutboxEmail.created_at)).where(pending)
    ).one()
    OUTBOX_BACKLOG.set(count)
    OUTBOX_OLDEST.set((utcnow() - oldest).total_seconds() if oldest else 0)
    OUTBOX_FAILED.set(db.session.scalar(select(func.count(OutboxEmail.id)).where(OutboxEmail.status == "failed")))
    queue = search_queue_model()
    if queue is not None:
        SEARCH_BACKLOG.set(db.session.scalar(select(func.count()).select_from(queue)))


def search_queue_model():
    """The search feature's durable queue table, if the feature is installed."""
    from askiso.extensions import db

    return db.metadata.tables.get("search_queue")


def render():
    """The metrics exposition, aggregated across workers in multiprocess mode."""
    refresh_queue_gauges()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return generate_latest(registry), CONTENT_TYPE_LATEST
    return generate_latest(), CONTENT_TYPE_LATEST

"""Structured logs: JSON lines when LOG_JSON is set, a request id on every line.

The access log names the route pattern (e.g. /reset-password/<token>), never
the raw path or query string, so tokens in URLs never reach a log. Bodies,
passwords and tokens are never logged.
"""

import logging
import sys
import time

from flask import g, has_request_context, request
from pythonjsonlogger.json import JsonFormatter

ACCESS = logging.getLogger("askiso.access")


class RequestIdFilter(logging.Filter):
    def filter(self, record):
        record.request_id = g.get("request_id", "-") if has_request_context() else "-"
        return True


def init_app(app):
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(RequestIdFilter())
    if app.config.get("LOG_JSON"):
        handler.setFormatter(
            JsonFormatter("%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s", timestamp=True)
        )
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s"))
    for logger in (app.logger, ACCESS):
        logger.handlers[:] = [handler]
        logger.setLevel(logging.INFO)
        logger.propagate = False

    @app.before_request
    def _start():
        g.access_started = time.perf_counter()

    @app.after_request
    def _access(response):
        if app.config.get("ACCESS_LOG", True) and not app.testing:
            started = g.pop("access_started", time.perf_counter())
            ACCESS.info(
                "request",
                extra={
                    "method": request.method,
                    "route": request.url_rule.rule if request.url_rule else "unmatched",
                    "status": response.status_code,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                    "remote_addr": request.remote_addr,
                },
            )
        return response

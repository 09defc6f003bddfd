"""gunicorn settings for Ask ISO: `gunicorn --config gunicorn.conf.py wsgi:app`.

Options given on the command line (--workers, --bind, --threads, ...) take
precedence over these. See docs/operations.md ("Web workers and memory").
"""

import gc
import os
import sys

# Load the app once in the master and fork the workers from it: a worker
# starts (and restarts, below) in milliseconds instead of importing the app
# again, and the imported code is shared copy-on-write until a worker writes
# to it. A new release of the code needs a restart of the master, not a HUP.
preload_app = True

# Recycle a worker after this many requests, spread out so that they do not
# all restart at once: whatever a long-lived process accumulates (allocator
# fragmentation, a library's caches) cannot grow without bound.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "2000"))
max_requests_jitter = max_requests // 10

# gunicorn's control socket (for `gunicornc`) defaults to one path per user
# ($XDG_RUNTIME_DIR/gunicorn.ctl or ~/.gunicorn/gunicorn.ctl), which every
# gunicorn of a host would bind over the others. Off, unless
# GUNICORN_CONTROL_SOCKET names this instance's own path.
_control_socket = os.environ.get("GUNICORN_CONTROL_SOCKET", "").strip()
control_socket_disable = not _control_socket
if _control_socket:
    control_socket = _control_socket


def when_ready(server):
    # What the master has loaded lives as long as it does: keep it out of the
    # cyclic collector, whose passes in a worker would otherwise write to
    # (and so un-share) the pages the worker inherited.
    gc.freeze()


def post_fork(server, worker):
    # A database connection opened while the app loaded belongs to the master;
    # a worker must open its own (SQLAlchemy's rule for forked processes).
    extensions = sys.modules.get("askiso.extensions")
    if extensions is None:
        return
    with server.app.wsgi().app_context():
        for engine in extensions.db.engines.values():
            engine.dispose(close=False)


def child_exit(server, worker):
    # Prometheus multiprocess mode: forget the live files of a worker that is gone.
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)

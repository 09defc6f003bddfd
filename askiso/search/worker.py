"""The single index writer: drains `search_queue` in batches, rebuilds on demand.

Order of work for one batch: take the writer lock, read the queued rows, read
the cases as they are now, write and commit the index, and only then delete
exactly the queue rows that were read. A crash or a lock conflict at any
point leaves the rows queued, so no update is lost; handling a row twice is
harmless because each one only says "refresh this case from the database".
"""

import logging
import os
import threading

from sqlalchemy import delete, select

from askiso.extensions import db
from askiso.search.backends import WriterBusy, get_backend
from askiso.search.documents import all_case_ids, iter_all_documents, load_documents
from askiso.search.models import SearchQueue
from askiso.search.tracking import work_available

log = logging.getLogger(__name__)
BATCH = 200
# A rebuild of at least this many cases runs in several processes (Whoosh).
PARALLEL_MIN = 20_000


def process_batch(backend=None, limit=BATCH):
    """Index one batch of queued cases; returns how many queue rows were done."""
    backend = backend or get_backend()
    try:
        with backend.writer() as writer:
            rows = db.session.execute(
                select(SearchQueue.id, SearchQueue.case_id).order_by(SearchQueue.id).limit(limit)
            ).all()
            if not rows:
                db.session.rollback()
                return 0
            case_ids = {case_id for _, case_id in rows}
            docs = load_documents(case_ids, include_internal=True)
            for case_id in sorted(case_ids):
                if case_id in docs:
                    writer.update(docs[case_id])
                else:
                    writer.delete(case_id)
        db.session.execute(delete(SearchQueue).where(SearchQueue.id.in_([row_id for row_id, _ in rows])))
        db.session.commit()
        return len(rows)
    except BaseException:
        db.session.rollback()
        raise


def process_queue(limit=BATCH):
    """Drain the queue now (tests, CLI); returns the number of rows done.

    Stops early, leaving the rest queued, when another writer holds the lock.
    """
    backend = get_backend()
    done = 0
    while True:
        try:
            count = process_batch(backend, limit)
        except WriterBusy:
            return done
        done += count
        if count < limit:
            return done


def pending_count():
    return db.session.scalar(select(db.func.count()).select_from(SearchQueue)) or 0


def reindex(progress=None, procs=None):
    """Rebuild the whole index from the database; returns the number of cases.

    `progress(n)` is called as cases are indexed (for a progress bar). A
    large Whoosh rebuild runs in `procs` processes (default: one per CPU).
    PostgreSQL rebuilds set-based in SQL, `procs` chunks at once (default 1).
    """
    backend = get_backend()
    rebuild_from_database = getattr(backend, "rebuild_from_database", None)
    if rebuild_from_database is not None:
        return rebuild_from_database(progress=progress, jobs=procs or 1)
    ids = all_case_ids()
    db.session.rollback()  # nothing checked out while child processes start
    procs = procs or cpu_count()
    if procs > 1 and len(ids) >= PARALLEL_MIN and hasattr(backend, "rebuild_parallel"):
        count = backend.rebuild_parallel(
            ids,
            lambda chunk: iter_all_documents(chunk, release=True),
            procs,
            progress=progress,
            init_child=_forget_connections,
        )
    else:

        def documents():
            for doc in iter_all_documents(ids, release=True):
                yield doc
                if progress:
                    progress(1)

        count = backend.rebuild(documents())
    db.session.commit()
    return count


def cpu_count():
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _forget_connections():
    """In a forked child: never touch the parent's database connections."""
    db.engine.dispose(close=False)


def start_background_worker(app, interval=5.0):
    """Embedded default: a daemon thread in the web process drains the queue."""
    stop = threading.Event()

    def run():
        while not stop.is_set():
            work_available.wait(interval)
            work_available.clear()
            with app.app_context():
                try:
                    process_queue()
                except Exception:  # keep the thread alive; the rows stay queued
                    db.session.rollback()
                    app.logger.exception("search queue worker failed")
                finally:
                    db.session.remove()

    thread = threading.Thread(target=run, name="search-indexer", daemon=True)
    thread.start()
    return stop


__all__ = ["pending_count", "process_queue", "reindex", "start_background_worker"]

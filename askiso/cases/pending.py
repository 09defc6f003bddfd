"""Files chosen on a form that did not go through: kept server-side so nobody chooses them twice.

A failed submission (a missing subject, a bad phone number, a stale case)
stores the files that passed their checks as PendingUpload rows keyed to the
person and the form's one-time key. The form shows them as already attached;
the next successful submission turns them into attachments and deletes them.
Files that failed their checks are never kept: the error says which ones.
"""

from datetime import timedelta

from flask import current_app
from sqlalchemy import delete, event, select
from sqlalchemy.orm import Session

from askiso.cases.models import PendingUpload
from askiso.cases.services import IncomingFile
from askiso.cases.storage import storage
from askiso.cases.uploads import UploadError
from askiso.core.timeutil import utcnow
from askiso.extensions import db

KEEP_FOR = timedelta(days=1)
MAX_PENDING = 20


def pending_for(user, form_key):
    """The files kept for this person's form, oldest first."""
    if user is None or not form_key:
        return []
    return db.session.scalars(
        select(PendingUpload)
        .where(PendingUpload.user_id == user.id, PendingUpload.form_key == form_key)
        .order_by(PendingUpload.id)
    ).all()


def keep_files(user, form_key, files):
    """Store the checked files as pending; returns the problems of the ones refused."""
    from askiso.cases.services import check_one_file

    problems, kept = [], len(pending_for(user, form_key))
    for incoming in files:
        try:
            name, content_type = check_one_file(incoming)
            if kept >= MAX_PENDING:
                raise UploadError(f"“{name}”: at most {MAX_PENDING} files can wait on one form.")
            stored_name, sha256, size = storage().save(incoming.stream, current_app.config["MAX_FILE_BYTES"])
        except UploadError as exc:
            problems.append(str(exc))
            continue
        db.session.add(
            PendingUpload(
                user_id=user.id, form_key=form_key, filename=name, stored_name=stored_name,
                sha256=sha256, size=size, content_type=content_type,
            )
        )
        kept += 1
    db.session.flush()
    return problems


def release(user, form_key, keep_ids):
    """Forget the kept files the person unticked; returns the ones still kept."""
    keep_ids = {int(i) for i in keep_ids if str(i).isdigit()}
    remaining = []
    for row in pending_for(user, form_key):
        if row.id in keep_ids:
            remaining.append(row)
        else:
            _discard(row)
    db.session.flush()
    return remaining


def as_incoming(rows):
    """The kept files as IncomingFile streams for the case services (caller closes them)."""
    files = []
    for row in rows:
        stream = open(storage().path(row.stored_name), "rb")  # noqa: SIM115 (closed by close_all)
        files.append(IncomingFile(row.filename, stream))
    return files


def close_all(files):
    for incoming in files:
        incoming.stream.close()


def consume(rows):
    """The kept files went into a case: drop the rows and their stored copies."""
    for row in rows:
        _discard(row)
    db.session.flush()


def _discard(row):
    db.session.delete(row)
    _delete_after_commit(row.stored_name)


_AFTER_COMMIT_KEY = "askiso_delete_files_after_commit"


def _delete_after_commit(stored_name):
    """Remove a stored copy once the rows that named it are gone for good."""
    db.session.info.setdefault(_AFTER_COMMIT_KEY, []).append((storage(), stored_name))


@event.listens_for(Session, "after_commit")
def _delete_files(session):
    for backend, stored_name in session.info.pop(_AFTER_COMMIT_KEY, []):
        backend.delete(stored_name)


@event.listens_for(Session, "after_rollback")
def _keep_files(session):
    session.info.pop(_AFTER_COMMIT_KEY, None)


def purge_stale(now=None, user=None):
    """Delete kept files older than a day (all of them, or one person's); returns how many."""
    cutoff = (now or utcnow()) - KEEP_FOR
    stmt = select(PendingUpload).where(PendingUpload.created_at < cutoff)
    if user is not None:
        stmt = stmt.where(PendingUpload.user_id == user.id)
    rows = db.session.scalars(stmt).all()
    for row in rows:
        _delete_after_commit(row.stored_name)
    if rows:
        db.session.execute(delete(PendingUpload).where(PendingUpload.id.in_([r.id for r in rows])))
    return len(rows)

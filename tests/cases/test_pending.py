"""Files kept from failed forms: purged after a day, their stored copies removed after commit."""

import io
from datetime import timedelta

from askiso.cases import pending
from askiso.cases.models import PendingUpload
from askiso.cases.services import IncomingFile
from askiso.cases.storage import storage
from askiso.core.timeutil import utcnow
from askiso.extensions import db
from tests.cases.helpers import PDF


def test_purge_removes_old_kept_files_and_their_bytes(people, runner):
    assert pending.keep_files(people.alpha_user, "k", [IncomingFile("a.pdf", io.BytesIO(PDF))]) == []
    db.session.commit()
    row = db.session.scalar(db.select(PendingUpload))
    path = storage().path(row.stored_name)
    assert path.is_file()
    result = runner.invoke(args=["cases", "purge-pending"])
    assert "Removed 0" in result.output and path.is_file()
    row.created_at = utcnow() - timedelta(days=2)
    db.session.commit()
    result = runner.invoke(args=["cases", "purge-pending"])
    assert "Removed 1" in result.output
    assert not path.exists()
    assert db.session.scalar(db.select(db.func.count(PendingUpload.id))) == 0


def test_a_rolled_back_release_keeps_the_bytes(people):
    pending.keep_files(people.alpha_user, "k", [IncomingFile("a.pdf", io.BytesIO(PDF))])
    db.session.commit()
    row = db.session.scalar(db.select(PendingUpload))
    path = storage().path(row.stored_name)
    pending.release(people.alpha_user, "k", [])
    db.session.rollback()
    assert path.is_file()
    assert db.session.scalar(db.select(db.func.count(PendingUpload.id))) == 1

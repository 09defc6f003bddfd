"""Consistent online backups of the database and the stored files, and restore.

A backup is one .tar.gz holding manifest.json, the database (SQLite: a
`VACUUM INTO` snapshot; PostgreSQL: `pg_dump --format=custom`) and every
stored file. The database is dumped first: files are written before the row
that names them is committed, so every file the snapshot names is there.
"""

import hashlib
import json
import os
import shutil
import subprocess
import tarfile
import tempfile
from pathlib import Path

from flask import current_app
from sqlalchemy import func, inspect, select, text
from sqlalchemy.engine import make_url

from askiso.core.timeutil import utcnow
from askiso.extensions import db

FORMAT_VERSION = 1


class BackupError(RuntimeError):
    pass


def _libpq_url(url):
    """SQLAlchemy's URL as a libpq connection string for pg_dump/pg_restore."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def _sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1024 * 1024), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _counts():
    from askiso.cases.models import Attachment, Case, Message

    return {
        name: db.session.scalar(select(func.count()).select_from(model))
        for name, model in (("cases", Case), ("messages", Message), ("attachments", Attachment))
    }


def _dump_database(target_dir):
    url = current_app.config["SQLALCHEMY_DATABASE_URI"]
    if db.engine.dialect.name == "sqlite":
        target = target_dir / "database.sqlite"
        with db.engine.connect() as conn:
            conn.exec_driver_sql("VACUUM INTO ?", (str(target),))
        return target.name
    target = target_dir / "database.pgdump"
    subprocess.run(
        ["pg_dump", "--format=custom", "--no-owner", "--no-privileges", "--file", str(target), _libpq_url(url)],
        check=True,
        capture_output=True,
    )
    return target.name


def create_backup(destination):
    """Write a backup archive to `destination` (a file path); returns its manifest."""
    destination = Path(destination)
    files_root = Path(current_app.config["FILE_STORAGE_DIR"])
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        db_name = _dump_database(tmp)
        manifest = {
            "format": FORMAT_VERSION,
            "created_at": utcnow().isoformat() + "Z",
            "dialect": db.engine.dialect.name,
            "database": db_name,
            "counts": _counts(),
            "files": {},
        }
        db.session.rollback()
        if files_root.exists():
            for path in sorted(p for p in files_root.rglob("*") if p.is_file() and not p.name.endswith(".part")):
                manifest["files"][str(path.relative_to(files_root))] = _sha256(path)
        (tmp / "manifest.json").write_text(json.dumps(manifest, indent=2))
        destination.parent.mkdir(parents=True, exist_ok=True)
        partial = destination.with_name(destination.name + ".part")
        with tarfile.open(partial, "w:gz") as archive:
            archive.add(tmp / "manifest.json", arcname="manifest.json")
            archive.add(tmp / db_name, arcname=db_name)
            for relative in manifest["files"]:
                archive.add(files_root / relative, arcname=f"files/{relative}")
        os.replace(partial, destination)
    return manifest


def _database_is_empty():
    names = set(inspect(db.engine).get_table_names()) - {"alembic_version"}
    if not names:
        return True
    from askiso.auth.models import User

    return "users" in names and db.session.scalar(select(func.count(User.id))) == 0


def _files_present(root):
    """The first file under the file folder, or None (empty sub-folders do not count)."""
    return next((p for p in root.rglob("*") if p.is_file()), None) if root.exists() else None


def restore_backup(archive_path):
    """Restore an archive into this (empty) instance; verifies every file's sha256."""
    if not _database_is_empty():
        raise BackupError("this instance already has data: restore only into an empty instance")
    files_root = Path(current_app.config["FILE_STORAGE_DIR"])
    stray = _files_present(files_root)
    if stray is not None:
        raise BackupError(
            f"the file folder {files_root} is not empty (it holds {stray.relative_to(files_root)}): "
            "restore only into an empty instance, with an empty FILE_STORAGE_DIR"
        )
    db.session.remove()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        with tarfile.open(archive_path, "r:gz") as archive:
            archive.extractall(tmp, filter="data")
        manifest = json.loads((tmp / "manifest.json").read_text())
        if manifest.get("format") != FORMAT_VERSION:
            raise BackupError("unknown backup format")
        _restore_database(tmp / manifest["database"], manifest["dialect"])
        _restore_files(tmp / "files", manifest["files"])
    return manifest


def _restore_database(dump, dialect):
    if dialect != db.engine.dialect.name:
        raise BackupError(f"this backup is of a {dialect} database; this instance uses {db.engine.dialect.name}")
    url = current_app.config["SQLALCHEMY_DATABASE_URI"]
    db.engine.dispose()
    if dialect == "sqlite":
        target = Path(make_url(url).database)
        for suffix in ("-wal", "-shm"):
            Path(str(target) + suffix).unlink(missing_ok=True)
        shutil.copyfile(dump, target)
        return
    with db.engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    db.engine.dispose()
    subprocess.run(
        ["pg_restore", "--no-owner", "--no-privileges", "--exit-on-error", "--dbname", _libpq_url(url), str(dump)],
        check=True,
        capture_output=True,
    )


def _restore_files(source, expected):
    target_root = Path(current_app.config["FILE_STORAGE_DIR"])
    for relative, sha in expected.items():
        src = source / relative
        if _sha256(src) != sha:
            raise BackupError(f"file {relative} does not match its checksum in the backup")
        dst = target_root / relative
        dst.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src, dst)

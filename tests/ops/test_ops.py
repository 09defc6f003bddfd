"""Health, readiness, metrics, logs, backup and restore, retention."""

import json
import logging
import os
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from askiso import create_app
from askiso.cases.models import Attachment, Case, Message
from askiso.cases.storage import storage
from askiso.core.timeutil import utcnow
from askiso.extensions import db
from askiso.mail.models import OutboxEmail
from askiso.ops import backup
from tests.cases.helpers import new_case, pdf_file


def test_healthz_is_public_and_tiny(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json == {"status": "ok"}


def test_readyz_reports_checks_without_details(client, app):
    # The test database is built with create_all, not migrations: "behind".
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json["checks"]["database"] == "ok"
    assert response.json["checks"]["migrations"] == "behind"
    assert "Traceback" not in response.get_data(as_text=True)


def test_readyz_flags_a_stuck_outbox(client, app, monkeypatch):
    from askiso.ops import routes

    monkeypatch.setattr(routes, "_migrations_at_head", lambda: True)
    assert client.get("/readyz").status_code == 200
    db.session.add(OutboxEmail(kind="x", recipients=["a@b.test"], subject="s", body_text="b",
                               next_attempt_at=utcnow() - timedelta(hours=1)))
    db.session.commit()
    response = client.get("/readyz")
    assert response.status_code == 503 and response.json["checks"]["outbox"] == "stuck"


def test_metrics_only_for_allowlist_or_token(client, app, people):
    client.post("/login", data={"email": people.alpha_user.email, "password": "wrong-password-123"})
    allowed = client.get("/metrics", environ_base={"REMOTE_ADDR": "127.0.0.1"})
    assert allowed.status_code == 200
    body = allowed.get_data(as_text=True)
    assert "askiso_http_request_seconds_bucket" in body
    assert 'askiso_audit_events_total{action="auth.login_failed"}' in body
    assert "askiso_outbox_backlog" in body
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "203.0.113.9"}).status_code == 404
    app.config["METRICS_TOKEN"] = "s3cret-metrics-token"
    try:
        ok = client.get("/metrics", environ_base={"REMOTE_ADDR": "203.0.113.9"},
                        headers={"Authorization": "Bearer s3cret-metrics-token"})
        assert ok.status_code == 200
    finally:
        app.config["METRICS_TOKEN"] = None


def test_access_log_names_the_route_not_the_token(app, caplog):
    from askiso.ops.logs import ACCESS

    app.testing = False
    ACCESS.propagate = True
    try:
        with caplog.at_level(logging.INFO, logger="askiso.access"):
            app.test_client().get("/reset-password/SECRET-TOKEN-VALUE?x=SECRET2")
    finally:
        app.testing = True
        ACCESS.propagate = False
    text_logged = " ".join(str(r.__dict__) for r in caplog.records)
    assert "SECRET-TOKEN-VALUE" not in text_logged and "SECRET2" not in text_logged
    assert any(getattr(r, "status", None) for r in caplog.records)


@pytest.fixture
def empty_instance(tmp_path):
    """A second, empty instance (own database and file folder) to restore into."""
    url = os.environ.get("TEST_DATABASE_URL", "")
    drop = None
    if url.startswith("postgresql"):
        base = make_url(url)
        name = f"askiso_restore_{uuid.uuid4().hex[:8]}"
        admin = create_engine(base, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        target = base.set(database=name).render_as_string(hide_password=False)

        def drop():
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()
    else:
        target = "sqlite:///" + str(tmp_path / "restored.db")
    other = create_app("testing", SQLALCHEMY_DATABASE_URI=target, FILE_STORAGE_DIR=str(tmp_path / "restored-files"))
    yield other
    with other.app_context():
        db.engine.dispose()
    if drop:
        drop()


def test_backup_restores_every_case_message_and_file(app, people, tmp_path, empty_instance):
    cases = [new_case(people.alpha_user, people.alpha, request_type="ftr_policies", files=[pdf_file(f"p{i}.pdf")])
             for i in range(3)]
    from askiso.cases import services

    services.add_message(cases[0], people.agent, "Reviewed, thanks.", files=[pdf_file("review.pdf")])
    db.session.commit()
    expected = {a.stored_name: a.sha256 for a in db.session.scalars(db.select(Attachment))}
    numbers = sorted(c.number for c in cases)
    archive = tmp_path / "backup.tar.gz"
    manifest = backup.create_backup(archive)
    assert manifest["counts"]["cases"] == 3 and len(manifest["files"]) == 4

    with empty_instance.app_context():
        backup.restore_backup(archive)
        db.session.remove()
        assert sorted(db.session.scalars(db.select(Case.number))) == numbers
        assert db.session.scalar(db.select(db.func.count(Message.id))) == 1
        for row in db.session.scalars(db.select(Attachment)):
            path = storage().path(row.stored_name)
            assert backup._sha256(path) == expected[row.stored_name]
        with pytest.raises(backup.BackupError):
            backup.restore_backup(archive)  # not empty any more
        db.session.remove()


def test_restore_refuses_a_tampered_file(app, people, tmp_path, empty_instance):
    import tarfile

    new_case(people.alpha_user, people.alpha, request_type="ftr_policies", files=[pdf_file()])
    archive = tmp_path / "backup.tar.gz"
    backup.create_backup(archive)
    unpacked = tmp_path / "unpacked"
    with tarfile.open(archive) as tar:
        tar.extractall(unpacked, filter="data")
    victim = next(p for p in (unpacked / "files").rglob("*") if p.is_file())
    victim.write_bytes(b"%PDF-1.4 tampered")
    tampered = tmp_path / "tampered.tar.gz"
    with tarfile.open(tampered, "w:gz") as tar:
        for item in unpacked.iterdir():
            tar.add(item, arcname=item.name)
    with empty_instance.app_context():
        with pytest.raises(backup.BackupError, match="checksum"):
            backup.restore_backup(tampered)
        db.session.remove()


def test_restore_refuses_a_file_folder_holding_a_file(app, people, tmp_path, empty_instance):
    new_case(people.alpha_user, people.alpha, request_type="ftr_policies", files=[pdf_file()])
    archive = tmp_path / "backup.tar.gz"
    backup.create_backup(archive)
    stray = Path(empty_instance.config["FILE_STORAGE_DIR"]) / "ab" / "left-over"
    stray.parent.mkdir(parents=True)
    stray.write_bytes(b"not from this backup")
    with empty_instance.app_context():
        result = empty_instance.test_cli_runner().invoke(args=["restore", str(archive)])
        assert result.exit_code != 0
        assert "file folder" in result.output and "ab/left-over" in result.output
        assert backup._database_is_empty()  # nothing was restored into the database either
        db.session.remove()
    assert sorted(p.name for p in stray.parent.parent.rglob("*") if p.is_file()) == ["left-over"]


def test_backup_and_restore_cli(app, people, tmp_path):
    new_case(people.alpha_user, people.alpha)
    result = app.test_cli_runner().invoke(args=["backup", "--to", str(tmp_path / "b.tar.gz")])
    assert result.exit_code == 0, result.output
    assert "1 cases" in result.output
    manifest = json.loads(
        __import__("tarfile").open(tmp_path / "b.tar.gz").extractfile("manifest.json").read()
    )
    assert manifest["counts"]["cases"] == 1
    refused = app.test_cli_runner().invoke(args=["restore", str(tmp_path / "b.tar.gz")])
    assert refused.exit_code != 0 and "empty instance" in refused.output


def test_retention_purges_dead_tokens_and_sessions_and_audits(app, people):
    from askiso.audit.models import AuditEvent
    from askiso.auth import tokens
    from askiso.auth.models import OneTimeToken

    tokens.issue(people.alpha_user, "reset_password")
    db.session.commit()
    row = db.session.scalar(db.select(OneTimeToken))
    row.expires_at = utcnow() - timedelta(days=30)
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["retention", "purge"])
    assert result.exit_code == 0 and "one_time_tokens: 1" in result.output
    assert db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == "retention.purged"))
    assert Path  # keep import used


def test_analyze_command_gives_the_planner_statistics(app, people):
    from tests.cases.helpers import new_case

    new_case(people.alpha_user, people.alpha)
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["analyze"])
    assert result.exit_code == 0, result.output
    if db.engine.dialect.name == "sqlite":
        analyzed = db.session.scalar(text("SELECT count(*) FROM sqlite_stat1 WHERE tbl = 'cases'"))
    else:
        db.session.rollback()
        analyzed = db.session.scalar(
            text("SELECT count(*) FROM pg_stat_user_tables WHERE relname = 'cases' AND last_analyze IS NOT NULL")
        )
    assert analyzed

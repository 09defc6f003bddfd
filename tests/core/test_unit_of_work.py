"""One unit of work per request (askiso/core/unit_of_work.py, docs/architecture.md).

The request commits once when it succeeded and rolls back otherwise; views never commit;
`kept_despite_failure` keeps what must survive a failed request; `discard` drops the request's
work before an error answer; services never roll back their caller's work.
"""

import ast
import io
import logging
from pathlib import Path

import pytest
from flask import Blueprint, abort
from sqlalchemy import event, func, select, text

from askiso import create_app
from askiso.audit.models import AuditEvent
from askiso.cams.models import Participant
from askiso.cases.models import PendingUpload
from askiso.extensions import db
from tests.cases.helpers import PDF, new_case

ROOT = Path(__file__).resolve().parents[2]

# Who may call db.session.commit() / .rollback(), one by one, and why. Everything else under
# askiso/ runs in a request (or is called from one) and leaves the transaction to the request's end.
MAY_END_TRANSACTIONS = {
    "askiso/core/unit_of_work.py": "the request's one commit or rollback, discard, kept_despite_failure",
    "askiso/api/cli.py": "CLI commands: not requests",
    "askiso/auth/cli.py": "CLI commands: not requests",
    "askiso/cams/cli.py": "CLI commands: not requests",
    "askiso/cases/cli.py": "CLI commands: not requests",
    "askiso/inquiries/cli.py": "CLI commands: not requests",
    "askiso/mail/cli.py": "CLI commands: not requests",
    "askiso/obligations/cli.py": "CLI commands: not requests",
    "askiso/ops/cli.py": "CLI commands: not requests",
    "askiso/receipts/cli.py": "CLI commands: not requests",
    "askiso/search/cli.py": "CLI commands: not requests",
    "askiso/staff/cli.py": "CLI commands: not requests",
    "askiso/ops/backup.py": "backup and restore, run by `ops backup` / `ops restore` only",
    "askiso/demo/data.py": "the demo loader (`demo load`)",
    "askiso/mail/sender.py": "the outbox worker: one transaction per claim and per sent email",
    "askiso/mail/inbound.py": "receive(): the CLI and the SMTP listener keep the raw mail before handling it",
    "askiso/search/worker.py": "the search queue worker and the index rebuild",
    "askiso/search/documents.py": "iter_all_documents(release=True): CLI and rebuild processes end each read",
    "askiso/search/backends/postgres_backend.py": "the PostgreSQL rebuild, which runs on connections of its own",
    "askiso/obligations/reminders.py": "run_reminders(): the CLI and the background loop, one commit per reminder",
}


def _ends_a_transaction(node):
    """db.session.commit() / db.session().rollback() and the like."""
    if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
        return False
    if node.func.attr not in ("commit", "rollback"):
        return False
    target = node.func.value
    if isinstance(target, ast.Call):
        target = target.func
    return (
        isinstance(target, ast.Attribute)
        and target.attr == "session"
        and isinstance(target.value, ast.Name)
        and target.value.id == "db"
    )


def test_only_the_unit_of_work_cli_commands_and_workers_end_transactions():
    offenders = []
    for path in sorted((ROOT / "askiso").rglob("*.py")):
        name = path.relative_to(ROOT).as_posix()
        if name in MAY_END_TRANSACTIONS:
            continue
        for node in ast.walk(ast.parse(path.read_text(), filename=name)):
            if _ends_a_transaction(node):
                offenders.append(f"{name}:{node.lineno}")
    assert offenders == [], "views and services leave the transaction to the request's end: " + ", ".join(offenders)
    for name in MAY_END_TRANSACTIONS:
        assert (ROOT / name).exists(), f"{name} is listed but does not exist"


def test_the_scan_finds_a_commit_in_a_view():
    tree = ast.parse("def view():\n    db.session.commit()\n    db.session().rollback()\n")
    assert sum(_ends_a_transaction(n) for n in ast.walk(tree)) == 2


# ------------------------------------------------------------------ an app with test-only routes

CODE = "UOWTEST"


def _probe_blueprint(prefix):
    bp = Blueprint("uow_probe" + prefix.replace("/", "_"), __name__, url_prefix=prefix)

    def add(code):
        db.session.add(Participant(name=f"Probe {code}", code=code))
        db.session.flush()

    @bp.post("/write")
    def write():
        add(CODE)
        return "ok"

    @bp.post("/write-then-raise")
    def write_then_raise():
        add(CODE)
        raise RuntimeError("a bug after a write")

    @bp.post("/write-then-abort")
    def write_then_abort():
        add(CODE)
        abort(409)

    @bp.post("/commit-fails")
    def commit_fails():
        add(CODE)
        # Not flushed: the duplicate code is refused by the end-of-request commit itself.
        db.session.add(Participant(name="Duplicate", code=CODE))
        return "looks fine"

    return bp


@pytest.fixture
def probe_app(app, database_url):
    """A second app on the same database, with test-only routes (HTML and under /api/)."""
    probe = create_app("testing", SQLALCHEMY_DATABASE_URI=database_url, PROPAGATE_EXCEPTIONS=False)
    probe.register_blueprint(_probe_blueprint("/uow-probe"))
    probe.register_blueprint(_probe_blueprint("/api/uow-probe"))
    yield probe
    with probe.app_context():
        db.session.remove()
        db.engine.dispose()


def _kept_codes():
    """Participant codes committed to the database (read on a connection of its own)."""
    with db.engine.connect() as conn:
        return set(conn.execute(select(Participant.code)).scalars())


def _commits_during(app, call):
    with app.app_context():
        engine = db.engine
    commits = []

    def on_commit(conn):
        commits.append(1)

    event.listen(engine, "commit", on_commit)
    try:
        response = call()
    finally:
        event.remove(engine, "commit", on_commit)
    return response, len(commits)


def test_a_successful_request_is_committed_once(probe_app):
    response, commits = _commits_during(probe_app, lambda: probe_app.test_client().post("/uow-probe/write"))
    assert response.status_code == 200
    assert commits == 1
    assert CODE in _kept_codes()


@pytest.mark.parametrize("path, status", [("/uow-probe/write-then-raise", 500), ("/uow-probe/write-then-abort", 409)])
def test_a_request_that_wrote_and_then_failed_keeps_nothing(probe_app, path, status):
    response, commits = _commits_during(probe_app, lambda: probe_app.test_client().post(path))
    assert response.status_code == status
    assert CODE not in _kept_codes()


def test_a_failed_commit_answers_500_and_keeps_nothing(probe_app, caplog):
    with caplog.at_level(logging.ERROR, logger="askiso.unit_of_work"):
        response = probe_app.test_client().post("/uow-probe/commit-fails")
    assert response.status_code == 500
    assert "looks fine" not in response.text and "Something went wrong" in response.text
    assert CODE not in _kept_codes()
    assert "the request's commit failed" in caplog.text


def test_a_failed_commit_answers_the_api_json_error(probe_app):
    response = probe_app.test_client().post("/api/uow-probe/commit-fails")
    assert response.status_code == 500
    assert response.is_json and response.get_json()["error"]["code"] == "server_error"
    assert CODE not in _kept_codes()


def test_a_failed_commit_of_a_real_api_call_answers_500_json(app, people, monkeypatch):
    """A commit refused at the end of an API reply (a StaleDataError, say) is no success."""
    from sqlalchemy.orm.exc import StaleDataError

    from askiso.cases.models import Message
    from tests.api.conftest import Api, make_token

    case = new_case(people.alpha_user, people.alpha)
    api = Api(app.test_client(), make_token(people.alpha_user))
    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)

    def refuse(session):
        raise StaleDataError("refused at commit (test)")

    event.listen(db.session, "before_commit", refuse)
    try:
        response = api.post(f"/cases/{case.number}/messages", json={"body": "never kept"})
    finally:
        event.remove(db.session, "before_commit", refuse)
    assert response.status_code == 500
    assert response.get_json()["error"]["code"] == "server_error"
    with db.engine.connect() as conn:
        assert conn.execute(select(func.count(Message.id)).where(Message.body == "never kept")).scalar() == 0


# ------------------------------------------------------------------ the real views


def _committed_events(action):
    with db.engine.connect() as conn:
        return conn.execute(select(func.count(AuditEvent.id)).where(AuditEvent.action == action)).scalar()


def test_a_real_post_is_committed_once_and_the_view_does_not_commit(app, people, client_for):
    case = new_case(people.alpha_user, people.alpha)
    client = client_for(people.alpha_user)
    response, commits = _commits_during(
        app,
        lambda: client.post(f"/cases/{case.number}/reply", data={"body": "Thanks"}, content_type="multipart/form-data"),
    )
    assert response.status_code in (302, 303)
    assert commits == 1


def test_a_failed_sign_in_keeps_its_audit_event_and_nothing_else(app, people, client, monkeypatch, caplog):
    from askiso.audit.services import record
    from askiso.auth import services

    real = services.check_credentials

    def check_and_write(email, password):
        record("test.written_by_the_failed_request")  # the request's own work: must be discarded
        return real(email, password)

    monkeypatch.setattr(services, "check_credentials", check_and_write)
    with caplog.at_level(logging.INFO, logger="askiso.unit_of_work"):
        response = client.post("/login", data={"email": people.alpha_user.email, "password": "wrong password"})
    assert response.status_code == 200 and "Sign in" in response.text
    db.session.rollback()
    assert _committed_events("auth.login_failed") == 1
    assert _committed_events("test.written_by_the_failed_request") == 0
    assert "kept despite the failed request: the audit event of a failed sign-in" in caplog.text


def test_a_failed_two_factor_code_keeps_its_audit_event(app, people, client):
    from tests.factories import PASSWORD

    response = client.post("/login", data={"email": people.agent.email, "password": PASSWORD})
    assert "/login/two-factor" in response.headers["Location"]
    response = client.post("/login/two-factor", data={"code": "not a code"})
    assert response.status_code == 200 and "That code is not valid" in response.text
    db.session.rollback()
    assert _committed_events("auth.totp_failed") == 1
    assert _committed_events("auth.login") == 0


def test_kept_uploads_of_a_refused_submission_survive_and_are_offered_again(app, people, client_for, caplog):
    client = client_for(people.alpha_user)
    data = {
        "request_type": "ftr_policies", "form_key": "form-key-uow", "participant": str(people.alpha.id),
        "subject": "", "description": "Our policies.", "files": [(io.BytesIO(PDF), "policy.pdf")],
    }
    with caplog.at_level(logging.INFO, logger="askiso.unit_of_work"):
        response = client.post("/cases/new", data=data, content_type="multipart/form-data")
    assert response.status_code == 422
    assert "Already attached" in response.text and "policy.pdf" in response.text
    assert "kept despite the failed request: the files of a refused case submission" in caplog.text
    with db.engine.connect() as conn:
        kept = conn.execute(select(PendingUpload.id, PendingUpload.filename)).all()
    assert [name for _, name in kept] == ["policy.pdf"]
    again = client.post("/cases/new", content_type="multipart/form-data", data={
        "request_type": "ftr_policies", "form_key": "form-key-uow", "participant": str(people.alpha.id),
        "subject": "", "description": "Still no subject.", "keep_upload": str(kept[0][0]),
    })
    assert again.status_code == 422 and "policy.pdf" in again.text  # offered again, still kept


# ------------------------------------------------------------------ services do not roll back


def test_stale_case_leaves_the_callers_session_to_the_caller(app, people):
    """flush_versioned raises StaleCase and leaves the rollback to the caller (discard in a view)."""
    from sqlalchemy.exc import PendingRollbackError

    from askiso.cases import services
    from askiso.cases.models import Case
    from askiso.core.unit_of_work import discard, request_failed

    case = new_case(people.alpha_user, people.alpha)
    case_id = case.id
    with db.engine.begin() as conn:  # someone else changes the case meanwhile
        conn.execute(text("UPDATE cases SET version = version + 1 WHERE id = :id"), {"id": case_id})
    with app.test_request_context("/"):
        case.subject = "Changed here too"
        with pytest.raises(services.StaleCase):
            services.flush_versioned()
        assert db.session().in_transaction() and not db.session.is_active  # not rolled back by the service
        with pytest.raises(PendingRollbackError):
            db.session.execute(select(1))
        discard("a stale case (test)")
        assert request_failed()
        assert db.session.get(Case, case_id).subject != "Changed here too"  # usable again, nothing kept

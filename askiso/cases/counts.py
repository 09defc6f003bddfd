"""Status counts per participant, kept by the database (askiso/cases/models.py, CaseStatusCount).

The triggers below add a row (participant, status, +1/-1) for every case added,
removed, or moved to another status or participant. They are created with the
tables (`db.create_all`, the tests) and by the migration; `TRIGGERS` is the one
place that says what they are, per database.

Reading: `participant_counts(ids)` sums the rows of some participants by status.
Upkeep: `compact()` folds each participant's rows into one per status (run by
`flask analyze`); `rebuild()` recounts everything from `cases` (after a bulk
load, or to repair; it takes the database's write lock for its transaction).
"""

import functools

from sqlalchemy import bindparam, delete, event, func, insert, select, text

from askiso.cases.models import STATUSES, Case, CaseStatusCount
from askiso.extensions import db

_ROW = "INSERT INTO case_status_counts (participant_id, status, n) VALUES ({who}.participant_id, {who}.status, {n})"

TRIGGERS = {
    "sqlite": [
        "CREATE TRIGGER case_status_counts_insert AFTER INSERT ON cases "
        "WHEN NEW.participant_id IS NOT NULL "
        f"BEGIN {_ROW.format(who='NEW', n=1)}; END",
        "CREATE TRIGGER case_status_counts_delete AFTER DELETE ON cases "
        "WHEN OLD.participant_id IS NOT NULL "
        f"BEGIN {_ROW.format(who='OLD', n=-1)}; END",
        "CREATE TRIGGER case_status_counts_update AFTER UPDATE OF status, participant_id ON cases "
        "WHEN OLD.status IS NOT NEW.status OR OLD.participant_id IS NOT NEW.participant_id "
        "BEGIN "
        "INSERT INTO case_status_counts (participant_id, status, n) "
        "SELECT OLD.participant_id, OLD.status, -1 WHERE OLD.participant_id IS NOT NULL; "
        "INSERT INTO case_status_counts (participant_id, status, n) "
        "SELECT NEW.participant_id, NEW.status, 1 WHERE NEW.participant_id IS NOT NULL; "
        "END",
    ],
    "postgresql": [
        "CREATE FUNCTION case_status_counts_track() RETURNS trigger LANGUAGE plpgsql AS $$ "
        "BEGIN "
        "IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.participant_id IS NOT NULL THEN "
        f"{_ROW.format(who='OLD', n=-1)}; "
        "END IF; "
        "IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.participant_id IS NOT NULL THEN "
        f"{_ROW.format(who='NEW', n=1)}; "
        "END IF; "
        "RETURN NULL; "
        "END $$",
        "CREATE TRIGGER case_status_counts_insert_delete AFTER INSERT OR DELETE ON cases "
        "FOR EACH ROW EXECUTE FUNCTION case_status_counts_track()",
        "CREATE TRIGGER case_status_counts_update AFTER UPDATE OF status, participant_id ON cases FOR EACH ROW "
        "WHEN (OLD.status IS DISTINCT FROM NEW.status OR OLD.participant_id IS DISTINCT FROM NEW.participant_id) "
        "EXECUTE FUNCTION case_status_counts_track()",
    ],
}
DROP_TRIGGERS = {
    "sqlite": [
        "DROP TRIGGER IF EXISTS case_status_counts_insert",
        "DROP TRIGGER IF EXISTS case_status_counts_delete",
        "DROP TRIGGER IF EXISTS case_status_counts_update",
    ],
    "postgresql": [
        "DROP TRIGGER IF EXISTS case_status_counts_insert_delete ON cases",
        "DROP TRIGGER IF EXISTS case_status_counts_update ON cases",
        "DROP FUNCTION IF EXISTS case_status_counts_track()",
    ],
}


def create_triggers(connection):
    for statement in TRIGGERS[connection.dialect.name]:
        connection.execute(text(statement))


@event.listens_for(db.metadata, "after_create")
def _after_create(target, connection, **kw):
    """`db.create_all()` makes the triggers with the tables (the migration makes them too)."""
    create_triggers(connection)


@functools.cache
def _counts_statement():
    return (
        select(CaseStatusCount.status, func.sum(CaseStatusCount.n))
        .where(CaseStatusCount.participant_id.in_(bindparam("participant_ids", expanding=True)))
        .group_by(CaseStatusCount.status)
    )


def participant_counts(participant_ids):
    """{status: number of cases} of these participants' cases together."""
    counts = dict.fromkeys(STATUSES, 0)
    for status, n in db.session.execute(_counts_statement(), {"participant_ids": list(participant_ids)}):
        if status in counts:
            counts[status] = int(n)
    return counts


def _folded():
    return (
        select(CaseStatusCount.participant_id, CaseStatusCount.status, func.sum(CaseStatusCount.n))
        .group_by(CaseStatusCount.participant_id, CaseStatusCount.status)
    )


def _write_lock(conn, table):
    """Hold off every other writer of `table` (SQLite: of the database) until this transaction ends."""
    if conn.dialect.name == "postgresql":
        conn.execute(text(f"LOCK TABLE {table} IN SHARE ROW EXCLUSIVE MODE"))
        return
    dbapi_connection = conn.connection.dbapi_connection
    if not dbapi_connection.in_transaction:
        dbapi_connection.execute("BEGIN IMMEDIATE")


def compact():
    """Fold the rows into one per participant and status (their sums stay the same).

    One transaction that holds the write lock on the table first, so that no
    change lands between reading the sums and replacing the rows.
    """
    columns = ["participant_id", "status", "n"]
    with db.engine.begin() as conn:
        _write_lock(conn, "case_status_counts")
        rows = conn.execute(_folded()).all()
        before = conn.scalar(select(func.count()).select_from(CaseStatusCount))
        conn.execute(delete(CaseStatusCount))
        kept = [dict(zip(columns, row, strict=True)) for row in rows if row[2]]
        if kept:
            conn.execute(insert(CaseStatusCount), kept)
    return before, len(kept)


def rebuild():
    """Recount every participant's cases by status from `cases` itself."""
    with db.engine.begin() as conn:
        _write_lock(conn, "cases")
        conn.execute(delete(CaseStatusCount))
        counted = (
            select(Case.participant_id, Case.status, func.count())
            .where(Case.participant_id.isnot(None))
            .group_by(Case.participant_id, Case.status)
        )
        conn.execute(insert(CaseStatusCount).from_select(["participant_id", "status", "n"], counted))

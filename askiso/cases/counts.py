"""Status counts per participant and submitter, kept by the database (askiso/cases/models.py,
CaseStatusCount).

The triggers below add a row (participant, submitter, status, +1/-1) for every
case added, removed, or moved to another status, participant or submitter. They are created with the
tables (`db.create_all`, the tests) and by the migration; `TRIGGERS` is the one
place that says what they are, per database.

Reading: `participant_counts(ids)` sums the rows of some participants by status,
`submitted_counts(user_id, participant_ids)` those of one person's own cases.
Upkeep: `compact()` folds each participant's rows into one per status (run by
`flask analyze`); `rebuild()` recounts everything from `cases` (after a bulk
load, or to repair; it takes the database's write lock for its transaction).
"""

import functools

from sqlalchemy import and_, bindparam, delete, event, func, insert, or_, select, text

from askiso.cases.models import STATUSES, Case, CaseStatusCount
from askiso.extensions import db

# {who} is OLD or NEW, {n} is -1 or 1: no value from outside ever reaches these statements.
_ROW = (
    "INSERT INTO case_status_counts (participant_id, submitter_id, status, n) "
    "VALUES ({who}.participant_id, {who}.submitter_id, {who}.status, {n})"
)

TRIGGERS = {
    "sqlite": [
        f"CREATE TRIGGER case_status_counts_insert AFTER INSERT ON cases BEGIN {_ROW.format(who='NEW', n=1)}; END",
        f"CREATE TRIGGER case_status_counts_delete AFTER DELETE ON cases BEGIN {_ROW.format(who='OLD', n=-1)}; END",
        "CREATE TRIGGER case_status_counts_update AFTER UPDATE OF status, participant_id, submitter_id ON cases "
        "WHEN OLD.status IS NOT NEW.status OR OLD.participant_id IS NOT NEW.participant_id "
        "OR OLD.submitter_id IS NOT NEW.submitter_id "
        f"BEGIN {_ROW.format(who='OLD', n=-1)}; {_ROW.format(who='NEW', n=1)}; END",
    ],
    "postgresql": [
        "CREATE FUNCTION case_status_counts_track() RETURNS trigger LANGUAGE plpgsql AS $$ "
        "BEGIN "
        f"IF TG_OP IN ('UPDATE', 'DELETE') THEN {_ROW.format(who='OLD', n=-1)}; END IF; "
        f"IF TG_OP IN ('INSERT', 'UPDATE') THEN {_ROW.format(who='NEW', n=1)}; END IF; "
        "RETURN NULL; "
        "END $$",
        "CREATE TRIGGER case_status_counts_insert_delete AFTER INSERT OR DELETE ON cases "
        "FOR EACH ROW EXECUTE FUNCTION case_status_counts_track()",
        "CREATE TRIGGER case_status_counts_update AFTER UPDATE OF status, participant_id, submitter_id ON cases "
        "FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status "
        "OR OLD.participant_id IS DISTINCT FROM NEW.participant_id "
        "OR OLD.submitter_id IS DISTINCT FROM NEW.submitter_id) "
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


def _by_status(stmt, values):
    counts = dict.fromkeys(STATUSES, 0)
    for status, n in db.session.execute(stmt, values):
        if status in counts:
            counts[status] = int(n)
    return counts


def participant_counts(participant_ids):
    """{status: number of cases} of these participants' cases together."""
    return _by_status(_counts_statement(), {"participant_ids": list(participant_ids)})


KEY_COLUMNS = (CaseStatusCount.participant_id, CaseStatusCount.submitter_id, CaseStatusCount.status)
COLUMN_NAMES = [column.key for column in KEY_COLUMNS] + ["n"]


@functools.cache
def submitted_statement():
    """(status, number) of one person's kept counts: values submitter_id, participant_ids, with_inquiries
    (see submitted_counts); listing.py adds the cases they follow to it in one statement."""
    return (
        select(CaseStatusCount.status, func.sum(CaseStatusCount.n))
        .where(
            CaseStatusCount.submitter_id == bindparam("submitter_id"),
            or_(
                CaseStatusCount.participant_id.in_(bindparam("participant_ids", expanding=True)),
                and_(bindparam("with_inquiries"), CaseStatusCount.participant_id.is_(None)),
            ),
        )
        .group_by(CaseStatusCount.status)
    )


def submitted_counts(user_id, participant_ids, with_inquiries):
    """{status: number} of the cases `user_id` submitted in these participants (and, with
    `with_inquiries`, their general inquiries, which have no participant)."""
    values = {"submitter_id": user_id, "participant_ids": list(participant_ids), "with_inquiries": with_inquiries}
    return _by_status(submitted_statement(), values)


def _folded():
    return select(*KEY_COLUMNS, func.sum(CaseStatusCount.n).label("n")).group_by(*KEY_COLUMNS)


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
    with db.engine.begin() as conn:
        _write_lock(conn, "case_status_counts")
        rows = conn.execute(_folded()).all()
        before = conn.scalar(select(func.count()).select_from(CaseStatusCount))
        conn.execute(delete(CaseStatusCount))
        kept = [dict(zip(COLUMN_NAMES, row, strict=True)) for row in rows if row.n]
        if kept:
            conn.execute(insert(CaseStatusCount), kept)
    return before, len(kept)


def rebuild():
    """Recount every participant's cases by status from `cases` itself."""
    with db.engine.begin() as conn:
        _write_lock(conn, "cases")
        conn.execute(delete(CaseStatusCount))
        keys = (Case.participant_id, Case.submitter_id, Case.status)
        counted = select(*keys, func.count()).group_by(*keys)
        conn.execute(insert(CaseStatusCount).from_select(COLUMN_NAMES, counted))

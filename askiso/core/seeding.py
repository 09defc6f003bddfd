"""Rows the application adds on its own, added once: the reference data of data migrations and the demo.

An admin may edit, rename (a key), deactivate or delete what a migration or
`demo load` created; running the same step again, or a later one that carries
the same rows, must not undo that. So every row added here is written down in
`seeded_rows` (table, the row's natural key as first added, its id), and a
row is only ever added when its key is neither in its table nor in that
ledger. A row that already existed when its step first ran (e.g. made by hand,
or by an older seeding) is written down too, and left as it is.

Data migrations (see docs/operations.md, "Reference data"):

    from askiso.core.seeding import add_missing, seeded_ids

    topics = sa.table("topics", sa.column("id", sa.Integer), sa.column("key", sa.String), ...)

    def seed(connection):
        add_missing(connection, topics, [{"key": "billing", "name": "Billing", ...}], source=revision)

    def upgrade():
        seed(op.get_bind())

The migration defines its tables itself (`sa.table`, only the columns it
writes) and carries a frozen copy of its data: never the live models, which
change after it. The functions here take a Connection or a Session and must
keep meaning what they mean today; a different behaviour is a new function.
"""

from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from askiso.extensions import db


class SeededRow(db.Model):
    """A row that a data migration or the demo added (or found already there): never added again."""

    __tablename__ = "seeded_rows"

    table_name: Mapped[str] = mapped_column(sa.String(60), primary_key=True)
    row_key: Mapped[str] = mapped_column(sa.String(200), primary_key=True)
    # The row's id when it was added or found (None for rows without an integer id).
    row_id: Mapped[int | None] = mapped_column()
    # The migration revision, or "demo".
    source: Mapped[str] = mapped_column(sa.String(40))
    seeded_at: Mapped[datetime] = mapped_column()


# The ledger as this module writes it (a fixed shape, independent of the model above).
_LEDGER = sa.table(
    "seeded_rows",
    sa.column("table_name", sa.String),
    sa.column("row_key", sa.String),
    sa.column("row_id", sa.Integer),
    sa.column("source", sa.String),
    sa.column("seeded_at", sa.DateTime),
)


def _now():
    return datetime.now(UTC).replace(tzinfo=None)


def _ledger_keys(bind, table_name):
    rows = bind.execute(sa.select(_LEDGER.c.row_key).where(_LEDGER.c.table_name == table_name))
    return {row[0] for row in rows}


def _record(bind, table_name, key, row_id, source):
    bind.execute(_LEDGER.insert().values(
        table_name=table_name, row_key=key, row_id=row_id, source=source, seeded_at=_now()))


def add_missing(bind, table, rows, *, source, key="key"):
    """Insert each row (a dict) whose `key` value is neither in `table` nor was ever seeded there;
    leave every other row as it is. Returns the keys inserted, in order."""
    seeded = _ledger_keys(bind, table.name)
    has_id = "id" in table.c
    key_column = table.c[key]
    present = {str(k): i for k, i in bind.execute(
        sa.select(key_column, table.c.id if has_id else sa.null()))}
    added = []
    for row in rows:
        row_key = str(row[key])
        if row_key in seeded:
            continue
        if row_key in present:
            _record(bind, table.name, row_key, present[row_key], source)
        else:
            bind.execute(table.insert().values(**row))
            row_id = bind.execute(sa.select(table.c.id).where(key_column == row[key])).scalar() if has_id else None
            _record(bind, table.name, row_key, row_id, source)
            added.append(row_key)
        seeded.add(row_key)
    return added


def seeded_ids(bind, table, key="key"):
    """{key as first seeded: id} of `table`'s seeded rows that still exist, renamed ones included,
    then of its other rows by their current key (for rows that point at them: a request type at
    its queue)."""
    ids = {k: i for k, i in bind.execute(sa.select(table.c[key], table.c.id))}
    existing = set(ids.values())
    ledger = bind.execute(sa.select(_LEDGER.c.row_key, _LEDGER.c.row_id).where(_LEDGER.c.table_name == table.name))
    ids.update({k: i for k, i in ledger if i in existing})
    return {str(k): i for k, i in ids.items()}


def first_time(bind, table_name, key, *, exists, source="demo"):
    """True when the caller should create the row `key` of `table_name` now: it was never seeded and
    does not exist (`exists`). Writes it down either way, so every later call answers False, whether
    or not the row is still there."""
    key = str(key)
    already = bind.execute(sa.select(_LEDGER.c.row_key).where(
        _LEDGER.c.table_name == table_name, _LEDGER.c.row_key == key)).first()
    if already is not None:
        return False
    _record(bind, table_name, key, None, source)
    return not exists

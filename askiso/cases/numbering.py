"""Human case numbers: AI-<year>-<6 digits>, gap-free per year and race-free."""

from sqlalchemy.dialects import postgresql, sqlite

from askiso.cases.models import CaseNumberCounter
from askiso.extensions import db

_table = CaseNumberCounter.__table__


def next_case_number(year):
    """Atomically take the next number of `year` (one upsert, works across hosts)."""
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = (
        insert(_table)
        .values(year=year, last=1)
        .on_conflict_do_update(index_elements=[_table.c.year], set_={"last": _table.c.last + 1})
        .returning(_table.c.last)
    )
    last = db.session.execute(stmt).scalar_one()
    return format_number(year, last)


def format_number(year, sequence):
    return f"AI-{year}-{sequence:06d}"

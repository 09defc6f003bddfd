"""cases: indexes for the staff home (my open cases, unassigned of a queue, at risk), each branch one range

Revision ID: b5e158357302
Revises: 4c840b68c1a9
Create Date: 2026-12-03 06:30:00

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = 'b5e158357302'
down_revision = '4c840b68c1a9'
branch_labels = None
depends_on = None

INDEXES = {
    "ix_cases_assignee_status_due": ["assignee_id", "status", "resolution_due_at", "id"],
    "ix_cases_queue_status_assignee_first_due": ["queue_id", "status", "assignee_id", "first_response_due_at", "id"],
    "ix_cases_queue_status_unanswered": [
        "queue_id", "status", "first_response_at", "resolution_due_at", "first_response_due_at", "id",
    ],
}


def upgrade():
    for name, columns in INDEXES.items():
        op.create_index(name, "cases", columns)
    analyze_new_indexes(list(INDEXES))


def analyze_new_indexes(names):
    """SQLite plans with the statistics of sqlite_stat1: a database that has them (`flask analyze`
    ran) needs them for the new indexes too, or the planner guesses and may prefer a new index
    to the one an ordered list scans (the staff case list took 600 ms at 1M cases that way). A
    database that never ran ANALYZE keeps planning without statistics."""
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        return  # PostgreSQL's statistics are per table and kept by autovacuum
    if bind.exec_driver_sql("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'").first() is None:
        return
    for name in names:
        op.execute(f"ANALYZE {name}")


def downgrade():
    for name in INDEXES:
        op.drop_index(name, table_name="cases")

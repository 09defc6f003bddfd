"""cases: drop ix_cases_assignee_status, a prefix of ix_cases_assignee_status_due

(assignee_id, status) is the first half of (assignee_id, status, resolution_due_at, id), added by
b5e158357302 for the staff home: every lookup by assignee (and status) reads the same range of the
longer index, so the short one only cost a write on every case insert and assignee or status
change. EXPLAIN QUERY PLAN of the 47 statements that filter cases by assignee (staff home, case
list filters and sorts, tabs, CSV, reports), on the 1M-case set's schema and statistics: 44 never
used it; the 3 that did (the capped "mine" and "Assigned to me" counts) read the same
(assignee_id=? AND status=?) covering range of the longer index without it (docs/performance.md,
"ix_cases_assignee_status").

Revision ID: a7e3c91d4b60
Revises: 319bab07742e
"""

from alembic import op

revision = "a7e3c91d4b60"
down_revision = "319bab07742e"
branch_labels = None
depends_on = None


def upgrade():
    op.drop_index("ix_cases_assignee_status", table_name="cases")


def downgrade():
    op.create_index("ix_cases_assignee_status", "cases", ["assignee_id", "status"])

"""cases: extended planner statistics on (submitter_id, participant_id), PostgreSQL

Revision ID: d3a7c6e1f245
Revises: b5e2d4c8a901
Create Date: 2026-12-02 05:00:00

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = 'd3a7c6e1f245'
down_revision = 'b5e2d4c8a901'
branch_labels = None
depends_on = None

# As of this revision (askiso/cases/statistics.py says the same today).
STATISTICS = {
    "postgresql": [
        "CREATE STATISTICS IF NOT EXISTS cases_submitter_participant (dependencies, mcv) "
        "ON submitter_id, participant_id FROM cases",
    ],
}
DROP_STATISTICS = {"postgresql": ["DROP STATISTICS IF EXISTS cases_submitter_participant"]}


def upgrade():
    bind = op.get_bind()
    for statement in STATISTICS.get(bind.dialect.name, []):
        op.execute(statement)
    if bind.dialect.name == "postgresql":
        op.execute("ANALYZE cases")


def downgrade():
    bind = op.get_bind()
    for statement in DROP_STATISTICS.get(bind.dialect.name, []):
        op.execute(statement)

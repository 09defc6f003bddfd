"""case status counts kept by triggers (company and my-cases lists at any size)

Revision ID: 7c3f1a2b9d10
Revises: 1460a2dd7097
Create Date: 2026-12-02 01:30:00

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = '7c3f1a2b9d10'
down_revision = '1460a2dd7097'
branch_labels = None
depends_on = None

# The trigger statements as of this revision (askiso/cases/counts.py says the same today;
# a later change to them gets a migration of its own).
TRIGGERS = {
    "sqlite": [
        "CREATE TRIGGER case_status_counts_insert AFTER INSERT ON cases BEGIN INSERT INTO "
        "case_status_counts (participant_id, submitter_id, status, n) VALUES (NEW.participant_id, "
        "NEW.submitter_id, NEW.status, 1); END",
        "CREATE TRIGGER case_status_counts_delete AFTER DELETE ON cases BEGIN INSERT INTO "
        "case_status_counts (participant_id, submitter_id, status, n) VALUES (OLD.participant_id, "
        "OLD.submitter_id, OLD.status, -1); END",
        "CREATE TRIGGER case_status_counts_update AFTER UPDATE OF status, participant_id, submitter_id "
        "ON cases WHEN OLD.status IS NOT NEW.status OR OLD.participant_id IS NOT NEW.participant_id OR "
        "OLD.submitter_id IS NOT NEW.submitter_id BEGIN INSERT INTO case_status_counts (participant_id, "
        "submitter_id, status, n) VALUES (OLD.participant_id, OLD.submitter_id, OLD.status, -1); INSERT "
        "INTO case_status_counts (participant_id, submitter_id, status, n) VALUES (NEW.participant_id, "
        "NEW.submitter_id, NEW.status, 1); END",
    ],
    "postgresql": [
        "CREATE FUNCTION case_status_counts_track() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN IF "
        "TG_OP IN ('UPDATE', 'DELETE') THEN INSERT INTO case_status_counts (participant_id, "
        "submitter_id, status, n) VALUES (OLD.participant_id, OLD.submitter_id, OLD.status, -1); END IF; "
        "IF TG_OP IN ('INSERT', 'UPDATE') THEN INSERT INTO case_status_counts (participant_id, "
        "submitter_id, status, n) VALUES (NEW.participant_id, NEW.submitter_id, NEW.status, 1); END IF; "
        "RETURN NULL; END $$",
        "CREATE TRIGGER case_status_counts_insert_delete AFTER INSERT OR DELETE ON cases FOR EACH ROW "
        "EXECUTE FUNCTION case_status_counts_track()",
        "CREATE TRIGGER case_status_counts_update AFTER UPDATE OF status, participant_id, submitter_id "
        "ON cases FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status OR OLD.participant_id IS "
        "DISTINCT FROM NEW.participant_id OR OLD.submitter_id IS DISTINCT FROM NEW.submitter_id) EXECUTE "
        "FUNCTION case_status_counts_track()",
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


def upgrade():
    op.create_table('case_status_counts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('participant_id', sa.Integer(), nullable=True),
    sa.Column('submitter_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('n', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['participant_id'], ['participants.id'], name=op.f('fk_case_status_counts_participant_id_participants'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['submitter_id'], ['users.id'], name=op.f('fk_case_status_counts_submitter_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_status_counts'))
    )
    with op.batch_alter_table('case_status_counts', schema=None) as batch_op:
        batch_op.create_index('ix_case_status_counts_participant', ['participant_id', 'status', 'n'], unique=False)
        batch_op.create_index('ix_case_status_counts_submitter', ['submitter_id', 'participant_id', 'status', 'n'], unique=False)
    # The counts of the cases there are now, then the triggers that keep them.
    op.execute(
        "INSERT INTO case_status_counts (participant_id, submitter_id, status, n) "
        "SELECT participant_id, submitter_id, status, count(*) FROM cases "
        "GROUP BY participant_id, submitter_id, status"
    )
    for statement in TRIGGERS[op.get_bind().dialect.name]:
        op.execute(statement)


def downgrade():
    for statement in DROP_TRIGGERS[op.get_bind().dialect.name]:
        op.execute(statement)
    with op.batch_alter_table('case_status_counts', schema=None) as batch_op:
        batch_op.drop_index('ix_case_status_counts_submitter')
        batch_op.drop_index('ix_case_status_counts_participant')
    op.drop_table('case_status_counts')

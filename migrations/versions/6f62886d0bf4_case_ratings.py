"""case ratings (the submitter's good/bad + comment on a resolved case) and the covering indexes of the reports

Revision ID: 6f62886d0bf4
Revises: 9b3e7d21c5fa
Create Date: 2026-12-03 06:30:00

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = '6f62886d0bf4'
down_revision = '9b3e7d21c5fa'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'case_ratings',
        sa.Column('case_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.Column('score', sa.String(length=10), nullable=False),
        sa.Column('comment', sa.Text(), nullable=False),
        sa.Column('source', sa.String(length=10), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_case_ratings_case_id_cases'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_case_ratings_user_id_users'), ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('case_id', name=op.f('pk_case_ratings')),
    )
    op.create_index('ix_case_ratings_score_case', 'case_ratings', ['score', 'case_id'], unique=False)
    op.create_index('ix_cases_report_received', 'cases', [
        'received_at', 'queue_id', 'request_type_id', 'participant_id', 'assignee_id', 'priority', 'status',
        'first_response_at', 'first_response_due_at', 'resolved_at', 'resolution_due_at'], unique=False)
    op.create_index('ix_cases_report_open', 'cases', [
        'status', 'received_at', 'queue_id', 'request_type_id', 'participant_id'], unique=False)
    analyze_new_indexes(['ix_cases_report_received', 'ix_cases_report_open'])


def analyze_new_indexes(names):
    """SQLite plans with the statistics of sqlite_stat1: a database that has them (`flask analyze`
    ran) needs them for the new indexes too, or the planner guesses and prefers
    ix_cases_report_open (status first) to the ordered scan of the staff case list (600 ms at
    1M cases). A database that never ran ANALYZE keeps planning without statistics."""
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        return  # PostgreSQL's statistics are per table and kept by autovacuum
    if bind.exec_driver_sql("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'").first() is None:
        return
    for name in names:
        op.execute(f"ANALYZE {name}")


def downgrade():
    op.drop_index('ix_cases_report_open', table_name='cases')
    op.drop_index('ix_cases_report_received', table_name='cases')
    op.drop_index('ix_case_ratings_score_case', table_name='case_ratings')
    op.drop_table('case_ratings')

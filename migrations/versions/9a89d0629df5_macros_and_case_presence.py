"""macros (named sets of staff actions) and case_presence (who has a staff case page open)

Revision ID: 9a89d0629df5
Revises: b5e158357302
Create Date: 2026-12-03 06:40:00

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = '9a89d0629df5'
down_revision = 'b5e158357302'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'macros',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=80), nullable=False),
        sa.Column('owner_id', sa.Integer(), nullable=True),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('is_internal', sa.Boolean(), nullable=False),
        sa.Column('status', sa.String(length=20), nullable=True),
        sa.Column('priority', sa.String(length=20), nullable=True),
        sa.Column('queue_id', sa.Integer(), nullable=True),
        sa.Column('assign_to', sa.String(length=10), nullable=False),
        sa.Column('assignee_id', sa.Integer(), nullable=True),
        sa.Column('is_active', sa.Boolean(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['assignee_id'], ['users.id'], name=op.f('fk_macros_assignee_id_users'), ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['owner_id'], ['users.id'], name=op.f('fk_macros_owner_id_users'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['queue_id'], ['queues.id'], name=op.f('fk_macros_queue_id_queues'), ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_macros')),
    )
    op.create_index(op.f('ix_macros_owner_id'), 'macros', ['owner_id'], unique=False)
    op.create_table(
        'case_presence',
        sa.Column('case_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('state', sa.String(length=10), nullable=False),
        sa.Column('seen_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_case_presence_case_id_cases'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_case_presence_user_id_users'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('case_id', 'user_id', name=op.f('pk_case_presence')),
    )
    op.create_index(op.f('ix_case_presence_seen_at'), 'case_presence', ['seen_at'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_case_presence_seen_at'), table_name='case_presence')
    op.drop_table('case_presence')
    op.drop_index(op.f('ix_macros_owner_id'), table_name='macros')
    op.drop_table('macros')

"""staff by name: a partial index on users (staff queue filters, assignee selects)

Revision ID: b5e2d4c8a901
Revises: 7c3f1a2b9d10
Create Date: 2026-12-02 04:35:00

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = 'b5e2d4c8a901'
down_revision = '7c3f1a2b9d10'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index(
        'ix_users_staff_name',
        'users',
        ['name'],
        unique=False,
        postgresql_where=sa.text('staff_role IS NOT NULL'),
        sqlite_where=sa.text('staff_role IS NOT NULL'),
    )


def downgrade():
    op.drop_index('ix_users_staff_name', table_name='users')

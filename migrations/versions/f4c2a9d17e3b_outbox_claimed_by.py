"""outbox_emails.claimed_by: the claim whose (short, renewed) lease holds the row

Revision ID: f4c2a9d17e3b
Revises: a4c2e9f7b1d3
Create Date: 2026-12-02 21:20:00

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = 'f4c2a9d17e3b'
down_revision = 'a4c2e9f7b1d3'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('outbox_emails') as batch_op:
        batch_op.add_column(sa.Column('claimed_by', sa.String(length=64), nullable=True))


def downgrade():
    with op.batch_alter_table('outbox_emails') as batch_op:
        batch_op.drop_column('claimed_by')

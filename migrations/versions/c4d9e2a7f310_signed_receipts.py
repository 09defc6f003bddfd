"""signed receipts: receipt_keys (published public keys) and case_receipts (one JWS per case)

Revision ID: c4d9e2a7f310
Revises: f3c9a1d7e5b2
Create Date: 2026-12-02 22:10:00

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = 'c4d9e2a7f310'
down_revision = 'f3c9a1d7e5b2'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'receipt_keys',
        sa.Column('kid', sa.String(length=64), nullable=False),
        sa.Column('public_jwk', sa.JSON(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('retired_at', sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint('kid', name=op.f('pk_receipt_keys')),
    )
    op.create_table(
        'case_receipts',
        sa.Column('case_id', sa.Integer(), nullable=False),
        sa.Column('kid', sa.String(length=64), nullable=False),
        sa.Column('jws', sa.Text(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_case_receipts_case_id_cases'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['kid'], ['receipt_keys.kid'], name=op.f('fk_case_receipts_kid_receipt_keys')),
        sa.PrimaryKeyConstraint('case_id', name=op.f('pk_case_receipts')),
    )


def downgrade():
    op.drop_table('case_receipts')
    op.drop_table('receipt_keys')

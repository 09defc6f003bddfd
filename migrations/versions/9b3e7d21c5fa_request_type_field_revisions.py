"""request type field revisions: a case keeps the fields it was filed with

request_types.field_revision counts the versions of a type's fields and
request_types.past_fields keeps the earlier ones; cases.field_revision says which
one a case was filed with (NULL for cases filed before: revision 1, the fields
each type has now).

Revision ID: 9b3e7d21c5fa
Revises: c4d9e2a7f310
Create Date: 2026-12-03 06:40:00

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = '9b3e7d21c5fa'
down_revision = 'c4d9e2a7f310'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('request_types', sa.Column('field_revision', sa.Integer(), server_default='1', nullable=False))
    op.add_column('request_types', sa.Column('past_fields', sa.JSON(), nullable=True))
    op.add_column('cases', sa.Column('field_revision', sa.Integer(), nullable=True))


def downgrade():
    op.drop_column('cases', 'field_revision')
    op.drop_column('request_types', 'past_fields')
    op.drop_column('request_types', 'field_revision')

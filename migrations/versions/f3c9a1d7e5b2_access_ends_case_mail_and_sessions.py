"""access that ended stays ended: outbox rows name their case-mail recipient (audience,
recipient_user_id, drop_reason), inquiries record when they were filed under a participant, the
pending two-factor secret lives in the session row

Revision ID: f3c9a1d7e5b2
Revises: 69e54520bbd8
Create Date: 2026-12-02 22:00:00

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = 'f3c9a1d7e5b2'
down_revision = '69e54520bbd8'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('outbox_emails', schema=None) as batch_op:
        batch_op.add_column(sa.Column('audience', sa.String(length=10), nullable=True))
        batch_op.add_column(sa.Column('recipient_user_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('drop_reason', sa.Text(), nullable=True))
        batch_op.create_index(batch_op.f('ix_outbox_emails_recipient_user_id'), ['recipient_user_id'], unique=False)
        batch_op.create_foreign_key('fk_outbox_emails_recipient_user_id_users', 'users', ['recipient_user_id'], ['id'],
                                    ondelete='SET NULL')
    with op.batch_alter_table('inquiry_contacts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('participant_linked_at', sa.DateTime(), nullable=True))
    with op.batch_alter_table('user_sessions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('pending_totp_secret', sa.String(length=64), nullable=True))


def downgrade():
    with op.batch_alter_table('user_sessions', schema=None) as batch_op:
        batch_op.drop_column('pending_totp_secret')
    with op.batch_alter_table('inquiry_contacts', schema=None) as batch_op:
        batch_op.drop_column('participant_linked_at')
    with op.batch_alter_table('outbox_emails', schema=None) as batch_op:
        batch_op.drop_constraint('fk_outbox_emails_recipient_user_id_users', type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_outbox_emails_recipient_user_id'))
        batch_op.drop_column('drop_reason')
        batch_op.drop_column('recipient_user_id')
        batch_op.drop_column('audience')

"""Files of internal notes are internal: one definition of a public file

A file is internal when its message is (askiso/visibility.py PUBLIC_FILE); the tracking link
used to test the message as well. Rows stored before store_files made it so are marked here.

Revision ID: 319bab07742e
Revises: 885de8257890
"""

from alembic import op

revision = "319bab07742e"
down_revision = '885de8257890'
branch_labels = None
depends_on = None


def upgrade():
    op.execute(
        "UPDATE attachments SET is_internal = true WHERE is_internal = false AND message_id IN "
        "(SELECT id FROM messages WHERE is_internal = true)"
    )


def downgrade():
    pass  # the data stays right either way

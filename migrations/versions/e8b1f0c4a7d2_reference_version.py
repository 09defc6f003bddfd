"""reference_version: a token the catalogue, service-level and holiday tables change (kept per process)

Revision ID: e8b1f0c4a7d2
Revises: d3a7c6e1f245
Create Date: 2026-12-02 13:00:00

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = 'e8b1f0c4a7d2'
down_revision = 'd3a7c6e1f245'
branch_labels = None
depends_on = None

# The statements as of this revision (askiso/core/reference.py says the same today;
# a later change to them gets a migration of its own).
BUMP = {
    "sqlite": 'UPDATE reference_version SET token = lower(hex(randomblob(16))) WHERE id = 1; INSERT INTO reference_version (id, token) SELECT 1, lower(hex(randomblob(16))) WHERE NOT EXISTS (SELECT 1 FROM reference_version WHERE id = 1)',
    "postgresql": 'INSERT INTO reference_version (id, token) VALUES (1, gen_random_uuid()::text) ON CONFLICT (id) DO UPDATE SET token = EXCLUDED.token',
}
TRIGGERS = {
    "sqlite": [
        'CREATE TRIGGER reference_version_queues_insert AFTER INSERT ON queues BEGIN UPDATE reference_version SET token = lower(hex(randomblob(16))) WHERE id = 1; INSERT INTO reference_version (id, token) SELECT 1, lower(hex(randomblob(16))) WHERE NOT EXISTS (SELECT 1 FROM reference_version WHERE id = 1); END',
        'CREATE TRIGGER reference_version_queues_update AFTER UPDATE ON queues BEGIN UPDATE reference_version SET token = lower(hex(randomblob(16))) WHERE id = 1; INSERT INTO reference_version (id, token) SELECT 1, lower(hex(randomblob(16))) WHERE NOT EXISTS (SELECT 1 FROM reference_version WHERE id = 1); END',
        'CREATE TRIGGER reference_version_queues_delete AFTER DELETE ON queues BEGIN UPDATE reference_version SET token = lower(hex(randomblob(16))) WHERE id = 1; INSERT INTO reference_version (id, token) SELECT 1, lower(hex(randomblob(16))) WHERE NOT EXISTS (SELECT 1 FROM reference_version WHERE id = 1); END',
        'CREATE TRIGGER reference_version_topics_insert AFTER INSERT ON topics BEGIN UPDATE reference_version SET token = lower(hex(randomblob(16))) WHERE id = 1; INSERT INTO reference_version (id, token) SELECT 1, lower(hex(randomblob(16))) WHERE NOT EXISTS (SELECT 1 FROM reference_version WHERE id = 1); END',
        'CREATE TRIGGER reference_version_topics_update AFTER UPDATE ON topics BEGIN UPDATE reference_version SET token = lower(hex(randomblob(16))) WHERE id = 1; INSERT INTO reference_version (id, token) SELECT 1, lower(hex(randomblob(16))) WHERE NOT EXISTS (SELECT 1 FROM reference_version WHERE id = 1); END',
        'CREATE TRIGGER reference_version_topics_delete AFTER DELETE ON topics BEGIN UPDATE reference_version SET token = lower(hex(randomblob(16))) WHERE id = 1; INSERT INTO reference_version (id, token) SELECT 1, lower(hex(randomblob(16))) WHERE NOT EXISTS (SELECT 1 FROM reference_version WHERE id = 1); END',
        'CREATE TRIGGER reference_version_request_types_insert AFTER INSERT ON request_types BEGIN UPDATE reference_version SET token = lower(hex(randomblob(16))) WHERE id = 1; INSERT INTO reference_version (id, token) SELECT 1, lower(hex(randomblob(16))) WHERE NOT EXISTS (SELECT 1 FROM reference_version WHERE id = 1); END',
        'CREATE TRIGGER reference_version_request_types_update AFTER UPDATE ON request_types BEGIN UPDATE reference_version SET token = lower(hex(randomblob(16))) WHERE id = 1; INSERT INTO reference_version (id, token) SELECT 1, lower(hex(randomblob(16))) WHERE NOT EXISTS (SELECT 1 FROM reference_version WHERE id = 1); END',
        'CREATE TRIGGER reference_version_request_types_delete AFTER DELETE ON request_types BEGIN UPDATE reference_version SET token = lower(hex(randomblob(16))) WHERE id = 1; INSERT INTO reference_version (id, token) SELECT 1, lower(hex(randomblob(16))) WHERE NOT EXISTS (SELECT 1 FROM reference_version WHERE id = 1); END',
        'CREATE TRIGGER reference_version_holidays_insert AFTER INSERT ON holidays BEGIN UPDATE reference_version SET token = lower(hex(randomblob(16))) WHERE id = 1; INSERT INTO reference_version (id, token) SELECT 1, lower(hex(randomblob(16))) WHERE NOT EXISTS (SELECT 1 FROM reference_version WHERE id = 1); END',
        'CREATE TRIGGER reference_version_holidays_update AFTER UPDATE ON holidays BEGIN UPDATE reference_version SET token = lower(hex(randomblob(16))) WHERE id = 1; INSERT INTO reference_version (id, token) SELECT 1, lower(hex(randomblob(16))) WHERE NOT EXISTS (SELECT 1 FROM reference_version WHERE id = 1); END',
        'CREATE TRIGGER reference_version_holidays_delete AFTER DELETE ON holidays BEGIN UPDATE reference_version SET token = lower(hex(randomblob(16))) WHERE id = 1; INSERT INTO reference_version (id, token) SELECT 1, lower(hex(randomblob(16))) WHERE NOT EXISTS (SELECT 1 FROM reference_version WHERE id = 1); END',
        'CREATE TRIGGER reference_version_service_level_settings_insert AFTER INSERT ON service_level_settings BEGIN UPDATE reference_version SET token = lower(hex(randomblob(16))) WHERE id = 1; INSERT INTO reference_version (id, token) SELECT 1, lower(hex(randomblob(16))) WHERE NOT EXISTS (SELECT 1 FROM reference_version WHERE id = 1); END',
        'CREATE TRIGGER reference_version_service_level_settings_update AFTER UPDATE ON service_level_settings BEGIN UPDATE reference_version SET token = lower(hex(randomblob(16))) WHERE id = 1; INSERT INTO reference_version (id, token) SELECT 1, lower(hex(randomblob(16))) WHERE NOT EXISTS (SELECT 1 FROM reference_version WHERE id = 1); END',
        'CREATE TRIGGER reference_version_service_level_settings_delete AFTER DELETE ON service_level_settings BEGIN UPDATE reference_version SET token = lower(hex(randomblob(16))) WHERE id = 1; INSERT INTO reference_version (id, token) SELECT 1, lower(hex(randomblob(16))) WHERE NOT EXISTS (SELECT 1 FROM reference_version WHERE id = 1); END',
    ],
    "postgresql": [
        'CREATE FUNCTION reference_version_bump() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN INSERT INTO reference_version (id, token) VALUES (1, gen_random_uuid()::text) ON CONFLICT (id) DO UPDATE SET token = EXCLUDED.token; RETURN NULL; END $$',
        'CREATE TRIGGER reference_version_queues AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON queues FOR EACH STATEMENT EXECUTE FUNCTION reference_version_bump()',
        'CREATE TRIGGER reference_version_topics AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON topics FOR EACH STATEMENT EXECUTE FUNCTION reference_version_bump()',
        'CREATE TRIGGER reference_version_request_types AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON request_types FOR EACH STATEMENT EXECUTE FUNCTION reference_version_bump()',
        'CREATE TRIGGER reference_version_holidays AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON holidays FOR EACH STATEMENT EXECUTE FUNCTION reference_version_bump()',
        'CREATE TRIGGER reference_version_service_level_settings AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON service_level_settings FOR EACH STATEMENT EXECUTE FUNCTION reference_version_bump()',
    ],
}
DROP_TRIGGERS = {
    "sqlite": [
        'DROP TRIGGER IF EXISTS reference_version_queues_insert',
        'DROP TRIGGER IF EXISTS reference_version_queues_update',
        'DROP TRIGGER IF EXISTS reference_version_queues_delete',
        'DROP TRIGGER IF EXISTS reference_version_topics_insert',
        'DROP TRIGGER IF EXISTS reference_version_topics_update',
        'DROP TRIGGER IF EXISTS reference_version_topics_delete',
        'DROP TRIGGER IF EXISTS reference_version_request_types_insert',
        'DROP TRIGGER IF EXISTS reference_version_request_types_update',
        'DROP TRIGGER IF EXISTS reference_version_request_types_delete',
        'DROP TRIGGER IF EXISTS reference_version_holidays_insert',
        'DROP TRIGGER IF EXISTS reference_version_holidays_update',
        'DROP TRIGGER IF EXISTS reference_version_holidays_delete',
        'DROP TRIGGER IF EXISTS reference_version_service_level_settings_insert',
        'DROP TRIGGER IF EXISTS reference_version_service_level_settings_update',
        'DROP TRIGGER IF EXISTS reference_version_service_level_settings_delete',
    ],
    "postgresql": [
        'DROP TRIGGER IF EXISTS reference_version_queues ON queues',
        'DROP TRIGGER IF EXISTS reference_version_topics ON topics',
        'DROP TRIGGER IF EXISTS reference_version_request_types ON request_types',
        'DROP TRIGGER IF EXISTS reference_version_holidays ON holidays',
        'DROP TRIGGER IF EXISTS reference_version_service_level_settings ON service_level_settings',
        'DROP FUNCTION IF EXISTS reference_version_bump()',
    ],
}


def upgrade():
    op.create_table('reference_version',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('token', sa.String(length=36), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reference_version'))
    )
    dialect = op.get_bind().dialect.name
    for statement in TRIGGERS[dialect]:
        op.execute(statement)
    for statement in BUMP[dialect].split('; '):
        op.execute(statement)


def downgrade():
    for statement in DROP_TRIGGERS[op.get_bind().dialect.name]:
        op.execute(statement)
    op.drop_table('reference_version')

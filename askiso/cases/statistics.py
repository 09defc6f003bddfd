"""Planner statistics the planner cannot infer on its own (PostgreSQL).

A person files their cases for the one or two participants they belong to:
`cases.participant_id` depends on `cases.submitter_id`. Without being told,
PostgreSQL multiplies the two columns' selectivities and expects a tenth of a
busy person's 5,000 cases in their companies; a search then collects and
sorts all of them (65 ms) instead of walking their cases newest first and
stopping at the window (7 ms). `ANALYZE` (`flask analyze`) fills these in.
They are created with the tables (`db.create_all`, the tests) and by the
migration; `STATISTICS` is the one place that says what they are.
"""

from sqlalchemy import event, text

from askiso.extensions import db

STATISTICS = {
    "postgresql": [
        "CREATE STATISTICS IF NOT EXISTS cases_submitter_participant (dependencies, mcv) "
        "ON submitter_id, participant_id FROM cases",
    ],
}
DROP_STATISTICS = {"postgresql": ["DROP STATISTICS IF EXISTS cases_submitter_participant"]}


def create_statistics(connection):
    for statement in STATISTICS.get(connection.dialect.name, []):
        connection.execute(text(statement))


@event.listens_for(db.metadata, "after_create")
def _after_create(target, connection, **kw):
    create_statistics(connection)

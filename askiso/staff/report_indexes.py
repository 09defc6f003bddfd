"""Indexes on cases that the supervisor reports read from alone (askiso/staff/report_sections.py).

Every report statement over a period is bounded by received_at and reads only
the columns below, so SQLite and PostgreSQL answer it from the index without
visiting the table (at a million cases, ~80,000 cases in 90 days: a covering
range scan instead of 80,000 row look-ups). The backlog counts the open cases
by status and age, with the same filters. See docs/reports.md for the costs.
"""

from sqlalchemy import Index

from askiso.cases.models import Case

REPORT_COLUMNS = (
    Case.received_at,
    Case.queue_id,
    Case.request_type_id,
    Case.participant_id,
    Case.assignee_id,
    Case.priority,
    Case.status,
    Case.first_response_at,
    Case.first_response_due_at,
    Case.resolved_at,
    Case.resolution_due_at,
)

Index("ix_cases_report_received", *REPORT_COLUMNS)
Index("ix_cases_report_open", Case.status, Case.received_at, Case.queue_id, Case.request_type_id, Case.participant_id)

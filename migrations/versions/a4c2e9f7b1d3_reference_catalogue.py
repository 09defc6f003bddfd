"""reference catalogue: the seeded queues, topics, request types and service-level targets, with the seeded_rows ledger

The ledger keeps any later seeding from undoing an admin's edit (askiso/core/seeding.py;
docs/operations.md, "Reference data"). The catalogue is described in docs/product.md.

Revision ID: a4c2e9f7b1d3
Revises: e8b1f0c4a7d2
Create Date: 2026-12-02 21:30:00

"""
from datetime import UTC, datetime

from alembic import op
import sqlalchemy as sa

from askiso.core.seeding import add_missing, seeded_ids

# revision identifiers, used by Alembic.
revision = 'a4c2e9f7b1d3'
down_revision = 'e8b1f0c4a7d2'
branch_labels = None
depends_on = None

# The tables as this migration writes them (only the columns it fills; never the live models).
queues = sa.table(
    "queues", sa.column("id", sa.Integer), sa.column("key", sa.String), sa.column("name", sa.String),
    sa.column("description", sa.Text), sa.column("is_active", sa.Boolean),
)
topics = sa.table(
    "topics", sa.column("id", sa.Integer), sa.column("key", sa.String), sa.column("name", sa.String),
    sa.column("is_active", sa.Boolean), sa.column("sort_order", sa.Integer),
)
request_types = sa.table(
    "request_types", sa.column("id", sa.Integer), sa.column("key", sa.String), sa.column("name", sa.String),
    sa.column("description", sa.Text), sa.column("fields", sa.JSON), sa.column("file_required", sa.Boolean),
    sa.column("queue_id", sa.Integer), sa.column("default_topic_id", sa.Integer),
    sa.column("for_participants", sa.Boolean), sa.column("for_non_participants", sa.Boolean),
    sa.column("is_active", sa.Boolean), sa.column("sort_order", sa.Integer),
)
service_level_settings = sa.table(
    "service_level_settings", sa.column("id", sa.Integer),
    sa.column("urgent_first_response_minutes", sa.Integer), sa.column("high_first_response_minutes", sa.Integer),
    sa.column("normal_first_response_minutes", sa.Integer), sa.column("low_first_response_minutes", sa.Integer),
    sa.column("resolution_minutes", sa.Integer), sa.column("autoclose_days", sa.Integer),
    sa.column("reminder_days", sa.Integer), sa.column("updated_at", sa.DateTime),
)

# ---------------------------------------------------------------- the data, frozen as of this revision

QUEUES = [
    ("participant_support", "Participant Support", "General questions and system access."),
    ("member_coordination", "Member Coordination", "Registration forms, FCTS and eFTR access."),
    ("credit", "Market and Credit Risk", "FTR risk-management policies and certifications."),
    ("settlements", "Settlements", "Billing adjustments and settlement disputes."),
    ("external_transactions", "External Transactions", "OASIS, NEXTT, JESS and EIR."),
]

TOPICS = [
    ("billing", "Billing and settlements"),
    ("cams", "CAMS and system access"),
    ("fcm", "Forward Capacity Market (FCM)"),
    ("ftr", "Financial Transmission Rights (FTR)"),
    ("financial_assurance", "Financial assurance"),
    ("markets", "Energy and ancillary markets"),
    ("external_transactions", "External transactions"),
    ("data", "Data feeds and web services"),
    ("registration", "Registration and membership"),
    ("other", "Other"),
]

FORM_TYPES = [
    "FCM Nonmarket Participant Registration Request",
    "Membership Applicant Questionnaire Section XVI",
    "External Transmission Customer Contact form",
    "Other",
]
SYSTEMS = ["CAMS", "eMarket", "Settlement Management System (SMS)", "Market Information System (MIS)", "Other"]
EXTERNAL_SYSTEMS = ["OASIS", "NEXTT", "JESS", "EIR"]


def _f(name, label, type_="text", required=True, **extra):
    return {"name": name, "label": label, "type": type_, "required": required, **extra}


REQUEST_TYPES = [
    {
        "key": "general_question", "name": "General question", "queue": "participant_support",
        "topic": "other", "for_non_participants": True,
        "description": "Any question for ISO Participant Support.",
        "fields": [],
    },
    {
        "key": "registration_form", "name": "Registration form submission", "queue": "member_coordination",
        "topic": "registration", "file_required": True,
        "description": "Submit a completed registration form (attach the form).",
        "fields": [_f("form_type", "Form type", "choice", choices=FORM_TYPES)],
    },
    {
        "key": "fcts_access", "name": "FCTS access for an additional contact", "queue": "member_coordination",
        "topic": "fcm",
        "description": "Request Forward Capacity Tracking System access for another person of your company.",
        "fields": [
            _f("company", "Company name"),
            _f("first_name", "New user's first name"),
            _f("last_name", "New user's last name"),
            _f("work_phone", "Work phone (10 digits, no extension)", "phone"),
            _f("email", "New user's email address", "email"),
        ],
    },
    {
        "key": "ftr_certification", "name": "FTR annual risk-management certification (Attachment 5)",
        "queue": "credit", "topic": "ftr", "file_required": True,
        "description": "Attachment 5 of the ISO Tariff, due by April 30 each year.",
        "fields": [_f("certification_year", "Certification year", "choice", choices=["2025", "2026", "2027"])],
    },
    {
        "key": "ftr_policies", "name": "FTR risk-management policies for review", "queue": "credit",
        "topic": "ftr", "file_required": True,
        "description": "Your written risk-management policies, procedures and controls for FTR participation.",
        "fields": [],
    },
    {
        "key": "billing_dispute", "name": "Requested billing adjustment / settlement dispute",
        "queue": "settlements", "topic": "billing",
        "description": "The time this request is received is recorded as its legal receipt time.",
        "fields": [
            _f("operating_day", "Operating day", "date_past"),
            _f("statement", "Statement", "choice", choices=["Initial", "Resettlement", "Final", "Other"]),
            _f("charge", "Charge or charge code"),
            _f("amount", "Disputed amount (USD)", "money"),
            _f("explanation", "Explanation", "textarea"),
        ],
    },
    {
        "key": "data_feeds", "name": "Data feeds / web services access", "queue": "participant_support",
        "topic": "data", "for_non_participants": True,
        "description": "Problems applying for or using automated operational data.",
        "fields": [_f("iso_express_username", "ISO Express username", required=False)],
    },
    {
        "key": "external_transactions", "name": "External transactions access (OASIS, NEXTT, JESS, EIR)",
        "queue": "external_transactions", "topic": "external_transactions",
        "description": "Registration and access for external transaction systems.",
        "fields": [
            _f("system", "System", "choice", choices=EXTERNAL_SYSTEMS),
            _f("work_phone", "10-digit work or cell phone listed in CAMS", "phone"),
        ],
    },
    {
        "key": "system_access", "name": "Other ISO system access (CAMS, eMarket, SMS, MIS)",
        "queue": "participant_support", "topic": "cams",
        "description": "Access to eMarket, SMS, MIS and other ISO systems.",
        "fields": [_f("system", "System", "choice", choices=SYSTEMS)],
    },
]

# Business minutes (a business day is 9 hours: 08:00-17:00 America/New_York).
SERVICE_LEVELS = {
    "id": 1,
    "urgent_first_response_minutes": 2 * 60,
    "high_first_response_minutes": 4 * 60,
    "normal_first_response_minutes": 9 * 60,
    "low_first_response_minutes": 3 * 9 * 60,
    "resolution_minutes": 10 * 9 * 60,
    "autoclose_days": 7,
    "reminder_days": 5,
}


def seed(connection):
    """Add the catalogue rows that are missing (and were never seeded); edit nothing."""
    add_missing(connection, queues, [
        {"key": key, "name": name, "description": description, "is_active": True}
        for key, name, description in QUEUES
    ], source=revision)
    add_missing(connection, topics, [
        {"key": key, "name": name, "is_active": True, "sort_order": order}
        for order, (key, name) in enumerate(TOPICS)
    ], source=revision)
    queue_ids, topic_ids = seeded_ids(connection, queues), seeded_ids(connection, topics)
    add_missing(connection, request_types, [
        {
            "key": spec["key"], "name": spec["name"], "description": spec["description"],
            "fields": spec["fields"], "file_required": spec.get("file_required", False),
            "queue_id": queue_ids[spec["queue"]], "default_topic_id": topic_ids.get(spec["topic"]),
            "for_participants": True, "for_non_participants": spec.get("for_non_participants", False),
            "is_active": True, "sort_order": order,
        }
        for order, spec in enumerate(REQUEST_TYPES)
    ], source=revision)
    add_missing(connection, service_level_settings, [{**SERVICE_LEVELS, "updated_at": datetime.now(UTC).replace(tzinfo=None)}],
                key="id", source=revision)


def upgrade():
    op.create_table('seeded_rows',
    sa.Column('table_name', sa.String(length=60), nullable=False),
    sa.Column('row_key', sa.String(length=200), nullable=False),
    sa.Column('row_id', sa.Integer(), nullable=True),
    sa.Column('source', sa.String(length=40), nullable=False),
    sa.Column('seeded_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('table_name', 'row_key', name=op.f('pk_seeded_rows'))
    )
    seed(op.get_bind())


def downgrade():
    # The catalogue stays (cases point at it); only the ledger goes.
    op.drop_table('seeded_rows')

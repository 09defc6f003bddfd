"""The seeded catalogue: queues, topics and request types from the seed's workflows.

`seed_catalog()` is idempotent: it creates what is missing by key and leaves
what admins have edited alone.
"""

from types import MappingProxyType

from sqlalchemy import select

from askiso.cases.models import Queue, RequestType, Topic
from askiso.core import reference
from askiso.extensions import db

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
    spec = {"name": name, "label": label, "type": type_, "required": required}
    spec.update(extra)
    return spec


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


def seed_catalog():
    """Create the seeded queues, topics and request types that are missing."""
    queues = {q.key: q for q in db.session.scalars(select(Queue))}
    for key, name, description in QUEUES:
        if key not in queues:
            queues[key] = Queue(key=key, name=name, description=description)
            db.session.add(queues[key])
    topics = {t.key: t for t in db.session.scalars(select(Topic))}
    for order, (key, name) in enumerate(TOPICS):
        if key not in topics:
            topics[key] = Topic(key=key, name=name, sort_order=order)
            db.session.add(topics[key])
    db.session.flush()
    existing = set(db.session.scalars(select(RequestType.key)))
    for order, spec in enumerate(REQUEST_TYPES):
        if spec["key"] in existing:
            continue
        db.session.add(
            RequestType(
                key=spec["key"],
                name=spec["name"],
                description=spec.get("description", ""),
                fields=spec["fields"],
                file_required=spec.get("file_required", False),
                queue_id=queues[spec["queue"]].id,
                default_topic_id=topics[spec["topic"]].id,
                for_participants=True,
                for_non_participants=spec.get("for_non_participants", False),
                sort_order=order,
            )
        )
    db.session.flush()


# ---------------------------------------------------------------- the catalogue, kept per process

# Rows (immutable, attribute access like the models') kept by askiso/core/reference.py.
_REQUEST_TYPES = (
    select(*RequestType.__table__.columns)
    .where(RequestType.is_active.is_(True))
    .order_by(RequestType.sort_order, RequestType.name)
)
_TOPICS = select(*Topic.__table__.columns).where(Topic.is_active.is_(True)).order_by(Topic.sort_order, Topic.name)
_NAMES = select(RequestType.key, RequestType.name, RequestType.id).order_by(RequestType.sort_order, RequestType.name)
_QUEUES = (
    select(Queue.id, Queue.key, Queue.name, Queue.description).where(Queue.is_active.is_(True)).order_by(Queue.name)
)


def _rows(stmt):
    return tuple(db.session.execute(stmt).all())


def active_request_types():
    """Active request types in their order: rows with the model's columns."""
    return reference.cached("request_types", lambda: _rows(_REQUEST_TYPES))


def active_request_type(key):
    """The active request type with this key, or None."""
    return next((t for t in active_request_types() if t.key == (key or "")), None)


def request_type_names(by_name=False):
    """Rows of key, name and id of every request type, retired ones too (filters find their old
    cases): in the catalogue's order, or by name."""
    names = reference.cached("request_type_names", lambda: _rows(_NAMES))
    return tuple(sorted(names, key=lambda row: (row.name, row.key))) if by_name else names


def request_type_names_by_id():
    """{id: name} of every request type, retired ones too."""
    return reference.cached(
        "request_type_names_by_id", lambda: MappingProxyType({row.id: row.name for row in request_type_names()})
    )


def active_topics():
    """Active topics in their order: rows with the model's columns."""
    return reference.cached("topics", lambda: _rows(_TOPICS))


def active_topic(key):
    """The active topic with this key, or None."""
    return next((t for t in active_topics() if t.key == key), None) if key else None


def active_queues():
    """Active queues by name: rows of id, key, name, description."""
    return reference.cached("queues", lambda: _rows(_QUEUES))

"""Cases, their conversation and files, and the catalogue they are filed under."""

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from askiso.cases.fields import filed_specs
from askiso.core.timeutil import utcnow
from askiso.extensions import db

STATUSES = ("new", "in_progress", "waiting", "resolved", "closed")
STATUS_LABELS = {
    "new": "New",
    "in_progress": "In Progress",
    "waiting": "Waiting on Participant",
    "resolved": "Resolved",
    "closed": "Closed",
}
OPEN_STATUSES = ("new", "in_progress", "waiting")
PRIORITIES = ("low", "normal", "high", "urgent")
MESSAGE_SOURCES = ("web", "email", "api")


class Queue(db.Model):
    """A staff team's work queue; request types route into queues."""

    __tablename__ = "queues"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text, default="")
    is_active: Mapped[bool] = mapped_column(default=True)

    members = relationship("QueueMember", back_populates="queue", cascade="all, delete-orphan")


class QueueMember(db.Model):
    __tablename__ = "queue_members"

    queue_id: Mapped[int] = mapped_column(ForeignKey("queues.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)

    queue = relationship("Queue", back_populates="members")
    user = relationship("User")


class Topic(db.Model):
    """The ISO's FAQ areas (billing, CAMS, FCM, FTR, ...)."""

    __tablename__ = "topics"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    is_active: Mapped[bool] = mapped_column(default=True)
    sort_order: Mapped[int] = mapped_column(default=0)


class RequestType(db.Model):
    """A kind of request with its own fields, routing and audience.

    `fields` is a list of field specs:
    {"name", "label", "type": text|textarea|phone|email|date_past|money|choice,
     "required": bool, "choices": [...], "help": str}
    `field_revision` counts its versions; `past_fields` keeps the earlier ones
    ({"1": [...], ...}) for the cases filed with them (askiso/cases/fields.py).
    """

    __tablename__ = "request_types"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(60), unique=True)
    name: Mapped[str] = mapped_column(String(160))
    description: Mapped[str] = mapped_column(Text, default="")
    fields: Mapped[list] = mapped_column(db.JSON, default=list)
    field_revision: Mapped[int] = mapped_column(default=1, server_default="1")
    past_fields: Mapped[dict | None] = mapped_column(db.JSON)
    file_required: Mapped[bool] = mapped_column(default=False)
    queue_id: Mapped[int] = mapped_column(ForeignKey("queues.id"))
    default_topic_id: Mapped[int | None] = mapped_column(ForeignKey("topics.id"))
    for_participants: Mapped[bool] = mapped_column(default=True)
    for_non_participants: Mapped[bool] = mapped_column(default=False)
    is_active: Mapped[bool] = mapped_column(default=True)
    sort_order: Mapped[int] = mapped_column(default=0)

    queue = relationship("Queue")
    default_topic = relationship("Topic")


class CaseNumberCounter(db.Model):
    """Per-year counter behind human case numbers (AI-2026-000123)."""

    __tablename__ = "case_number_counters"

    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    last: Mapped[int] = mapped_column(default=0)


class Case(db.Model):
    """A question, request, dispute or form submitted to the ISO."""

    __tablename__ = "cases"
    __table_args__ = (
        Index("ix_cases_participant_updated", "participant_id", "updated_at", "id"),
        # Status counts of a company's cases, answered from the index alone.
        Index("ix_cases_participant_status", "participant_id", "status"),
        Index("ix_cases_submitter_updated", "submitter_id", "updated_at", "id"),
        # Status counts of "my cases", visibility checked from the index alone.
        Index("ix_cases_submitter_status", "submitter_id", "participant_id", "status"),
        Index("ix_cases_status_updated", "status", "updated_at", "id"),
        Index("ix_cases_queue_status_due", "queue_id", "status", "resolution_due_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(20), unique=True)
    # None for a non-participant inquiry.
    participant_id: Mapped[int | None] = mapped_column(ForeignKey("participants.id"))
    # None only for an inquiry from a person without an account.
    submitter_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    request_type_id: Mapped[int] = mapped_column(ForeignKey("request_types.id"))
    topic_id: Mapped[int | None] = mapped_column(ForeignKey("topics.id"))
    subject: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text)
    field_values: Mapped[dict] = mapped_column(db.JSON, default=dict)
    # The revision of the type's fields this case was filed with (None: filed before revisions, 1).
    field_revision: Mapped[int | None] = mapped_column()
    status: Mapped[str] = mapped_column(String(20), default="new")
    priority: Mapped[str] = mapped_column(String(10), default="normal")
    queue_id: Mapped[int] = mapped_column(ForeignKey("queues.id"))
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    source: Mapped[str] = mapped_column(String(10), default="web")
    # The legal receipt time: set once, by the server, when the case is stored.
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    first_response_due_at: Mapped[datetime | None] = mapped_column()
    first_response_at: Mapped[datetime | None] = mapped_column()
    resolution_due_at: Mapped[datetime | None] = mapped_column()
    resolved_at: Mapped[datetime | None] = mapped_column()
    closed_at: Mapped[datetime | None] = mapped_column()
    close_reason: Mapped[str | None] = mapped_column(Text)
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))
    # Idempotency: a repeated submission with the same key makes one case.
    submission_key: Mapped[str | None] = mapped_column(String(64), unique=True)
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    participant = relationship("Participant")
    submitter = relationship("User", foreign_keys=[submitter_id])
    assignee = relationship("User", foreign_keys=[assignee_id])
    request_type = relationship("RequestType")
    topic = relationship("Topic")
    queue = relationship("Queue")
    merged_into = relationship("Case", remote_side=[id])
    contacts = relationship("CaseContact", back_populates="case", cascade="all, delete-orphan")

    @property
    def is_non_participant(self):
        return self.participant_id is None

    @property
    def is_open(self):
        return self.status in OPEN_STATUSES

    @property
    def status_label(self):
        return STATUS_LABELS.get(self.status, self.status)

    @property
    def filed_fields(self):
        """The field specs this case was filed with, whatever the type's fields are now."""
        return filed_specs(self.request_type, self.field_revision)

    def __repr__(self):
        return f"<Case {self.number}>"


class CaseContact(db.Model):
    """A colleague of the same participant who follows a case."""

    __tablename__ = "case_contacts"

    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True)
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    added_at: Mapped[datetime] = mapped_column(default=utcnow)

    case = relationship("Case", back_populates="contacts")
    user = relationship("User", foreign_keys=[user_id])


class Message(db.Model):
    """A public reply or an internal (staff-only) note on a case."""

    __tablename__ = "messages"
    __table_args__ = (Index("ix_messages_case_created", "case_id", "created_at", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    # None for a message from a person without an account (inquiry, email).
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    author_name: Mapped[str | None] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    is_internal: Mapped[bool] = mapped_column(default=False)
    source: Mapped[str] = mapped_column(String(10), default="web")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    case = relationship("Case")
    author = relationship("User")
    attachments = relationship("Attachment", back_populates="message")

    @property
    def display_author(self):
        return self.author.name if self.author else (self.author_name or "Unknown sender")


class Attachment(db.Model):
    """A stored file. It is internal when its message is internal."""

    __tablename__ = "attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    # None for files given with the submission itself.
    message_id: Mapped[int | None] = mapped_column(ForeignKey("messages.id", ondelete="CASCADE"), index=True)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    filename: Mapped[str] = mapped_column(String(255))
    stored_name: Mapped[str] = mapped_column(String(80), unique=True)
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column()
    content_type: Mapped[str] = mapped_column(String(120))
    is_internal: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    case = relationship("Case")
    message = relationship("Message", back_populates="attachments")
    uploaded_by = relationship("User")


class PendingUpload(db.Model):
    """A file chosen on a form that did not go through yet (kept so it need not be chosen again).

    Keyed to its owner and the form's one-time key; turned into an Attachment
    when the form succeeds, purged after a day otherwise (`flask cases purge-pending`).
    """

    __tablename__ = "pending_uploads"
    __table_args__ = (Index("ix_pending_uploads_user_form", "user_id", "form_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    form_key: Mapped[str] = mapped_column(String(64))
    filename: Mapped[str] = mapped_column(String(255))
    stored_name: Mapped[str] = mapped_column(String(80), unique=True)
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column()
    content_type: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


__all__ = [
    "Attachment",
    "Case",
    "CaseContact",
    "CaseNumberCounter",
    "Message",
    "PendingUpload",
    "Queue",
    "QueueMember",
    "RequestType",
    "Topic",
]


class CaseStatusCount(db.Model):
    """How many cases each participant and each submitter have in each status, kept by the database.

    A company list shows how many of its cases are in each status, and "my
    cases" how many of the person's. Counting them walks every case of the
    company (60,000 at the largest benchmark company) or of the person (5,000)
    on every page. Instead, triggers on `cases` (askiso/cases/counts.py) add a
    row (participant, submitter, status, +1 or -1) whenever a case is added,
    removed, or changes status, participant or submitter, in the same
    transaction: it commits and rolls back with the change, whatever code made
    it (the ORM, a bulk UPDATE, a bulk load). Rows are only ever added, so
    concurrent changes never wait on each other. A count is a sum of rows;
    `flask analyze` folds them into one row per participant, submitter and status.
    """

    __tablename__ = "case_status_counts"
    __table_args__ = (
        Index("ix_case_status_counts_participant", "participant_id", "status", "n"),
        Index("ix_case_status_counts_submitter", "submitter_id", "participant_id", "status", "n"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # None: general inquiries (no participant), or a case without a submitter account.
    participant_id: Mapped[int | None] = mapped_column(ForeignKey("participants.id", ondelete="CASCADE"))
    submitter_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(20))
    n: Mapped[int] = mapped_column()

"""Imports every model so that the metadata (and Alembic) sees all tables."""

from askiso.api.models import ApiIdempotencyKey, ApiToken  # noqa: F401, I001  (the order below is deliberate: listeners after the tables)
from askiso.articles.models import Article, ArticleFile, ArticleRevision, Deflection  # noqa: F401
from askiso.audit.models import AuditEvent  # noqa: F401
from askiso.auth.models import OneTimeToken, RecoveryCode, User, UserSession  # noqa: F401
from askiso.cams.models import Membership, Participant  # noqa: F401
from askiso.cases.models import (  # noqa: F401
    Attachment,
    Case,
    CaseContact,
    CaseNumberCounter,
    CaseStatusCount,
    Message,
    PendingUpload,
    Queue,
    QueueMember,
    RequestType,
    Topic,
)
from askiso.inquiries.models import InquiryContact, PendingInquiry, TrackingLink  # noqa: F401
from askiso.mail.models import InboundEmail, OutboxEmail  # noqa: F401
from askiso.mail.suppression import EmailSuppression  # noqa: F401
from askiso.obligations.models import (  # noqa: F401
    Obligation,
    ObligationParticipant,
    ObligationReminder,
    ParticipantAttribute,
)
from askiso.notifications.models import Notification  # noqa: F401
from askiso.receipts.models import CaseReceipt, ReceiptKey  # noqa: F401
from askiso.satisfaction.models import Rating  # noqa: F401
from askiso.staff import report_indexes  # noqa: F401  (indexes the reports read from)
from askiso.staff.models import (  # noqa: F401
    CannedResponse,
    CaseClock,
    CaseReminder,
    Holiday,
    SavedView,
    ServiceLevelSettings,
)
from askiso.staff.macros import Macro  # noqa: F401
from askiso.staff.presence import CasePresence  # noqa: F401
from askiso.search.models import CaseSearch, SearchQueue  # noqa: F401
from askiso.search import tracking  # noqa: F401,E402  (queues index updates on every flush)
from askiso.cases import counts  # noqa: F401,E402  (the status-count triggers are made with the tables)
from askiso.cases import statistics  # noqa: F401,E402  (planner statistics made with the tables)
from askiso.core import seeding  # noqa: F401,E402  (the seeded_rows ledger)
from askiso.core import reference  # noqa: F401,E402  (its table, and its triggers made with the tables)

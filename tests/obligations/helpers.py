"""Helpers of the obligation tests."""

from sqlalchemy import select

from askiso.extensions import db
from askiso.mail.models import OutboxEmail
from tests.cases.helpers import new_case, pdf_file


def outbox(kind="obligation_reminder"):
    """Recipient of each queued email of this kind, in order."""
    return [row.recipients[0] for row in db.session.scalars(
        select(OutboxEmail).where(OutboxEmail.kind == kind).order_by(OutboxEmail.id))]


def file_certification(actor, participant, **overrides):
    """An FTR certification case filed through create_case."""
    return new_case(actor, participant, request_type="ftr_certification",
                    field_values={"certification_year": "2026"}, files=[pdf_file("attachment5.pdf")], **overrides)

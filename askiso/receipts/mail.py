"""The receipt email carries the receipt PDF, built when the email is sent."""

from flask import current_app

from askiso.cases.models import Case
from askiso.extensions import db
from askiso.mail.attachments import attachment_for
from askiso.receipts import services
from askiso.visibility import unscoped


@attachment_for("case_receipt")
def receipt_pdf_attachment(row):
    """The case's signed receipt as a PDF, or None (no case, or a case filed before receipts)."""
    if row.case_id is None:
        return None
    with unscoped("the outbox worker attaches the receipt PDF of the case its email is about"):
        case = db.session.get(Case, row.case_id)
        receipt = services.receipt_of(case) if case is not None else None
        if receipt is None:
            return None
        from askiso.receipts.pdf import receipt_pdf  # PDF libraries: on use only

        issuer = current_app.config["EXTERNAL_URL"].rstrip("/")
        return f"receipt-{case.number}.pdf", "application/pdf", receipt_pdf(case, receipt, issuer)

"""The receipt as a PDF (fpdf2): what was received, when, the JWS as text and as a QR code.

The JWS is also embedded in the PDF as the attached file `receipt.jws`, so
that the verify page (and anyone with a PDF tool) can read it back (pypdf).
"""

import io
from pathlib import Path

import segno
from fpdf import FPDF
from fpdf.enums import WrapMode, XPos, YPos
from pypdf import PdfReader
from pypdf.errors import PyPdfError

from askiso.cases.uploads import format_size
from askiso.core.formatting import format_local
from askiso.core.timeutil import to_local
from askiso.receipts.services import decoded_claims

EMBEDDED_NAME = "receipt.jws"
MAX_PDF_BYTES = 5 * 1024 * 1024
# A Unicode font when the system has one; otherwise the PDF core font (Latin-1 only).
FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/TTF/DejaVuSans.ttf",
)
DESCRIPTION_SHOWN = 1500


class _Receipt(FPDF):
    def __init__(self):
        super().__init__(format="Letter")
        self.set_margins(18, 18)
        self.set_auto_page_break(True, 18)
        font = next((Path(p) for p in FONT_CANDIDATES if Path(p).exists()), None)
        self.unicode = font is not None
        if font:
            bold = font.with_name("DejaVuSans-Bold.ttf")
            self.add_font("Body", "", str(font))
            self.add_font("Body", "B", str(bold if bold.exists() else font))
        self.family = "Body" if font else "Helvetica"

    def text_of(self, value):
        value = str(value if value is not None else "")
        return value if self.unicode else value.encode("latin-1", "replace").decode("latin-1")

    def line(self, label, value, size=10):
        self.set_font(self.family, "B", size)
        self.cell(45, 6, self.text_of(label))
        self.set_font(self.family, "", size)
        self.multi_cell(0, 6, self.text_of(value), new_x=XPos.LMARGIN, new_y=YPos.NEXT, wrapmode=WrapMode.CHAR)

    def heading(self, text, size=12):
        self.ln(3)
        self.set_font(self.family, "B", size)
        self.multi_cell(0, 7, self.text_of(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def receipt_pdf(case, receipt, issuer):
    """The receipt PDF of a case (bytes)."""
    claims = decoded_claims(receipt.jws)
    pdf = _Receipt()
    pdf.set_title(f"Receipt {case.number}")
    pdf.set_author(issuer)
    pdf.set_subject(f"Ask ISO receipt of case {case.number}")
    pdf.set_creation_date(to_local(case.received_at))
    pdf.add_page()
    _what_was_received(pdf, case, claims)
    _signature(pdf, receipt, issuer)
    pdf.embed_file(
        bytes=receipt.jws.encode(),
        basename=EMBEDDED_NAME,
        mime_type="application/jose",
        modification_date=to_local(case.received_at),
    )
    return bytes(pdf.output())


def _what_was_received(pdf, case, claims):
    pdf.set_font(pdf.family, "B", 18)
    pdf.cell(0, 10, "Receipt", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.line("Case number", case.number, size=12)
    pdf.line("Received", format_local(case.received_at, "%B %d, %Y at %I:%M:%S %p %Z") + " (America/New_York)")
    pdf.line("Received (UTC)", claims["received_at"])
    if case.participant is not None:
        pdf.line("Company", f"{case.participant.name} ({claims['participant']})")
    pdf.line("Submitted by", claims.get("submitter") or "")
    pdf.line("Request type", f"{case.request_type.name} ({claims['request_type']})")
    pdf.heading("What was received")
    pdf.line("Subject", case.subject)
    for spec in case.filed_fields:
        value = (case.field_values or {}).get(spec.get("name"))
        if value not in (None, ""):
            pdf.line(spec.get("label") or spec.get("name"), value)
    description = case.description
    if len(description) > DESCRIPTION_SHOWN:
        description = description[:DESCRIPTION_SHOWN] + f"… ({len(case.description)} characters in all)"
    pdf.line("Description", description)
    pdf.line("Content SHA-256", claims["content_sha256"])
    files = claims.get("files") or []
    pdf.heading(f"Files ({len(files)})" if files else "Files: none")
    for item in files:
        pdf.line(item["name"], f"{format_size(item['size'])}, SHA-256 {item['sha256']}")


def _signature(pdf, receipt, issuer):
    pdf.heading("Signed receipt")
    pdf.set_font(pdf.family, "", 9)
    pdf.multi_cell(
        0,
        5,
        pdf.text_of(
            f"This receipt is signed by {issuer} (key {receipt.kid}). Check it at {issuer}/receipts/verify, "
            f"or with any JOSE library and the keys at {issuer}/.well-known/jwks.json."
        ),
        new_x=XPos.LMARGIN,
        new_y=YPos.NEXT,
    )
    buffer = io.BytesIO()
    segno.make(receipt.jws, error="l").save(buffer, kind="png", scale=4, border=2)
    buffer.seek(0)
    if pdf.get_y() + 75 > pdf.h - pdf.b_margin:
        pdf.add_page()
    pdf.image(buffer, x=pdf.l_margin, w=70, h=70)
    pdf.ln(2)
    pdf.set_font("Courier", "", 7)
    pdf.multi_cell(0, 3.5, receipt.jws, new_x=XPos.LMARGIN, new_y=YPos.NEXT, wrapmode=WrapMode.CHAR)


def receipt_from_pdf(data):
    """The JWS embedded in a receipt PDF, or None when there is none (or it is not a PDF)."""
    if not data or len(data) > MAX_PDF_BYTES or not data.startswith(b"%PDF"):
        return None
    try:
        found = PdfReader(io.BytesIO(data)).attachments.get(EMBEDDED_NAME)
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, RecursionError):
        return None
    if not found:
        return None
    try:
        return found[0].decode("ascii").strip()
    except UnicodeDecodeError:
        return None

"""Helpers for building cases in tests through the real services."""

import io

from askiso.cases import services
from askiso.extensions import db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def pdf_file(name="form.pdf", data=PDF):
    return services.IncomingFile(name, io.BytesIO(data))


def new_case(actor, participant=None, request_type="general_question", commit=True, **overrides):
    """File a case as `actor` through create_case (a file is added when required)."""
    data = services.NewCase(
        request_type_key=request_type,
        subject=overrides.pop("subject", "Question about settlement statement"),
        description=overrides.pop("description", "Please explain line 42 of the statement."),
        participant_id=participant.id if participant is not None else None,
        field_values=overrides.pop("field_values", {}),
        files=overrides.pop("files", []),
        **overrides,
    )
    case = services.create_case(actor, data)
    if commit:
        db.session.commit()
    return case

"""Demo cases for the demo participants (askiso/demo/data.py LOADERS, after the CAMS loader).

Each case carries a submission key "demo-…" and is made once (askiso/core/seeding.py
`first_time`): a case people changed afterwards, or any case with that key, is left alone.
Demo people are looked up by email; a case whose people are missing is skipped (and made
by a later run once they exist).
"""

import io

from sqlalchemy import select

from askiso.auth.models import user_by_email
from askiso.cams.models import Participant
from askiso.cases import services
from askiso.cases.models import Case
from askiso.core.seeding import first_time
from askiso.extensions import db

DEMO_PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
AGENT = "agent@askiso.test"

# key, submitter, participant code (None: general inquiry), request type, subject, description, fields, file,
# then the story: (who, kind, text) steps with kind reply | note | status.
DEMO_CASES = [
    ("demo-gsp-billing", "grace.user@granitestate.test", "GSP", "billing_dispute",
     "Resettlement of RT energy charge for January 15",
     "Our meter data for **January 15** was corrected after the initial statement; please resettle.",
     {"operating_day": "2026-01-15", "statement": "Resettlement", "charge": "Real-Time Energy",
      "amount": "12,480.00", "explanation": "Corrected meter data for the Concord unit, hours 14-18."}, None,
     [("agent", "reply", "Thank you, we are reviewing the corrected meter data with Settlements."),
      ("agent", "note", "Check with Metering whether the correction reached MIS before the resettlement run."),
      ("agent", "status", "in_progress")]),
    ("demo-gsp-registration", "grace.user@granitestate.test", "GSP", "registration_form",
     "Membership Applicant Questionnaire Section XVI", "Please find our completed questionnaire attached.",
     {"form_type": "Membership Applicant Questionnaire Section XVI"}, "questionnaire-section-xvi.pdf",
     [("agent", "reply", "Received and complete. Your registration is updated."), ("agent", "status", "resolved")]),
    ("demo-gsp-fcts", "ethan.manager@granitestate.test", "GSP", "fcts_access",
     "FCTS access for our new asset manager", "Please give FCTS access to our new asset manager.",
     {"company": "Granite State Power LLC", "first_name": "Maya", "last_name": "Fontaine",
      "work_phone": "6035550142", "email": "maya.fontaine@granitestate.test"}, None, []),
    ("demo-net-ftr", "henry.user@nutmeg.test", "NET", "ftr_certification",
     "2026 FTR annual certification (Attachment 5)", "Our signed Attachment 5 is attached.",
     {"certification_year": "2026"}, "attachment-5-2026.pdf",
     [("agent", "reply", "The certification is missing the officer's signature on page 2. Please send a signed copy."),
      ("agent", "status", "waiting")]),
    ("demo-net-access", "chris.consultant@gridconsult.test", "NET", "system_access",
     "eMarket access for a consultant", "I need eMarket access to submit offers for Nutmeg.",
     {"system": "eMarket"}, None,
     [("agent", "reply", "Your SA can grant eMarket roles in CAMS; we have sent them instructions."),
      ("agent", "status", "closed")]),
    ("demo-bsg-oasis", "ruth.user@baystate.test", "BSG", "external_transactions",
     "OASIS registration for Bay State Generation", "We would like to register for OASIS.",
     {"system": "OASIS", "work_phone": "6175550199"}, None, []),
    ("demo-public-question", "pat.public@example.test", None, "general_question",
     "How does a company become a market participant?", "Where do I find the membership application?",
     {}, None, [("agent", "reply", "See the Membership section of the ISO website; we are happy to help.")]),
]


def load_cases():
    """Create the demo cases that are missing; returns how many were made."""
    agent = user_by_email(AGENT)
    made = 0
    for spec in DEMO_CASES:
        people = _people(spec)
        if people is None:
            continue
        exists = db.session.scalar(select(Case.id).where(Case.submission_key == spec[0])) is not None
        if not first_time(db.session, "cases", spec[0], exists=exists):
            continue
        case = _make_case(spec, *people)
        if case is None:
            continue
        if agent is not None:
            _tell_story(case, agent, spec[-1])
        made += 1
    db.session.flush()
    return made


def _people(spec):
    """(submitter, participant or None) of a demo case, or None when they are missing."""
    _key, email, code = spec[:3]
    submitter = user_by_email(email)
    participant = db.session.scalar(select(Participant).where(Participant.code == code)) if code else None
    if submitter is None or (code and participant is None):
        return None
    return submitter, participant


def _make_case(spec, submitter, participant):
    key, _email, _code, type_key, subject, description, fields, filename, _story = spec
    files = [services.IncomingFile(filename, io.BytesIO(DEMO_PDF))] if filename else []
    data = services.NewCase(
        request_type_key=type_key, subject=subject, description=description,
        participant_id=participant.id if participant else None, field_values=fields, files=files,
        submission_key=key,
    )
    try:
        return services.create_case(submitter, data)
    except services.CaseError:
        return None  # e.g. the participant is suspended in this data set


def _tell_story(case, agent, story):
    for _who, kind, text in story:
        if kind == "status":
            services.change_status(case, agent, text, reason="Demo data")
        else:
            services.add_message(case, agent, text, internal=kind == "note")

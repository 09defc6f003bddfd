"""Demo data of obligations: the FTR annual certification for GSP and NET (idempotent).

The migration may already have made the obligation (with no participants); this
adds what is missing: the attribute on GSP and NET, the obligation, its participants.
"""

from datetime import date

from sqlalchemy import select

from askiso.cams.models import Participant
from askiso.cases.models import RequestType
from askiso.core.seeding import first_time
from askiso.core.timeutil import to_local, utcnow
from askiso.extensions import db
from askiso.obligations import services
from askiso.obligations.models import Obligation, ParticipantAttribute

FTR_KEY = "ftr_certification"
FTR_ATTRIBUTE = "FTR participant over 1,000 MW/month"
FTR_CODES = ("GSP", "NET")
FTR_DESCRIPTION = ("Each participant with FTR transactions in any currently open month that exceed 1,000 MW per "
                   "month submits Attachment 5 by April 30.")


def next_april_30(today=None):
    """The next April 30 in the ISO's local time (today, when it is April 30)."""
    today = today or to_local(utcnow()).date()
    this_year = date(today.year, 4, 30)
    return this_year if today <= this_year else date(today.year + 1, 4, 30)


def ftr_certification(request_type, day):
    """The FTR certification obligation due on `day`, made when missing."""
    due_at = services.due_at_for(day)
    obligation = db.session.scalar(select(Obligation).where(
        Obligation.request_type_id == request_type.id, Obligation.due_at == due_at))
    if obligation is None:
        obligation = services.create_obligation(
            None, name=f"FTR annual risk-management certification {day.year} (Attachment 5)",
            request_type_key=FTR_KEY, due_date=day, description=FTR_DESCRIPTION)
    return obligation


def load_obligations():
    request_type = db.session.scalar(select(RequestType).where(RequestType.key == FTR_KEY))
    if request_type is None:
        return
    participants = db.session.scalars(select(Participant).where(Participant.code.in_(FTR_CODES))).all()
    for participant in participants:
        exists = db.session.get(ParticipantAttribute, (participant.id, FTR_ATTRIBUTE)) is not None
        # Once: an attribute staff took off a participant stays off.
        if first_time(db.session, "participant_attributes", f"{participant.code}|{FTR_ATTRIBUTE}", exists=exists):
            db.session.add(ParticipantAttribute(participant_id=participant.id, name=FTR_ATTRIBUTE))
    db.session.flush()
    day = next_april_30()
    obligation = ftr_certification(request_type, day)
    # The participants join once per demo obligation: one staff removed is not added back.
    if first_time(db.session, "obligation_participants", f"ftr|{day.isoformat()}", exists=False):
        services.add_participants(None, obligation, services.participants_with_attribute(FTR_ATTRIBUTE))


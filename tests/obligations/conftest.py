"""Fixtures of the obligation tests: ALPHA obligated to file the FTR certification, BETA not."""

from datetime import timedelta

import pytest

from askiso.core.timeutil import to_local, utcnow
from askiso.extensions import db
from askiso.obligations import services


def make_obligation(participants, days=20, request_type="ftr_certification", name="FTR certification test"):
    """An obligation due at 17:00 local `days` from today, for `participants`, committed."""
    due_day = to_local(utcnow()).date() + timedelta(days=days)
    obligation = services.create_obligation(
        None, name=name, request_type_key=request_type, due_date=due_day, participants=participants)
    db.session.commit()
    return obligation


@pytest.fixture
def obligation(people):
    return make_obligation([people.alpha])


def row_of(obligation, participant):
    from askiso.obligations.models import ObligationParticipant

    db.session.expire_all()
    return db.session.scalar(db.select(ObligationParticipant).where(
        ObligationParticipant.obligation_id == obligation.id, ObligationParticipant.participant_id == participant.id))

"""The CAMS part of `flask demo load`: idempotent, three active participants with SA, EM and member."""

from askiso.auth.models import user_by_email
from askiso.cams.models import Membership, Participant
from askiso.cams.services import active_participants_for
from askiso.demo.data import load_participants
from askiso.extensions import db


def _counts():
    return (db.session.scalar(db.select(db.func.count(Participant.id))),
            db.session.scalar(db.select(db.func.count(Membership.id))))


def test_demo_participants_load_twice_without_duplicates(app):
    load_participants()
    db.session.commit()
    first = _counts()
    load_participants()
    db.session.commit()
    assert _counts() == first
    active = db.session.scalars(db.select(Participant).where(Participant.status == "active")).all()
    assert len(active) >= 3
    for participant in active:
        members = db.session.scalars(db.select(Membership).where(
            Membership.participant_id == participant.id, Membership.is_active.is_(True))).all()
        assert any(m.is_security_admin for m in members)
        assert any(m.is_external_manager for m in members)
        assert any(not m.roles for m in members)
    assert len(active_participants_for(user_by_email("chris.consultant@gridconsult.test"))) == 2
    assert active_participants_for(user_by_email("pat.public@example.test")) == []
    assert user_by_email("olivia.sa@granitestate.test").password_hash

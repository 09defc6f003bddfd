"""Fixtures of the case page tests: a case with public and internal conversation and files."""

from types import SimpleNamespace

import pytest

from askiso.cases import services
from askiso.core.timeutil import utcnow
from askiso.extensions import db
from tests import factories
from tests.cases.helpers import new_case, pdf_file


@pytest.fixture
def world(people):
    """people plus: a contact, a former submitter, and case A with public and internal files."""
    w = SimpleNamespace(**vars(people))
    w.alpha_contact = factories.make_user("cora.contact@alpha.test", "Cora Contact")
    factories.add_member(w.alpha_contact, w.alpha)
    w.fred = factories.make_user("fred.gone@alpha.test", "Fred Gone")
    fred_membership = factories.add_member(w.fred, w.alpha)
    w.case = new_case(
        w.alpha_user, w.alpha, request_type="registration_form",
        subject="Registration form for Alpha Power", field_values={"form_type": "Other"},
        files=[pdf_file("submitted-form.pdf")],
    )
    services.add_contact(w.case, w.alpha_user, w.alpha_contact)
    w.reply = services.add_message(w.case, w.agent, "Please also send page 2.", files=[pdf_file("staff-reply.pdf")])
    w.note = services.add_message(
        w.case, w.agent, "INTERNAL-NOTE-TEXT credit watch", internal=True, files=[pdf_file("internal-memo.pdf")]
    )
    db.session.commit()
    w.submitted_file = next(a for a in _attachments(w.case) if a.message_id is None)
    w.reply_file = w.reply.attachments[0]
    w.internal_file = w.note.attachments[0]
    w.fred_case = new_case(w.fred, w.alpha, subject="Fred's own question")
    fred_membership.is_active = False
    fred_membership.ended_at = utcnow()
    db.session.commit()
    return w


def _attachments(case):
    from askiso.cases.models import Attachment

    return db.session.scalars(db.select(Attachment).where(Attachment.case_id == case.id)).all()

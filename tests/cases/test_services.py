"""The case service layer: numbering, idempotency, lifecycle, locking, files."""

import io
from datetime import timedelta

import pytest

from askiso.cases import services
from askiso.cases.models import Attachment, Case
from askiso.core.timeutil import utcnow
from askiso.extensions import db
from askiso.mail.models import OutboxEmail
from tests.cases.helpers import new_case, pdf_file


def test_numbers_are_sequential_per_year(people):
    first = new_case(people.alpha_user, people.alpha)
    second = new_case(people.alpha_user, people.alpha)
    year = utcnow().year
    assert first.number == f"AI-{year}-000001"
    assert second.number == f"AI-{year}-000002"


def test_case_routes_to_the_request_type_queue_and_sends_a_receipt(people):
    case = new_case(people.alpha_user, people.alpha, request_type="billing_dispute", field_values={
        "operating_day": "2026-01-15", "statement": "Initial", "charge": "RT energy",
        "amount": "1,250.5", "explanation": "Meter data was corrected.",
    })
    assert case.queue.key == "settlements"
    assert case.field_values["amount"] == "1250.50"
    receipt = db.session.scalar(db.select(OutboxEmail).where(OutboxEmail.case_id == case.id))
    assert receipt.recipients == [people.alpha_user.email]
    assert case.number in receipt.subject and case.number in receipt.body_text


def test_same_submission_key_makes_one_case(people):
    first = new_case(people.alpha_user, people.alpha, submission_key="k1")
    again = new_case(people.alpha_user, people.alpha, submission_key="k1")
    assert first.id == again.id
    assert db.session.scalar(db.select(db.func.count(Case.id))) == 1


def test_cannot_submit_for_a_participant_one_does_not_belong_to(people):
    with pytest.raises(services.InvalidCase) as err:
        new_case(people.alpha_user, people.beta)
    assert "participant" in err.value.errors


def test_former_member_and_suspended_participant_cannot_submit(people):
    with pytest.raises(services.InvalidCase):
        new_case(people.former, people.alpha)
    people.alpha.status = "suspended"
    db.session.commit()
    with pytest.raises(services.InvalidCase) as err:
        new_case(people.alpha_user, people.alpha)
    assert "suspended" in err.value.errors["participant"]


def test_non_participant_only_gets_general_types(people):
    assert new_case(people.outsider, None).participant_id is None
    with pytest.raises(services.InvalidCase):
        new_case(people.outsider, None, request_type="billing_dispute")


def test_field_validation_reports_each_field(people):
    with pytest.raises(services.InvalidCase) as err:
        new_case(people.alpha_user, people.alpha, request_type="fcts_access", field_values={
            "company": "Alpha", "first_name": "Jo", "last_name": "Lee",
            "work_phone": "555-0100 x12", "email": "not-an-email",
        })
    assert set(err.value.errors) == {"fields.work_phone", "fields.email"}


def test_future_operating_day_is_refused(people):
    future = (utcnow() + timedelta(days=3)).date().isoformat()
    with pytest.raises(services.InvalidCase) as err:
        new_case(people.alpha_user, people.alpha, request_type="billing_dispute", field_values={
            "operating_day": future, "statement": "Initial", "charge": "x", "amount": "1", "explanation": "x",
        })
    assert "future" in err.value.errors["fields.operating_day"]


def test_required_file_and_disguised_files(people):
    with pytest.raises(services.InvalidCase) as err:
        new_case(people.alpha_user, people.alpha, request_type="ftr_policies")
    assert "files" in err.value.errors
    for name, data in [("form.pdf", b"<html><script>alert(1)</script>"),
                       ("image.pdf", b"<svg xmlns='http://www.w3.org/2000/svg'/>"),
                       ("run.exe", b"MZ\x90\x00"), ("notes.pdf", b"just text")]:
        with pytest.raises(services.InvalidCase):
            new_case(people.alpha_user, people.alpha, request_type="ftr_policies",
                     files=[services.IncomingFile(name, io.BytesIO(data))])
    case = new_case(
        people.alpha_user, people.alpha, request_type="ftr_policies", files=[pdf_file("../../etc/po<l>icy.pdf")]
    )
    attachment = db.session.scalar(db.select(Attachment).where(Attachment.case_id == case.id))
    assert attachment.filename == "po_l_icy.pdf" and len(attachment.sha256) == 64


def test_participant_reply_brings_waiting_back_and_staff_reply_records_first_response(people):
    case = new_case(people.alpha_user, people.alpha)
    services.change_status(case, people.agent, "waiting")
    services.add_message(case, people.agent, "Please send the meter file.")
    assert case.first_response_at is not None
    services.add_message(case, people.alpha_user, "Here it is.")
    db.session.commit()
    assert case.status == "in_progress"


def test_stale_close_is_refused_but_replies_always_land(people):
    case = new_case(people.alpha_user, people.alpha)
    seen_version = case.version
    services.add_message(case, people.agent, "We are looking into it.")
    services.add_message(case, people.alpha_user, "Thanks")
    db.session.commit()
    with pytest.raises(services.StaleCase):
        services.close_case(case, people.alpha_user, "done", expected_version=seen_version)
    services.close_case(case, people.alpha_user, "done", expected_version=case.version)
    assert case.status == "closed"


def test_reopen_window(people):
    case = new_case(people.alpha_user, people.alpha)
    services.close_case(case, people.alpha_user, "answered")
    services.reopen_case(case, people.alpha_user)
    services.close_case(case, people.alpha_user, "answered")
    case.closed_at = utcnow() - timedelta(days=15)
    db.session.commit()
    with pytest.raises(services.NotAllowed):
        services.reopen_case(case, people.alpha_user)


def test_internal_notes_are_staff_only(people):
    case = new_case(people.alpha_user, people.alpha)
    with pytest.raises(services.NotAllowed):
        services.add_message(case, people.alpha_manager, "sneaky", internal=True)
    note = services.add_message(case, people.agent, "internal remark", internal=True, files=[pdf_file()])
    db.session.commit()
    assert note.is_internal and note.attachments[0].is_internal
    outbox = db.session.scalars(db.select(OutboxEmail)).all()
    assert all("internal remark" not in m.body_text for m in outbox)


def test_contacts_must_be_colleagues(people):
    case = new_case(people.alpha_user, people.alpha)
    services.add_contact(case, people.alpha_user, people.alpha_colleague)
    with pytest.raises(services.InvalidCase):
        services.add_contact(case, people.alpha_user, people.beta_user)
    with pytest.raises(services.InvalidCase):
        services.add_contact(case, people.alpha_user, people.former)

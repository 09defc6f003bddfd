"""Submitting a case from the page: every seeded type, errors that keep everything, files, one case per form."""

import io
import re

import pytest

from askiso.cams.models import Membership
from askiso.cases.models import Attachment, Case, PendingUpload, RequestType
from askiso.extensions import db
from askiso.mail.models import OutboxEmail
from tests.cases.helpers import PDF
from tests.catalogue import REQUEST_TYPES
from tests.statements import recorded_statements

VALID_FIELDS = {
    "registration_form": {"form_type": "Membership Applicant Questionnaire Section XVI"},
    "fcts_access": {"company": "Alpha Power LLC", "first_name": "Jo", "last_name": "Lee",
                    "work_phone": "(413) 555-0123", "email": "jo.lee@alpha.test"},
    "ftr_certification": {"certification_year": "2026"},
    "billing_dispute": {"operating_day": "2026-01-15", "statement": "Resettlement", "charge": "RT energy",
                        "amount": "$1,250.50", "explanation": "Meter data was corrected after the initial statement."},
    "data_feeds": {"iso_express_username": "alpha-feeds"},
    "external_transactions": {"system": "OASIS", "work_phone": "413-555-0100"},
    "system_access": {"system": "eMarket"},
}


def form_data(people, request_type, key="form-key-1", files=(), **extra):
    data = {
        "request_type": request_type, "form_key": key, "participant": str(people.alpha.id),
        "subject": "Help with my request", "description": "Details **here**.",
    }
    data.update({f"field_{k}": v for k, v in VALID_FIELDS.get(request_type, {}).items()})
    data.update(extra)
    if files:
        data["files"] = [(io.BytesIO(content), name) for name, content in files]
    return data


def post_new(client, data):
    return client.post("/cases/new", data=data, content_type="multipart/form-data")


@pytest.mark.parametrize("spec", REQUEST_TYPES, ids=lambda s: s["key"])
def test_a_participant_can_submit_each_seeded_request_type(people, client_for, spec):
    client = client_for(people.alpha_user)
    page = client.get(f"/cases/new?type={spec['key']}")
    assert page.status_code == 200
    for field in spec["fields"]:
        assert f'name="field_{field["name"]}"' in page.text
    files = [("form.pdf", PDF)] if spec.get("file_required") else []
    response = post_new(client, form_data(people, spec["key"], files=files))
    assert response.status_code == 303, response.text
    case = db.session.scalar(db.select(Case))
    assert response.headers["Location"].endswith(f"/cases/{case.number}/receipt")
    assert case.request_type.key == spec["key"] and case.participant_id == people.alpha.id
    receipt = client.get(f"/cases/{case.number}/receipt").text
    assert case.number in receipt and "Eastern Time" in receipt and "receipt email" in receipt
    assert db.session.scalar(db.select(OutboxEmail).where(OutboxEmail.case_id == case.id)) is not None
    assert case.number in client.get("/cases").text
    assert len(db.session.scalars(db.select(Attachment)).all()) == len(files)
    _done_when(people, client_for, client, case)


def _done_when(people, client_for, client, case):
    """Reply, close, reopen; the External Manager sees it; another participant's user gets 404 everywhere."""
    url = f"/cases/{case.number}"
    assert client.post(f"{url}/reply", data={"body": "One more detail.", "form_key": "r"}).status_code == 303
    assert client.post(f"{url}/close", data={"reason": "Answered", "version": ""}).status_code == 303
    assert client.post(f"{url}/reopen", data={"version": ""}).status_code == 303
    db.session.expire_all()
    assert db.session.get(Case, case.id).status == "in_progress"
    assert "One more detail." in client.get(url).text
    assert f'data-case="{case.number}"' in client_for(people.alpha_manager).get("/cases/company").text
    stranger = client_for(people.beta_user)
    attachments = db.session.scalars(db.select(Attachment).where(Attachment.case_id == case.id)).all()
    for target in [url, f"{url}/receipt", *(f"{url}/files/{a.id}" for a in attachments)]:
        assert stranger.get(target).status_code == 404
    assert stranger.post(f"{url}/reply", data={"body": "x", "form_key": "s"}).status_code == 404


def test_type_fields_render_with_the_right_inputs(people, client_for):
    client = client_for(people.alpha_user)
    page = client.get("/cases/new?type=billing_dispute").text
    assert re.search(r'<input[^>]*id="field_operating_day"[^>]*type="date"', page)
    assert re.search(r'<select[^>]*name="field_statement"', page)
    assert "Explanation" in page and 'type="file"' in page and "multiple" in page and "25 MB" in page
    fcts = client.get("/cases/new?type=fcts_access").text
    assert re.search(r'<input[^>]*name="field_work_phone"[^>]*type="tel"', fcts)
    assert re.search(r'<input[^>]*name="field_email"[^>]*type="email"', fcts)


def test_only_available_types_and_own_companies_are_offered(people, client_for):
    page = client_for(people.both).get("/cases/new?type=general_question").text
    assert "Alpha Power LLC" in page and "Beta Energy Trading" in page and "Choose…" in page
    single = client_for(people.alpha_user).get("/cases/new?type=general_question").text
    assert re.search(rf'<option selected value="{people.alpha.id}">Alpha Power LLC', single)
    assert "Beta Energy" not in single
    outsider = client_for(people.outsider).get("/cases/new").text
    assert "General question" in outsider and "Data feeds" in outsider
    assert "Billing" not in outsider.split("<main")[1] or "billing_dispute" not in outsider
    assert 'name="participant"' not in client_for(people.outsider).get("/cases/new?type=general_question").text
    # A participant-only type asked for by URL is not offered to a non-participant.
    assert "field_operating_day" not in client_for(people.outsider).get("/cases/new?type=billing_dispute").text


def test_non_participant_files_a_general_question(people, client_for):
    client = client_for(people.outsider)
    response = post_new(client, {"request_type": "general_question", "form_key": "k", "subject": "Hello",
                                 "description": "How do I become a participant?"})
    assert response.status_code == 303
    case = db.session.scalar(db.select(Case))
    assert case.participant_id is None and case.submitter_id == people.outsider.id
    assert case.number in client.get("/cases").text


def test_submitting_for_someone_elses_company_is_refused(people, client_for):
    client = client_for(people.alpha_user)
    response = post_new(client, form_data(people, "general_question", participant=str(people.beta.id)))
    assert response.status_code == 422
    assert "Choose one of your companies." in response.text
    assert db.session.scalar(db.select(db.func.count(Case.id))) == 0


def test_suspended_company_is_read_only(people, client_for):
    people.alpha.status = "suspended"
    db.session.commit()
    client = client_for(people.alpha_user)
    page = client.get("/cases/new?type=general_question").text
    assert "Alpha Power LLC is suspended: you can read its cases but not submit new ones" in page
    response = post_new(client, form_data(people, "general_question"))
    assert response.status_code == 422 and "suspended" in response.text
    assert db.session.scalar(db.select(db.func.count(Case.id))) == 0


def test_errors_keep_everything_typed_and_sit_next_to_their_fields(people, client_for):
    client = client_for(people.alpha_user)
    data = form_data(people, "fcts_access", subject="", description="My typed description",
                     field_work_phone="555-0100 x12", field_email="not-an-email", field_first_name="Jo")
    response = post_new(client, data)
    assert response.status_code == 422
    html = response.text
    assert "My typed description" in html and 'value="Jo"' in html and 'value="555-0100 x12"' in html
    assert re.search(r'id="subject-error">Enter a subject', html)
    assert re.search(r'id="field_work_phone-error">Give a 10-digit number without an extension', html)
    assert 'id="field_email-error">Enter a valid email address' in html
    assert 'value="form-key-1"' in html  # the same one-time key: a fixed retry still makes one case


def test_files_from_a_failed_attempt_are_kept_and_used(people, client_for):
    client = client_for(people.alpha_user)
    first = post_new(client, form_data(people, "ftr_policies", subject="", files=[("policy.pdf", PDF)]))
    assert first.status_code == 422
    assert "Already attached" in first.text and "policy.pdf" in first.text
    kept = db.session.scalar(db.select(PendingUpload))
    assert kept.user_id == people.alpha_user.id and kept.form_key == "form-key-1"
    second = post_new(client, form_data(people, "ftr_policies", keep_upload=str(kept.id)))
    assert second.status_code == 303
    case = db.session.scalar(db.select(Case))
    assert [a.filename for a in db.session.scalars(db.select(Attachment))] == ["policy.pdf"]
    assert db.session.scalar(db.select(db.func.count(PendingUpload.id))) == 0
    assert case.request_type.key == "ftr_policies"


def test_unticked_kept_file_is_dropped_and_the_required_file_is_asked_for(people, client_for):
    client = client_for(people.alpha_user)
    post_new(client, form_data(people, "ftr_policies", subject="", files=[("policy.pdf", PDF)]))
    response = post_new(client, form_data(people, "ftr_policies"))  # keep_upload not sent: unticked
    assert response.status_code == 422 and "Attach the file this request needs" in response.text
    assert db.session.scalar(db.select(db.func.count(PendingUpload.id))) == 0


def test_kept_files_belong_to_their_owner_only(people, client_for):
    post_new(client_for(people.alpha_user), form_data(people, "ftr_policies", subject="", files=[("p.pdf", PDF)]))
    kept = db.session.scalar(db.select(PendingUpload))
    thief = client_for(people.alpha_colleague)
    response = post_new(thief, form_data(people, "ftr_policies", keep_upload=str(kept.id)))
    assert response.status_code == 422 and "p.pdf" not in response.text
    assert db.session.scalar(db.select(db.func.count(Case.id))) == 0


def test_double_submit_makes_one_case(people, client_for):
    client = client_for(people.alpha_user)
    data = form_data(people, "general_question", key="same-key")
    first = post_new(client, data)
    second = post_new(client, form_data(people, "general_question", key="same-key"))
    assert first.status_code == second.status_code == 303
    assert first.headers["Location"] == second.headers["Location"]
    assert db.session.scalar(db.select(db.func.count(Case.id))) == 1
    assert db.session.scalar(db.select(db.func.count(OutboxEmail.id)).where(OutboxEmail.kind == "case_receipt")) == 1


def test_each_get_makes_a_fresh_key(people, client_for):
    client = client_for(people.alpha_user)
    pages = [client.get("/cases/new?type=general_question").text for _ in range(2)]
    keys = {re.search(r'name="form_key" type="hidden" value="([^"]+)"', page).group(1) for page in pages}
    assert len(keys) == 2 and all(len(k) >= 24 for k in keys)


def test_changing_the_type_keeps_what_was_typed(people, client_for):
    client = client_for(people.alpha_user)
    data = form_data(people, "billing_dispute", action="change_type", files=[("dispute.pdf", PDF)])
    data["request_type"] = "ftr_policies"
    response = post_new(client, data)
    assert response.status_code == 200
    assert "Details **here**." in response.text and "dispute.pdf" in response.text
    assert 'name="request_type" type="hidden" value="ftr_policies"' in response.text
    assert db.session.scalar(db.select(db.func.count(Case.id))) == 0


@pytest.mark.parametrize("name, content", [
    ("form.pdf", b"<html><script>alert(1)</script></html>"),
    ("drawing.pdf", b"<svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'/>"),
    ("run.pdf", b"<script>alert(1)</script>"),
    ("page.html", b"<p>hi</p>"),
])
def test_disguised_files_are_refused_with_a_clear_message(people, client_for, name, content):
    client = client_for(people.alpha_user)
    response = post_new(client, form_data(people, "ftr_policies", files=[(name, content)]))
    assert response.status_code == 422
    assert 'id="files-error"' in response.text
    assert db.session.scalar(db.select(db.func.count(Case.id))) == 0
    assert db.session.scalar(db.select(db.func.count(PendingUpload.id))) == 0


def test_an_oversized_file_is_refused_with_the_limit(app, people, client_for):
    app.config["MAX_FILE_BYTES"] = 1000
    try:
        client = client_for(people.alpha_user)
        big = PDF + b"0" * 2000
        response = post_new(client, form_data(people, "ftr_policies", files=[("big.pdf", big)]))
        assert response.status_code == 422
        assert "“big.pdf” is 2 kB; each file can be at most 1,000 bytes." in response.text
        assert db.session.scalar(db.select(db.func.count(Case.id))) == 0
    finally:
        app.config["MAX_FILE_BYTES"] = 25 * 1024 * 1024


def test_a_request_over_the_total_limit_gets_a_friendly_413(app, people, client_for):
    app.config["MAX_CONTENT_LENGTH"] = 2000
    try:
        client = client_for(people.alpha_user)
        response = post_new(client, form_data(people, "ftr_policies", files=[("big.pdf", PDF + b"0" * 4000)]))
        assert response.status_code == 413
        assert "Each file can be up to" in response.text and "Back" in response.text
    finally:
        app.config["MAX_CONTENT_LENGTH"] = 25 * 1024 * 1024 * 4 + 1024 * 1024


def test_hostile_text_is_rendered_escaped(people, client_for):
    client = client_for(people.alpha_user)
    data = form_data(people, "fcts_access", subject="<script>alert('s')</script>",
                     description="<img src=x onerror=alert(1)> [click](javascript:alert(1))",
                     field_company="<script>alert('f')</script>")
    assert post_new(client, data).status_code == 303
    case = db.session.scalar(db.select(Case))
    for url in (f"/cases/{case.number}", f"/cases/{case.number}/receipt", "/cases"):
        html = client.get(url).text
        assert "<script>alert(" not in html and "<img src=x" not in html and 'href="javascript' not in html
    assert "&lt;script&gt;alert(&#39;f&#39;)&lt;/script&gt;" in client.get(f"/cases/{case.number}").text


def test_staff_are_sent_to_their_workspace(people, client_for):
    response = client_for(people.agent).get("/cases/new")
    assert response.status_code == 302
    assert db.session.scalar(db.select(db.func.count(Case.id))) == 0


def test_a_former_member_cannot_file_for_the_company_they_left(people, client_for):
    # `former` once belonged to Alpha: the membership is inactive, so the chooser and the service refuse it.
    client = client_for(people.former)
    page = client.get("/cases/new?type=general_question").text
    assert "Alpha Power LLC" not in page
    response = post_new(client, form_data(people, "general_question", participant=str(people.alpha.id)))
    assert response.status_code == 422 and "Choose one of your companies." in response.text
    assert db.session.scalar(db.select(db.func.count(Case.id))) == 0


def test_a_membership_ended_after_the_page_was_shown_is_refused(people, client_for):
    client = client_for(people.alpha_user)
    assert "Alpha Power LLC" in client.get("/cases/new?type=general_question").text
    membership = db.session.scalar(db.select(Membership).where(
        Membership.user_id == people.alpha_user.id, Membership.participant_id == people.alpha.id))
    membership.is_active = False
    db.session.commit()
    response = post_new(client, form_data(people, "general_question"))
    assert response.status_code == 422 and "Choose one of your companies." in response.text
    assert db.session.scalar(db.select(db.func.count(Case.id))) == 0


def test_a_request_type_withdrawn_after_the_page_was_shown_is_refused(people, client_for):
    client = client_for(people.alpha_user)
    client.get("/cases/new?type=billing_dispute")
    withdrawn = db.session.scalar(db.select(RequestType).where(RequestType.key == "billing_dispute"))
    withdrawn.is_active = False
    db.session.commit()
    response = post_new(client, form_data(people, "billing_dispute", subject="Charge on March 3"))
    assert response.status_code == 200
    assert "This request type is no longer offered: choose another one." in response.text
    assert 'value="Charge on March 3"' in response.text and "Details **here**." in response.text  # nothing lost
    assert "/cases/new?type=billing_dispute" not in response.text
    assert db.session.scalar(db.select(db.func.count(Case.id))) == 0


def test_a_new_case_is_inserted_with_its_due_times(app, people, client_for):
    # Service levels set the due times before the INSERT: no UPDATE of the new case follows it.
    client = client_for(people.alpha_user)
    with recorded_statements() as statements:
        response = post_new(client, form_data(people, "general_question"))
    assert response.status_code == 303
    case = db.session.scalar(db.select(Case))
    assert case.first_response_due_at is not None and case.resolution_due_at is not None
    assert case.first_response_due_at <= case.resolution_due_at and case.version == 1
    assert not [s for s in statements if s.lstrip().upper().startswith("UPDATE CASES")]
    assert sum(s.lstrip().upper().startswith("INSERT INTO SEARCH_QUEUE") for s in statements) == 1

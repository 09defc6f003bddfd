"""Filing a case of the obligated type files the obligation (page, API, email); accept, return, overdue."""

import io
import json
from datetime import timedelta

from sqlalchemy import select

from askiso.extensions import db
from askiso.mail.inbound import receive
from askiso.mail.models import OutboxEmail
from askiso.obligations import reminders, services
from tests.api.conftest import make_token
from tests.cases.helpers import PDF, new_case
from tests.cases.test_submit import form_data, post_new
from tests.mail.helpers import incoming
from tests.obligations.conftest import make_obligation, row_of
from tests.obligations.helpers import file_certification, outbox


def test_filing_a_certification_moves_it_to_filed_with_the_case(app, people, obligation):
    case = file_certification(people.alpha_user, people.alpha)
    row = row_of(obligation, people.alpha)
    assert row.state == "filed" and row.case_id == case.id and row.filed_at == case.received_at


def test_filing_from_the_page(app, people, obligation, client_for):
    client = client_for(people.alpha_user)
    response = post_new(client, form_data(people, "ftr_certification", files=[("attachment5.pdf", PDF)]))
    assert response.status_code == 303, response.text
    row = row_of(obligation, people.alpha)
    assert row.state == "filed" and row.case.number in response.headers["Location"]


def test_filing_from_the_api(app, people, obligation, client):
    token = make_token(people.alpha_manager)
    body = {"participant": "ALPHA", "request_type": "ftr_certification", "subject": "Attachment 5",
            "description": "Our certification.", "fields": {"certification_year": "2026"}}
    response = client.post("/api/v1/cases", headers={"Authorization": f"Bearer {token}"},
                           data={"case": json.dumps(body), "file": (io.BytesIO(PDF), "attachment5.pdf")},
                           content_type="multipart/form-data")
    assert response.status_code == 201, response.text
    row = row_of(obligation, people.alpha)
    assert row.state == "filed" and row.case.number == response.json["number"]


def test_filing_by_email(app, people):
    obligation = make_obligation([people.alpha], request_type="general_question", name="Annual contact check")
    row = receive(incoming(people.alpha_user.email, "Our annual contact check", "All contacts are current."))
    assert row.status == "processed", row.reason
    assert row_of(obligation, people.alpha).case_id == row.case_id


def test_other_companies_and_other_types_do_not_file_it(app, people, obligation):
    file_certification(people.beta_user, people.beta)
    new_case(people.alpha_user, people.alpha)  # a general question
    assert row_of(obligation, people.alpha).state == "open"


def test_a_case_filed_before_the_obligation_does_not_count(app, people):
    file_certification(people.alpha_user, people.alpha)
    obligation = make_obligation([people.alpha])
    assert row_of(obligation, people.alpha).state == "open"


def test_one_case_files_the_earliest_due_obligation_only(app, people):
    later = make_obligation([people.alpha], days=300, name="Next year")
    sooner = make_obligation([people.alpha], days=20, name="This year")
    file_certification(people.alpha_user, people.alpha)
    assert row_of(sooner, people.alpha).state == "filed"
    assert row_of(later, people.alpha).state == "open"


def test_accept_then_return_with_reason_emailed_to_sa_and_em(app, people, obligation):
    file_certification(people.alpha_user, people.alpha)
    row = row_of(obligation, people.alpha)
    services.accept(people.agent, row)
    db.session.commit()
    assert row_of(obligation, people.alpha).state == "accepted"
    services.return_filing(people.agent, row_of(obligation, people.alpha), "Page 2 is not signed.")
    db.session.commit()
    row = row_of(obligation, people.alpha)
    assert row.state == "returned" and row.returned_reason == "Page 2 is not signed."
    assert sorted(outbox("obligation_returned")) == ["meg.manager@alpha.test", "sara.admin@alpha.test"]
    body = db.session.scalar(select(OutboxEmail.body_text).where(OutboxEmail.kind == "obligation_returned"))
    assert "Page 2 is not signed." in body
    # returned counts as open: reminders go on, and filing again files it with the new case
    assert reminders.run_reminders(obligation.due_at - timedelta(days=6)).sent == [("ALPHA", "7d")]
    again = file_certification(people.alpha_user, people.alpha)
    assert row_of(obligation, people.alpha).state == "filed" and row_of(obligation, people.alpha).case_id == again.id


def test_overdue_then_a_late_filing_is_filed(app, people, obligation):
    reminders.run_reminders(obligation.due_at + timedelta(minutes=1))
    assert row_of(obligation, people.alpha).state == "overdue"
    file_certification(people.alpha_user, people.alpha)
    assert row_of(obligation, people.alpha).state == "filed"


def test_the_due_state_is_shown_overdue_before_any_runner_marks_it(app, people, obligation):
    row = row_of(obligation, people.alpha)
    assert services.shown_state(row, obligation.due_at, obligation.due_at + timedelta(seconds=1)) == "overdue"
    assert services.shown_state(row, obligation.due_at, obligation.due_at - timedelta(seconds=1)) == "open"


def test_due_at_is_the_end_of_the_local_business_day(app):
    from datetime import date

    assert services.due_at_for(date(2027, 4, 30)).isoformat() == "2027-04-30T21:00:00"  # 17:00 EDT
    assert services.due_at_for(date(2027, 1, 29)).isoformat() == "2027-01-29T22:00:00"  # 17:00 EST

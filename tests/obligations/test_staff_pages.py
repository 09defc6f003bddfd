"""Staff pages: create (list, CSV, attribute), the per-obligation page, export, remind now, accept, return."""

import csv
import io

from sqlalchemy import select

from askiso.extensions import db
from askiso.obligations.models import Obligation, ParticipantAttribute
from tests import factories
from tests.obligations.conftest import make_obligation, row_of
from tests.obligations.helpers import file_certification, outbox


def _new_form(**extra):
    data = {"name": "FTR certification 2027", "request_type": "ftr_certification", "due_date": "2027-04-30",
            "due_time": "", "reminder_days": "30, 14, 7, 1", "description": ""}
    data.update(extra)
    return data


def test_navigation_links_the_obligations_page(app, people, client_for):
    page = client_for(people.agent).get("/staff/obligations/")
    assert page.status_code == 200 and 'href="/staff/obligations/"' in page.text


def test_create_from_the_list_a_csv_and_an_attribute(app, people, client_for):
    gamma = factories.make_participant("Gamma Hydro", "GAMMA")
    delta = factories.make_participant("Delta Wind", "DELTA")
    db.session.add(ParticipantAttribute(participant_id=delta.id, name="FTR participant over 1,000 MW/month"))
    db.session.commit()
    client = client_for(people.supervisor)
    page = client.get("/staff/obligations/new")
    assert page.status_code == 200 and "FTR participant over 1,000 MW/month" in page.text
    codes = io.BytesIO(b"code,name\nbeta,Beta Energy Trading\nGAMMA,Gamma\n")
    response = client.post("/staff/obligations/new", content_type="multipart/form-data", data=_new_form(
        participants=[str(people.alpha.id)], codes_csv=(codes, "codes.csv"),
        attribute="FTR participant over 1,000 MW/month"))
    assert response.status_code == 302, response.text
    obligation = db.session.scalar(select(Obligation))
    assert obligation.due_at.isoformat() == "2027-04-30T21:00:00" and obligation.reminder_days == [30, 14, 7, 1]
    assert sorted(r.participant.code for r in obligation.participants) == ["ALPHA", "BETA", "DELTA", "GAMMA"]
    assert gamma.id in {r.participant_id for r in obligation.participants}
    shown = client.get(response.headers["Location"])
    assert all(code in shown.text for code in ("ALPHA", "BETA", "DELTA", "GAMMA"))


def test_bad_input_says_what_to_fix_and_keeps_what_was_typed(app, people, client_for):
    client = client_for(people.supervisor)
    codes = io.BytesIO(b"ALPHA\nNOPE\n")
    response = client.post("/staff/obligations/new", content_type="multipart/form-data",
                           data=_new_form(name="Kept name", reminder_days="30, soon", codes_csv=(codes, "c.csv")))
    assert response.status_code == 400
    assert "Reminder days are whole numbers" in response.text and 'value="Kept name"' in response.text
    response = client.post("/staff/obligations/new", content_type="multipart/form-data",
                           data=_new_form(name="Kept name", codes_csv=(io.BytesIO(b"ALPHA\nNOPE\n"), "c.csv")))
    assert response.status_code == 400 and "NOPE" in response.text and 'value="Kept name"' in response.text
    assert db.session.scalar(select(Obligation)) is None


def test_agents_may_not_create(app, people, client_for):
    assert client_for(people.agent).get("/staff/obligations/new").status_code == 403
    assert client_for(people.agent).post("/staff/obligations/new", data=_new_form()).status_code == 403


def test_page_filters_export_and_states(app, people, client_for):
    obligation = make_obligation([people.alpha, people.beta])
    case = file_certification(people.alpha_user, people.alpha)
    client = client_for(people.agent)
    page = client.get(f"/staff/obligations/{obligation.id}")
    assert case.number in page.text and 'data-state="filed"' in page.text and 'data-state="open"' in page.text
    filtered = client.get(f"/staff/obligations/{obligation.id}?state=open")
    assert 'data-participant="BETA"' in filtered.text and 'data-participant="ALPHA"' not in filtered.text
    by_name = client.get(f"/staff/obligations/{obligation.id}?q=alpha")
    assert 'data-participant="ALPHA"' in by_name.text and 'data-participant="BETA"' not in by_name.text
    export = client.get(f"/staff/obligations/{obligation.id}.csv")
    assert export.status_code == 200 and export.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(export.text)))
    assert [(r["participant_code"], r["state"], r["case"]) for r in rows] == [
        ("ALPHA", "filed", case.number), ("BETA", "open", "")]
    only_open = list(csv.DictReader(io.StringIO(client.get(f"/staff/obligations/{obligation.id}.csv?state=open").text)))
    assert [r["participant_code"] for r in only_open] == ["BETA"]


def test_remind_now_reaches_only_those_who_have_not_filed(app, people, client_for):
    obligation = make_obligation([people.alpha, people.beta])
    file_certification(people.alpha_user, people.alpha)
    client = client_for(people.agent)
    response = client.post(f"/staff/obligations/{obligation.id}/remind")
    assert response.status_code == 302
    assert sorted(outbox()) == ["max.manager@beta.test", "sam.admin@beta.test"]
    page = client.get(f"/staff/obligations/{obligation.id}")
    assert row_of(obligation, people.beta).last_reminder_at is not None
    assert "Reminder sent to 1 participant(s)." in page.text


def test_accept_and_return_from_the_page(app, people, client_for):
    obligation = make_obligation([people.alpha])
    file_certification(people.alpha_user, people.alpha)
    row = row_of(obligation, people.alpha)
    client = client_for(people.agent)
    assert client.post(f"/staff/obligations/{obligation.id}/rows/{row.id}/accept").status_code == 302
    assert row_of(obligation, people.alpha).state == "accepted"
    empty = client.post(f"/staff/obligations/{obligation.id}/rows/{row.id}/return", data={"reason": ""})
    assert empty.status_code == 400 and "Say why it is returned" in empty.text
    done = client.post(f"/staff/obligations/{obligation.id}/rows/{row.id}/return", data={"reason": "Unsigned."})
    assert done.status_code == 302
    assert row_of(obligation, people.alpha).state == "returned"
    assert sorted(outbox("obligation_returned")) == ["meg.manager@alpha.test", "sara.admin@alpha.test"]
    # a row of another obligation is not reachable through this one
    other = make_obligation([people.beta], name="Other")
    other_row = row_of(other, people.beta)
    assert client.post(f"/staff/obligations/{obligation.id}/rows/{other_row.id}/accept").status_code == 404


def test_add_participants_later_by_attribute(app, people, client_for):
    obligation = make_obligation([people.alpha])
    client = client_for(people.supervisor)
    saved = client.post(f"/staff/obligations/attributes/{people.beta.id}",
                        data={"attributes": "FTR participant over 1,000 MW/month; Large load"})
    assert saved.status_code == 302
    page = client.get("/staff/obligations/attributes")
    assert "FTR participant over 1,000 MW/month; Large load" in page.text
    added = client.post(f"/staff/obligations/{obligation.id}/participants",
                        data={"attribute": "FTR participant over 1,000 MW/month"})
    assert added.status_code == 302
    assert row_of(obligation, people.beta).state == "open"
    too_long = client.post(f"/staff/obligations/attributes/{people.beta.id}", data={"attributes": "x" * 90})
    assert too_long.status_code == 400 and "x" * 90 in too_long.text


def test_an_agent_restricted_to_other_queues_does_not_see_the_case_number(app, people, client_for):
    obligation = make_obligation([people.alpha])
    case = file_certification(people.alpha_user, people.alpha)
    app.config["STAFF_RESTRICT_TO_QUEUES"] = True
    try:
        client = client_for(people.agent)  # in no queue: the certification's credit queue is not theirs
        page = client.get(f"/staff/obligations/{obligation.id}")
        export = client.get(f"/staff/obligations/{obligation.id}.csv")
    finally:
        app.config["STAFF_RESTRICT_TO_QUEUES"] = False
    assert 'data-state="filed"' in page.text and case.number not in page.text and case.number not in export.text
    assert case.number in client_for(people.supervisor).get(f"/staff/obligations/{obligation.id}").text

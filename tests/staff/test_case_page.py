"""Working a case on the staff case page."""

import io

from sqlalchemy import select

from askiso.audit.models import AuditEvent
from askiso.cases import services as case_services
from askiso.cases.models import Attachment, Case, Message
from askiso.extensions import db
from askiso.staff.models import CannedResponse
from tests.staff.helpers import hidden, new_case, outbox, pdf_file, queue, staff_reply


def _reply_data(html, body, kind="reply", **extra):
    """What the composer posts (one form: `kind` switches between public reply and internal note)."""
    data = {
        "kind": kind,
        "reply-body": body,
        "reply-version": hidden(html, "reply-version"),
        "reply-seen_message": hidden(html, "reply-seen_message"),
        "reply-seen_event": hidden(html, "reply-seen_event"),
    }
    data.update(extra)
    return data


def test_staff_case_page_shows_internal_notes_marked(app, people, client_for):
    case = new_case(people.alpha_user, people.alpha)
    staff_reply(case, people.agent, "Secret triage note", internal=True)
    staff_reply(case, people.agent, "Hello Ann, here is the answer.")
    page = client_for(people.agent).get(f"/staff/cases/{case.number}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Secret triage note" in html and "Internal note — staff only" in html
    assert "Hello Ann, here is the answer." in html


def test_public_reply_and_internal_note_through_the_page(app, people, client_for):
    case = new_case(people.alpha_user, people.alpha)
    before = len(outbox())
    client = client_for(people.agent)
    html = client.get(f"/staff/cases/{case.number}").get_data(as_text=True)
    note = client.post(f"/staff/cases/{case.number}/reply",
                       data=_reply_data(html, "Internal: check the **meter** data", kind="note",
                                        **{"reply-files": (io.BytesIO(pdf_file().stream.read()), "meter.pdf")}),
                       content_type="multipart/form-data")
    assert note.status_code == 302
    assert len(outbox()) == before  # an internal note sends nothing
    html = client.get(f"/staff/cases/{case.number}").get_data(as_text=True)
    assert "<strong>meter</strong>" in html
    reply = client.post(f"/staff/cases/{case.number}/reply", data=_reply_data(html, "Public answer"))
    assert reply.status_code == 302
    mails = outbox()[before:]
    assert [m.recipients for m in mails] == [[people.alpha_user.email]]
    assert "Public answer" in mails[0].body_text
    assert all("check the" not in (m.body_text + (m.body_html or "")) for m in outbox())
    note_row = db.session.scalar(select(Message).where(Message.is_internal.is_(True)))
    attachment = db.session.scalar(select(Attachment).where(Attachment.message_id == note_row.id))
    assert attachment.is_internal is True
    db.session.refresh(case)
    assert case.first_response_at is not None


def test_collision_shows_changes_and_keeps_typed_text(app, people, client_for):
    case = new_case(people.alpha_user, people.alpha)
    agent_client = client_for(people.agent)
    html = agent_client.get(f"/staff/cases/{case.number}").get_data(as_text=True)
    # Meanwhile, the participant replies and a colleague changes the priority.
    staff_reply(case, people.alpha_user, "Actually it is about line 43")
    data = _reply_data(html, "My carefully typed answer about line 42")
    response = agent_client.post(f"/staff/cases/{case.number}/reply", data=data)
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "Actually it is about line 43" in page
    assert "My carefully typed answer about line 42" in page
    assert "Send anyway" in page
    assert db.session.scalar(select(Message).where(Message.body.like("%carefully typed%"))) is None
    # Send anyway: lands once.
    data = _reply_data(page, "My carefully typed answer about line 42", force="1")
    assert agent_client.post(f"/staff/cases/{case.number}/reply", data=data).status_code == 302
    assert len(db.session.scalars(select(Message).where(Message.body.like("%carefully typed%"))).all()) == 1


def test_collision_tells_the_changes_in_the_history_pages_sentences(app, people, client_for):
    case = new_case(people.alpha_user, people.alpha)
    agent_client = client_for(people.agent)
    html = agent_client.get(f"/staff/cases/{case.number}").get_data(as_text=True)
    # Meanwhile a supervisor assigns the case, raises the priority and sets it waiting.
    case_services.update_case(case, people.supervisor, assignee_id=people.agent.id)
    case_services.update_case(case, people.supervisor, priority="high")
    case_services.change_status(case, people.supervisor, "waiting")
    db.session.commit()
    response = agent_client.post(f"/staff/cases/{case.number}/reply", data=_reply_data(html, "My answer"))
    assert response.status_code == 409
    warning = response.get_data(as_text=True).split('id="collision-heading"')[1].split("</section>")[0]
    history = agent_client.get(f"/staff/cases/{case.number}/history").get_data(as_text=True)
    for sentence in (
        "Sam Supervisor assigned the case to Alex Agent",
        "Sam Supervisor changed the priority",
        "Priority: Normal → High",
        "Sam Supervisor changed the status",
        "Status: New → Waiting on Participant",
    ):
        assert sentence in warning and sentence in history
    # The page's own changes before it was loaded (the case being filed) are not repeated.
    assert "filed the case" not in warning
    # No raw column name or id, as the old labels had ("assignee_id: None → 3").
    assert "assignee_id" not in warning and "Case updated" not in warning


def test_reply_with_an_unchanged_version_is_not_a_collision(app, people, client_for):
    case = new_case(people.alpha_user, people.alpha)
    client = client_for(people.agent)
    html = client.get(f"/staff/cases/{case.number}").get_data(as_text=True)
    assert client.post(f"/staff/cases/{case.number}/reply", data=_reply_data(html, "Hi")).status_code == 302


def test_empty_reply_is_refused_next_to_the_field(app, people, client_for):
    case = new_case(people.alpha_user, people.alpha)
    client = client_for(people.agent)
    html = client.get(f"/staff/cases/{case.number}").get_data(as_text=True)
    response = client.post(f"/staff/cases/{case.number}/reply", data=_reply_data(html, "  "))
    assert response.status_code == 400
    assert "Write a message." in response.get_data(as_text=True)


def test_take_assign_transfer_status_priority(app, people, client_for):
    case = new_case(people.alpha_user, people.alpha)
    client = client_for(people.agent)

    def post(action, **data):
        db.session.refresh(case)
        return client.post(f"/staff/cases/{case.number}/{action}", data={"version": case.version, **data})

    assert post("take").status_code == 302
    db.session.refresh(case)
    assert case.assignee_id == people.agent.id
    assert post("assign", assignee=str(people.supervisor.id)).status_code == 302
    db.session.refresh(case)
    assert case.assignee_id == people.supervisor.id
    assert post("transfer", queue=str(queue("settlements").id)).status_code == 302
    assert post("priority", priority="urgent").status_code == 302
    assert post("status", status="in_progress").status_code == 302
    db.session.refresh(case)
    assert (case.queue.key, case.priority, case.status) == ("settlements", "urgent", "in_progress")
    actions = db.session.scalars(select(AuditEvent.action).where(AuditEvent.case_id == case.id)).all()
    assert actions.count("case.updated") == 4 and "case.status_changed" in actions
    history = client.get(f"/staff/cases/{case.number}/history").get_data(as_text=True)
    assert "Priority: Normal → Urgent" in history and "In Progress" in history


def test_stale_action_changes_nothing(app, people, client_for):
    case = new_case(people.alpha_user, people.alpha)
    stale_version = case.version
    staff_reply(case, people.supervisor, "Taking a look")
    response = client_for(people.agent).post(f"/staff/cases/{case.number}/priority",
                                              data={"version": stale_version, "priority": "low"},
                                              follow_redirects=True)
    assert "changed since you opened it" in response.get_data(as_text=True)
    db.session.refresh(case)
    assert case.priority == "normal"


def test_assigning_to_a_non_staff_account_is_refused(app, people, client_for):
    case = new_case(people.alpha_user, people.alpha)
    client_for(people.agent).post(f"/staff/cases/{case.number}/assign",
                                  data={"version": case.version, "assignee": str(people.alpha_user.id)})
    db.session.refresh(case)
    assert case.assignee_id is None


def test_canned_response_fills_placeholders_and_keeps_typed_text(app, people, client_for):
    case = new_case(people.alpha_user, people.alpha)
    canned = CannedResponse(title="Thanks", body="Hi {requester_first_name}, {participant_name} case {case_number}.")
    other = CannedResponse(title="Settlement only", body="S", queue_id=queue("settlements").id)
    db.session.add_all([canned, other])
    db.session.commit()
    client = client_for(people.agent)
    html = client.get(f"/staff/cases/{case.number}?canned={canned.id}&reply-body=Typed+first").get_data(as_text=True)
    assert f"Typed first\n\nHi Ann, Alpha Power LLC case {case.number}." in html
    page = client.get(f"/staff/cases/{case.number}").get_data(as_text=True)
    assert "Settlement only" not in page  # other queue's canned response is not offered
    html = client.get(f"/staff/cases/{case.number}?canned={other.id}").get_data(as_text=True)
    assert "not available for this case" in html


def test_merge_keeps_every_message_and_file(app, people, client_for):
    target = new_case(people.alpha_user, people.alpha, subject="Original")
    duplicate = new_case(people.alpha_colleague, people.alpha, request_type="registration_form",
                         subject="Duplicate", field_values={"form_type": "Other"}, files=[pdf_file("form.pdf")])
    staff_reply(duplicate, people.agent, "note on dup", internal=True, files=[pdf_file("internal.pdf")])
    staff_reply(duplicate, people.alpha_colleague, "more info", files=[pdf_file("more.pdf")])
    dup_messages = {m.id for m in db.session.scalars(select(Message).where(Message.case_id == duplicate.id))}
    before = len(outbox())
    response = client_for(people.agent).post(f"/staff/cases/{duplicate.number}/merge",
                                             data={"version": duplicate.version, "target": target.number,
                                                   "confirm": "y"})
    assert response.status_code == 302 and target.number in response.headers["Location"]
    db.session.expire_all()
    moved = {m.id for m in db.session.scalars(select(Message).where(Message.case_id == target.id))}
    assert dup_messages <= moved
    files = db.session.scalars(select(Attachment).where(Attachment.case_id == target.id)).all()
    assert sorted(f.filename for f in files) == ["form.pdf", "internal.pdf", "more.pdf"]
    assert any("Merged from " + duplicate.number in m.body for m in
               db.session.scalars(select(Message).where(Message.case_id == target.id)))
    duplicate = db.session.get(Case, duplicate.id)
    assert duplicate.status == "closed" and duplicate.merged_into_id == target.id
    mails = outbox()[before:]
    assert {m.recipients[0] for m in mails} == {people.alpha_user.email, people.alpha_colleague.email}
    assert all("note on dup" not in m.body_text for m in mails)
    actions = db.session.scalars(select(AuditEvent.action).where(AuditEvent.case_id == duplicate.id)).all()
    assert "case.merged" in actions


def test_merge_across_participants_is_refused(app, people, client_for):
    a = new_case(people.alpha_user, people.alpha)
    b = new_case(people.beta_user, people.beta)
    client_for(people.agent).post(f"/staff/cases/{a.number}/merge",
                                  data={"version": a.version, "target": b.number, "confirm": "y"})
    db.session.expire_all()
    assert db.session.get(Case, a.id).merged_into_id is None
    assert db.session.scalar(select(Message).where(Message.case_id == b.id)) is None


def test_merge_is_behind_the_more_actions_menu(app, people, client_for):
    target = new_case(people.alpha_user, people.alpha, subject="Original")
    duplicate = new_case(people.alpha_user, people.alpha, subject="Duplicate")
    client = client_for(people.agent)
    page = client.get(f"/staff/cases/{duplicate.number}").get_data(as_text=True)
    assert "<summary>More actions</summary>" in page and f"/staff/cases/{duplicate.number}/merge" in page
    assert 'name="target"' not in page
    chooser = client.get(f"/staff/cases/{duplicate.number}/merge").get_data(as_text=True)
    assert f"{target.number} — Original" in chooser
    assert client_for(people.beta_user).get(f"/staff/cases/{duplicate.number}/merge").status_code == 404

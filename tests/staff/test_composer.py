"""The staff case page's one composer: message and properties in one submit, one version check."""

from sqlalchemy import select

from askiso.audit.models import AuditEvent
from askiso.cases.models import Message, Topic
from askiso.extensions import db
from tests.staff.helpers import hidden, new_case, outbox, queue, staff_reply


def _composer(html, body="", kind="reply", **extra):
    """What the composer posts: the message fields and every property as the page shows it."""
    data = {
        "kind": kind,
        "reply-body": body,
        "reply-version": hidden(html, "reply-version"),
        "reply-seen_message": hidden(html, "reply-seen_message"),
        "reply-seen_event": hidden(html, "reply-seen_event"),
        "reply-then_status": "waiting",
    }
    for name in ("assignee", "queue", "status", "priority", "topic"):
        data[f"reply-{name}"] = _selected(html, f"reply-{name}")
    data.update(extra)
    return data


def _selected(html, select_id):
    start = html.index(f'<select id="{select_id}"')
    options = html[start : html.index("</select>", start)]
    marker = options.find(" selected>")
    if marker < 0:
        return ""
    return options[options.rindex('value="', 0, marker) + 7 : options.rindex('"', 0, marker)]


def _page(client, case):
    return client.get(f"/staff/cases/{case.number}").get_data(as_text=True)


def _actions(case):
    return db.session.scalars(
        select(AuditEvent.action).where(AuditEvent.case_id == case.id).order_by(AuditEvent.id)
    ).all()


def test_answer_set_waiting_and_raise_priority_in_one_submit(app, people, client_for):
    case = new_case(people.alpha_user, people.alpha)
    client = client_for(people.agent)
    html = _page(client, case)
    before = len(outbox())
    response = client.post(
        f"/staff/cases/{case.number}/reply",
        data=_composer(html, "Please send the statement.", action="send_status", **{"reply-priority": "high"}),
    )
    assert response.status_code == 302
    db.session.refresh(case)
    assert (case.status, case.priority) == ("waiting", "high")
    assert case.first_response_at is not None
    assert _actions(case)[-3:] == ["case.replied", "case.updated", "case.status_changed"]
    mails = outbox()[before:]  # one email: the reply, which tells that the case waits on the participant
    assert [m.subject.split("] ")[1].split(":")[0] for m in mails] == ["New reply (Waiting on Participant)"]
    assert "Please send the statement." in mails[0].body_text
    assert "The case is now: Waiting on Participant." in mails[0].body_text
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Reply sent to the participant. Saved: priority, status." in page


def test_properties_saved_on_their_own(app, people, client_for):
    case = new_case(people.alpha_user, people.alpha)
    topic = db.session.scalar(select(Topic).where(Topic.is_active.is_(True)))
    client = client_for(people.agent)
    data = _composer(
        _page(client, case),
        action="save",
        **{
            "reply-assignee": str(people.supervisor.id),
            "reply-queue": str(queue("settlements").id),
            "reply-topic": str(topic.id),
            "reply-status": "in_progress",
        },
    )
    assert client.post(f"/staff/cases/{case.number}/reply", data=data).status_code == 302
    db.session.refresh(case)
    assert (case.assignee_id, case.queue.key, case.topic_id, case.status) == (
        people.supervisor.id,
        "settlements",
        topic.id,
        "in_progress",
    )
    assert db.session.scalar(select(Message).where(Message.case_id == case.id)) is None
    updated = db.session.scalars(
        select(AuditEvent).where(AuditEvent.case_id == case.id, AuditEvent.action == "case.updated")
    ).all()
    assert len(updated) == 1 and set(updated[0].details["changes"]) == {"assignee_id", "queue_id", "topic_id"}


def test_saving_properties_keeps_a_typed_text(app, people, client_for):
    case = new_case(people.alpha_user, people.alpha)
    client = client_for(people.agent)
    response = client.post(
        f"/staff/cases/{case.number}/reply",
        data=_composer(_page(client, case), "Half-written answer", action="save", **{"reply-priority": "urgent"}),
    )
    assert response.status_code == 200
    assert "Half-written answer" in response.get_data(as_text=True)
    db.session.refresh(case)
    assert case.priority == "urgent"
    assert db.session.scalar(select(Message).where(Message.case_id == case.id)) is None


def test_a_stale_page_changes_nothing_and_shows_what_changed(app, people, client_for):
    case = new_case(people.alpha_user, people.alpha)
    client = client_for(people.agent)
    html = _page(client, case)
    staff_reply(case, people.supervisor, "I am on it", internal=True)
    response = client.post(
        f"/staff/cases/{case.number}/reply",
        data=_composer(html, "My answer", action="send_status", **{"reply-priority": "low"}),
    )
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "I am on it" in page and "My answer" in page and "Send anyway" in page
    db.session.refresh(case)
    assert (case.status, case.priority) == ("new", "normal")
    # Send anyway: the same one submit, checked against the version now shown.
    data = _composer(page, "My answer", force="1", action="send_status", **{"reply-priority": "low"})
    assert client.post(f"/staff/cases/{case.number}/reply", data=data).status_code == 302
    db.session.refresh(case)
    assert (case.status, case.priority) == ("waiting", "low")


def test_bad_property_changes_nothing_and_keeps_everything(app, people, client_for):
    case = new_case(people.alpha_user, people.alpha)
    client = client_for(people.agent)
    response = client.post(
        f"/staff/cases/{case.number}/reply",
        data=_composer(
            _page(client, case),
            "Typed text stays",
            **{"reply-assignee": str(people.alpha_user.id), "reply-priority": "high"},
        ),
    )
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Choose an active staff member." in page and "Typed text stays" in page
    db.session.refresh(case)
    assert (case.assignee_id, case.priority) == (None, "normal")
    assert db.session.scalar(select(Message).where(Message.case_id == case.id)) is None


def test_a_forbidden_status_step_is_shown_next_to_its_field(app, people, client_for):
    case = new_case(people.alpha_user, people.alpha)
    client = client_for(people.agent)
    response = client.post(
        f"/staff/cases/{case.number}/reply",
        data=_composer(_page(client, case), "Answer", action="send_status", **{"reply-then_status": "bogus"}),
    )
    assert response.status_code == 400
    assert 'id="reply-then_status-error"' in response.get_data(as_text=True)
    assert db.session.scalar(select(Message).where(Message.case_id == case.id)) is None


def test_the_switch_returns_to_public_after_a_note(app, people, client_for):
    case = new_case(people.alpha_user, people.alpha)
    client = client_for(people.agent)
    before = len(outbox())
    response = client.post(
        f"/staff/cases/{case.number}/reply",
        data=_composer(_page(client, case), "Only for us", kind="note", action="send"),
    )
    assert response.status_code == 302
    assert len(outbox()) == before
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Internal note saved (staff only)." in page
    assert 'value="reply" id="kind-reply" autocomplete="off" checked' in page
    assert 'value="note" id="kind-note" autocomplete="off">' in page


def test_a_refused_note_stays_a_note(app, people, client_for):
    case = new_case(people.alpha_user, people.alpha)
    client = client_for(people.agent)
    response = client.post(
        f"/staff/cases/{case.number}/reply", data=_composer(_page(client, case), "  ", kind="note", action="send")
    )
    assert response.status_code == 400
    assert 'value="note" id="kind-note" autocomplete="off" checked' in response.get_data(as_text=True)


def test_canned_insert_without_javascript_keeps_the_chosen_properties(app, people, client_for):
    from askiso.staff.models import CannedResponse

    case = new_case(people.alpha_user, people.alpha)
    canned = CannedResponse(title="Thanks", body="Thanks for {case_number}.")
    db.session.add(canned)
    db.session.commit()
    page = (
        client_for(people.agent)
        .get(f"/staff/cases/{case.number}?canned={canned.id}&reply-body=Typed&reply-priority=urgent&kind=note")
        .get_data(as_text=True)
    )
    assert f"Typed\n\nThanks for {case.number}." in page
    assert _selected(page, "reply-priority") == "urgent"
    assert 'value="note" id="kind-note" autocomplete="off" checked' in page


def test_old_posts_without_properties_change_none(app, people, client_for):
    """A client that posts only the message (the old reply form, scripts/soakclient.py) leaves the rest."""
    case = new_case(people.alpha_user, people.alpha)
    client = client_for(people.agent)
    html = _page(client, case)
    data = {"kind": "reply", "reply-body": "Plain reply", "reply-version": hidden(html, "reply-version")}
    assert client.post(f"/staff/cases/{case.number}/reply", data=data).status_code == 302
    db.session.refresh(case)
    assert (case.status, case.priority, case.assignee_id) == ("new", "normal", None)
    assert "case.updated" not in _actions(case)


def test_the_upload_progress_submit_is_told_where_to_go(app, people, client_for):
    """staff.js sends a submit with files by XHR: it gets the case page's address, and the flash waits there."""
    case = new_case(people.alpha_user, people.alpha)
    client = client_for(people.agent)
    response = client.post(
        f"/staff/cases/{case.number}/reply",
        data=_composer(_page(client, case), "With a file"),
        headers={"X-Requested-With": "XMLHttpRequest"},
    )
    assert response.status_code == 200 and response.is_json
    location = response.get_json()["location"]
    assert location.startswith(f"/staff/cases/{case.number}#message-")
    assert "Reply sent to the participant." in _page(client, case)


def test_a_canned_link_without_properties_shows_the_case_as_it_is(app, people, client_for):
    from askiso.staff import services
    from askiso.staff.models import CannedResponse

    case = new_case(people.alpha_user, people.alpha)
    services.assign(case, people.agent, people.supervisor.id)
    canned = CannedResponse(title="Thanks", body="Thanks.")
    db.session.add(canned)
    db.session.commit()
    page = client_for(people.agent).get(f"/staff/cases/{case.number}?canned={canned.id}").get_data(as_text=True)
    assert _selected(page, "reply-assignee") == str(people.supervisor.id)
    assert _selected(page, "reply-then_status") == "waiting"

"""The bell, the list, opening a notice, mark read and mark all read, and the settings."""

from askiso.cases import services as case_services
from askiso.extensions import db
from tests.notifications.helpers import join_queue, mails, new_case, notices


def _two_notices(people):
    join_queue(people.agent)
    case = new_case(people.alpha_user, people.alpha)
    case_services.add_message(case, people.alpha_user, "One more thing.")
    db.session.commit()
    return case


def test_the_bell_shows_the_unread_count_on_every_page(app, people, client_for):
    _two_notices(people)
    client = client_for(people.agent)
    page = client.get("/staff/").get_data(as_text=True)
    assert 'aria-label="Notifications, 2 unread"' in page and "data-notice-count>2</span>" in page
    assert client.get("/notifications/count").json == {"unread": 2, "capped": False}
    # Someone with nothing unread sees the bell without a number.
    other = client_for(people.supervisor).get("/staff/").get_data(as_text=True)
    assert 'aria-label="Notifications"' in other and "data-notice-count hidden" in other


def test_the_list_links_each_notice_to_its_case_and_opening_marks_it_read(app, people, client_for):
    case = _two_notices(people)
    client = client_for(people.agent)
    page = client.get("/notifications/").get_data(as_text=True)
    assert page.count(case.number) >= 2 and "Ann User replied" in page and "Mark all read" in page
    first = notices(people.agent)[0]
    response = client.get(f"/notifications/{first.id}")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/staff/cases/{case.number}")
    db.session.expire_all()
    assert notices(people.agent)[0].read_at is not None and notices(people.agent)[1].read_at is None
    assert client.get("/notifications/count").json["unread"] == 1
    unread_page = client.get("/notifications/?show=unread").get_data(as_text=True)
    assert "Ann User replied" in unread_page and "New case in" not in unread_page


def test_a_participant_opens_their_notice_on_the_participant_case_page(app, people, client_for):
    case = new_case(people.alpha_user, people.alpha)
    case_services.add_contact(case, people.alpha_user, people.alpha_colleague)
    case_services.add_message(case, people.alpha_user, "See attached.")
    db.session.commit()
    [notice] = notices(people.alpha_colleague)
    response = client_for(people.alpha_colleague).get(f"/notifications/{notice.id}")
    assert response.headers["Location"].endswith(f"/cases/{case.number}")


def test_mark_read_and_mark_all_read(app, people, client_for):
    _two_notices(people)
    client = client_for(people.agent)
    first, second = notices(people.agent)
    assert client.post(f"/notifications/{first.id}/read").status_code == 302
    db.session.expire_all()
    assert first.read_at is not None and second.read_at is None
    response = client.post("/notifications/read-all", follow_redirects=True)
    assert "1 notice marked read." in response.get_data(as_text=True)
    db.session.expire_all()
    assert all(n.read_at is not None for n in notices(people.agent))
    page = client.get("/notifications/").get_data(as_text=True)
    assert "Mark all read" not in page and client.get("/notifications/count").json["unread"] == 0


def test_the_list_pages_by_older_notices(app, people, client_for, monkeypatch):
    from askiso.notifications import queries

    monkeypatch.setattr(queries, "PAGE", 1)
    monkeypatch.setattr(queries, "_KEPT", {})
    _two_notices(people)
    client = client_for(people.agent)
    page = client.get("/notifications/").get_data(as_text=True)
    assert "Ann User replied" in page and "New case in" not in page and "Older notices" in page
    newer = notices(people.agent)[1]
    older = client.get(f"/notifications/?before={newer.id}").get_data(as_text=True)
    assert "New case in" in older and "Older notices" not in older


def test_the_list_needs_sign_in(app, client):
    assert client.get("/notifications/").status_code == 302
    assert client.get("/notifications/count").status_code == 302


def test_settings_switch_each_channel_of_each_kind(app, people, client_for):
    join_queue(people.agent)
    client = client_for(people.agent)
    page = client.get("/account/").get_data(as_text=True)
    assert 'value="app:new_case"' in page and 'value="email:mention"' in page
    assert 'value="app:colleague_reply"' not in page  # the participants' kind is not offered to staff
    keep = [
        "app:new_case",
        "email:participant_reply",
        "app:participant_reply",
        "app:assigned",
        "email:assigned",
        "app:service_level",
        "email:service_level",
        "app:mention",
        "email:mention",
        "case_replies",
    ]
    assert client.post("/account/notifications", data={"notify": keep}).status_code == 302
    case = new_case(people.alpha_user, people.alpha)
    assert [n.kind for n in notices(people.agent)] == ["new_case"] and mails(people.agent) == []
    db.session.expire_all()
    client.post("/account/notifications", data={"notify": ["email:new_case"]})
    new_case(people.alpha_user, people.alpha)
    assert len(notices(people.agent)) == 1 and len(mails(people.agent, "notice_new_case")) == 1
    assert case is not None


def test_a_participant_chooses_colleague_replies(app, people, client_for):
    client = client_for(people.alpha_colleague)
    page = client.get("/account/").get_data(as_text=True)
    assert 'value="app:colleague_reply"' in page and 'value="app:new_case"' not in page
    client.post("/account/notifications", data={"notify": ["case_replies", "status_changes", "app:colleague_reply"]})
    case = new_case(people.alpha_user, people.alpha)
    case_services.add_contact(case, people.alpha_user, people.alpha_colleague)
    case_services.add_message(case, people.alpha_user, "FYI")
    db.session.commit()
    assert len(notices(people.alpha_colleague)) == 1 and mails(people.alpha_colleague) == []

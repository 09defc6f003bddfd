"""The staff home and the case list: tabs with counts, sortable columns, service-level colours,
select-all and shortcut hooks, statements that do not grow with the data."""

import re
from datetime import timedelta

from flask_login import login_user

from askiso.core.timeutil import utcnow
from askiso.extensions import db
from askiso.staff import home, services
from tests.staff.helpers import new_case, queue
from tests.statements import recorded_statements


def _numbers(html):
    return re.findall(r'href="/staff/cases/(AI-\d{4}-\d+)"', html)


def _join_queue(user, key):
    from askiso.cases.models import QueueMember

    db.session.add(QueueMember(queue_id=queue(key).id, user_id=user.id))
    db.session.commit()


def test_home_sections_counts_and_tabs(app, people, client_for):
    _join_queue(people.agent, "participant_support")
    mine = new_case(people.alpha_user, people.alpha, subject="Mine")
    waiting = new_case(people.alpha_user, people.alpha, subject="Unassigned general")
    late = new_case(people.beta_user, people.beta, subject="Late one")
    mine.assignee_id = people.agent.id
    late.first_response_due_at = utcnow() - timedelta(hours=1)
    db.session.commit()
    services.save_view(people.agent, "Urgent ones", "priority=urgent")
    db.session.commit()
    html = client_for(people.agent).get("/staff").get_data(as_text=True)
    sections = {key: html.split(f'id="{key}"', 1)[1].split("</section>", 1)[0]
                for key in ("mine", "unassigned", "at_risk")}
    assert _numbers(sections["mine"]) == [mine.number]
    assert waiting.number in _numbers(sections["unassigned"]) and mine.number not in _numbers(sections["unassigned"])
    assert _numbers(sections["at_risk"])[0] == late.number
    assert "My open cases: <strong>1</strong>" in html
    tabs = html.split('aria-label="My case views"', 1)[1].split("</nav>", 1)[0]
    assert "Open cases" in tabs and "Assigned to me" in tabs and "Urgent ones" in tabs
    assert re.search(r'Assigned to me <span class="tab-count">1</span>', tabs)
    assert re.search(r'Urgent ones <span class="tab-count">0</span>', tabs)


def test_home_counts_are_capped(app, people, monkeypatch):
    monkeypatch.setattr(home, "COUNT_CAP", 2)
    home._statements.cache_clear()
    try:
        for _ in range(4):
            case = new_case(people.alpha_user, people.alpha, commit=False)
            case.assignee_id = people.agent.id
        db.session.commit()
        with app.test_request_context():
            login_user(people.agent)
            sections, everyday = home.read(people.agent, [], utcnow())
        assert sections[0].count == 3 and sections[0].count_text == "2+"
        assert everyday["mine"] == 3 and len(sections[0].cases) == 4
    finally:
        home._statements.cache_clear()


def test_home_statements_do_not_grow_with_cases_or_views(app, people, client_for):
    _join_queue(people.agent, "participant_support")
    client = client_for(people.agent)
    client.get("/staff")

    def statements():
        with recorded_statements() as seen:
            assert client.get("/staff").status_code == 200
        return len(seen)

    few = statements()
    for i in range(12):
        case = new_case(people.alpha_user, people.alpha, commit=False)
        case.assignee_id = people.agent.id if i % 2 else None
    db.session.commit()
    assert statements() == few
    services.save_view(people.agent, "One", "priority=high")
    services.save_view(people.agent, "Two", "priority=low")
    db.session.commit()
    assert statements() == few + 1  # all the saved views' counts in one statement
    assert few <= 8


def test_sortable_columns(app, people, client_for):
    older = new_case(people.alpha_user, people.alpha, subject="Older", commit=False)
    newer = new_case(people.alpha_user, people.alpha, subject="Newer", commit=False)
    older.received_at = utcnow() - timedelta(days=3)
    older.resolution_due_at = utcnow() + timedelta(days=1)
    newer.resolution_due_at = utcnow() + timedelta(days=5)
    db.session.commit()
    client = client_for(people.agent)
    html = client.get("/staff/cases").get_data(as_text=True)
    assert 'aria-sort="ascending"><a href="/staff/cases?sort=due_desc"' in html
    assert 'aria-sort="none"><a href="/staff/cases?sort=received"' in html
    assert _numbers(html)[:2] == [older.number, newer.number]
    html = client.get("/staff/cases?sort=due_desc").get_data(as_text=True)
    assert _numbers(html)[:2] == [newer.number, older.number]
    assert 'aria-sort="descending"><a href="/staff/cases"' in html
    html = client.get("/staff/cases?sort=received&priority=normal").get_data(as_text=True)
    assert _numbers(html)[:2] == [newer.number, older.number]
    assert "sort=received_asc" in html and "priority=normal" in html


def test_service_level_state_is_coloured_and_said(app, people, client_for):
    breached = new_case(people.alpha_user, people.alpha, subject="Breached", commit=False)
    near = new_case(people.alpha_user, people.alpha, subject="Near", commit=False)
    calm = new_case(people.alpha_user, people.alpha, subject="Calm", commit=False)
    breached.first_response_due_at = utcnow() - timedelta(minutes=5)
    near.first_response_due_at = utcnow() + timedelta(hours=1)
    calm.first_response_due_at = utcnow() + timedelta(days=3)
    db.session.commit()
    html = client_for(people.agent).get("/staff/cases").get_data(as_text=True)
    rows = {n: row for row in html.split("<tr")[1:] for n in _numbers(row)}
    assert 'class="sla-breached"' in rows[breached.number] and "Breached</span>" in rows[breached.number]
    assert 'class="sla-near"' in rows[near.number] and "Near breach</span>" in rows[near.number]
    assert "sla-" not in rows[calm.number].split(">", 1)[0]


def test_list_has_tabs_select_all_and_shortcut_hooks(app, people, client_for):
    new_case(people.alpha_user, people.alpha)
    services.save_view(people.agent, "Alpha", "participant=ALPHA")
    db.session.commit()
    html = client_for(people.agent).get("/staff/cases?participant=ALPHA").get_data(as_text=True)
    assert re.search(r'aria-current="page">Alpha <span class="tab-count">1</span>', html)
    assert "data-select-all" in html and "data-case-list" in html and "data-shortcuts-help" in html
    assert "js/shortcuts.js" in html
    participant_page = client_for(people.alpha_user).get("/cases").get_data(as_text=True)
    assert "js/shortcuts.js" not in participant_page


def test_an_agent_restricted_to_queues_sees_and_counts_only_them(app, people, client_for):
    app.config["STAFF_RESTRICT_TO_QUEUES"] = True
    try:
        _join_queue(people.agent, "participant_support")
        mine = new_case(people.alpha_user, people.alpha, subject="In my queue")
        other = new_case(people.beta_user, people.beta, subject="Settlement elsewhere", commit=False)
        other.queue_id = queue("settlements").id
        other.assignee_id = people.agent.id  # even assigned to them, it stays out of sight
        other.first_response_due_at = utcnow() - timedelta(hours=1)
        db.session.commit()
        client = client_for(people.agent)
        html = client.get("/staff").get_data(as_text=True)
        assert other.number not in html and "Settlement elsewhere" not in html
        assert mine.number in html
        assert "My open cases: <strong>0</strong>" in html
        assert re.search(r'Open cases <span class="tab-count">1</span>', html)
        listing = client.get("/staff/cases").get_data(as_text=True)
        assert re.search(r'Assigned to me <span class="tab-count">0</span>', listing)
    finally:
        app.config["STAFF_RESTRICT_TO_QUEUES"] = False

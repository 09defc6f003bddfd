"""Presence on the staff case page: who else is viewing or typing, from a small polling endpoint."""

from datetime import timedelta

from askiso.core.timeutil import utcnow
from askiso.extensions import db
from askiso.staff.presence import PRESENCE_SECONDS, CasePresence
from tests import factories
from tests.staff.helpers import new_case


def _colleague():
    user = factories.make_user("morgan@iso.test", "Morgan Agent", staff_role="agent")
    db.session.commit()
    return user


def _report(client, case, **report):
    response = client.post(f"/staff/cases/{case.number}/presence", json=report)
    assert response.status_code == 200
    return response.get_json()


def test_colleagues_see_each_other_viewing_and_typing(app, people, client_for):
    case = new_case(people.alpha_user, people.alpha)
    alex, morgan = client_for(people.agent), client_for(_colleague())
    assert _report(alex, case)["others"] == []
    assert _report(morgan, case, typing=True) == {"others": [{"name": "Alex Agent", "typing": False}], "every": 5}
    assert _report(alex, case)["others"] == [{"name": "Morgan Agent", "typing": True}]
    _report(morgan, case)  # stopped typing, still there
    assert _report(alex, case)["others"] == [{"name": "Morgan Agent", "typing": False}]
    _report(morgan, case, leaving=True)
    assert _report(alex, case)["others"] == []


def test_a_page_that_stopped_reporting_no_longer_counts(app, people, client_for):
    case = new_case(people.alpha_user, people.alpha)
    morgan = _colleague()
    db.session.add(
        CasePresence(
            case_id=case.id,
            user_id=morgan.id,
            state="typing",
            seen_at=utcnow() - timedelta(seconds=PRESENCE_SECONDS + 1),
        )
    )
    db.session.commit()
    assert _report(client_for(people.agent), case)["others"] == []


def test_presence_is_per_case(app, people, client_for):
    case, other = new_case(people.alpha_user, people.alpha), new_case(people.beta_user, people.beta)
    _report(client_for(_colleague()), other)
    assert _report(client_for(people.agent), case)["others"] == []


def test_participants_and_guessers_get_nothing(app, people, client_for):
    case = new_case(people.alpha_user, people.alpha)
    _report(client_for(people.agent), case)
    for person in (people.alpha_user, people.beta_user):
        assert client_for(person).post(f"/staff/cases/{case.number}/presence", json={}).status_code == 404
    assert client_for(people.agent).post("/staff/cases/AI-2099-999999/presence", json={}).status_code == 404


def test_the_case_page_offers_presence_to_its_script(app, people, client_for):
    case = new_case(people.alpha_user, people.alpha)
    page = client_for(people.agent).get(f"/staff/cases/{case.number}").get_data(as_text=True)
    assert f'data-presence-url="/staff/cases/{case.number}/presence"' in page

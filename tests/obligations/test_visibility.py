"""From the attacker's side: another company's people see neither the obligation nor its state."""

import pytest

from askiso.extensions import db
from tests import factories
from tests.api.conftest import make_token
from tests.obligations.helpers import file_certification

NAME = "FTR certification test"


def _api_items(client, user):
    response = client.get("/api/v1/obligations", headers={"Authorization": f"Bearer {make_token(user)}"})
    assert response.status_code == 200, response.text
    return response.json["items"]


def test_the_obligated_company_sees_it_with_a_countdown_and_a_prefilled_button(app, people, obligation, client_for):
    page = client_for(people.alpha_user).get("/cases")
    assert page.status_code == 200
    assert NAME in page.text and ("due in 19 d" in page.text or "due in 20 d" in page.text)
    assert f"/cases/new?type=ftr_certification&amp;participant={people.alpha.id}" in page.text
    form = client_for(people.alpha_user).get(f"/cases/new?type=ftr_certification&participant={people.alpha.id}")
    assert 'name="field_certification_year"' in form.text


@pytest.mark.parametrize("who", ["beta_user", "beta_manager", "beta_sa", "former", "outsider"])
def test_other_people_see_nothing_on_their_pages_or_the_api(app, people, obligation, client_for, client, who):
    factories.add_member(people.former, people.alpha, security_admin=True, active=False)
    db.session.commit()
    user = getattr(people, who)
    page = client_for(user).get("/cases")
    assert page.status_code == 200 and NAME not in page.text
    assert _api_items(client, user) == []


def test_the_api_lists_the_company_state_and_the_case_only_to_those_who_see_it(app, people, obligation, client):
    [item] = _api_items(client, people.alpha_colleague)
    assert item == {"name": NAME, "request_type": "ftr_certification", "due_at": item["due_at"], "state": "open",
                    "case": None, "participant": "ALPHA"}
    assert item["due_at"].endswith("+00:00")
    case = file_certification(people.alpha_user, people.alpha)
    assert _api_items(client, people.alpha_user)[0] | {} == {**item, "state": "filed", "case": case.number}
    assert _api_items(client, people.alpha_manager)[0]["case"] == case.number  # External Manager sees every case
    # a colleague who may not see the case learns the state, not the case number
    assert _api_items(client, people.alpha_colleague)[0] == {**item, "state": "filed", "case": None}
    assert _api_items(client, people.beta_manager) == []


def test_someone_in_both_companies_sees_only_the_obligated_one(app, people, obligation, client):
    assert [i["participant"] for i in _api_items(client, people.both)] == ["ALPHA"]


def test_company_page_of_the_sa_shows_it_and_not_to_others(app, people, obligation, client_for):
    assert NAME in client_for(people.alpha_sa).get("/company/ALPHA/").text
    beta_page = client_for(people.beta_sa).get("/company/BETA/")
    assert beta_page.status_code == 200 and NAME not in beta_page.text
    assert client_for(people.beta_sa).get("/company/ALPHA/").status_code == 404


@pytest.mark.parametrize("path", ["/staff/obligations/", "/staff/obligations/{id}", "/staff/obligations/{id}.csv",
                                  "/staff/obligations/{id}/rows/{row}/return", "/staff/obligations/attributes"])
@pytest.mark.parametrize("who", ["alpha_sa", "alpha_manager", "beta_user"])
def test_staff_pages_answer_404_to_participants(app, people, obligation, client_for, path, who):
    row = obligation.participants.first()
    response = client_for(getattr(people, who)).get(path.format(id=obligation.id, row=row.id))
    assert response.status_code == 404


@pytest.mark.parametrize("path", ["/staff/obligations/{id}/remind", "/staff/obligations/{id}/rows/{row}/accept",
                                  "/staff/obligations/{id}/rows/{row}/return", "/staff/obligations/{id}/participants"])
def test_staff_actions_answer_404_to_participants(app, people, obligation, client_for, path):
    row = obligation.participants.first()
    response = client_for(people.alpha_sa).post(path.format(id=obligation.id, row=row.id), data={"reason": "x"})
    assert response.status_code == 404


def test_signed_out_api_needs_a_token(app, client, obligation):
    assert client.get("/api/v1/obligations").status_code == 401


def test_the_button_opens_the_form_prefilled_for_that_company(app, people, client_for):
    from tests.obligations.conftest import make_obligation

    make_obligation([people.beta])
    client = client_for(people.both)
    page = client.get("/cases")
    link = f"/cases/new?type=ftr_certification&amp;participant={people.beta.id}"
    assert link in page.text
    form = client.get(link.replace("&amp;", "&"))
    assert 'name="field_certification_year"' in form.text
    assert f'selected value="{people.beta.id}"' in form.text

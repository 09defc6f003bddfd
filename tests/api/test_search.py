"""`q` on GET /cases goes through the search feature and stays inside visibility."""

import pytest

from askiso.cases import services
from askiso.extensions import db
from tests.cases.helpers import new_case

search_worker = pytest.importorskip("askiso.search.worker")


@pytest.fixture
def indexed(app, tmp_path, people):
    saved = {k: app.config.get(k) for k in ("SEARCH_BACKEND", "SEARCH_INDEX_DIR")}
    app.config.update(SEARCH_BACKEND="whoosh", SEARCH_INDEX_DIR=str(tmp_path / "index"))
    alpha = new_case(people.alpha_user, people.alpha, subject="Turbine outage credit", description="about turbines")
    services.add_message(alpha, people.agent, "zanzibar is our internal codeword", internal=True)
    new_case(people.beta_user, people.beta, subject="Turbine question from beta", description="turbines too")
    db.session.commit()
    search_worker.process_queue()
    yield alpha
    app.config.update(saved)


def test_q_finds_only_visible_cases(indexed, people, api_for):
    items = api_for(people.alpha_user).get("/cases", query_string={"q": "turbine"}).get_json()["items"]
    assert [i["number"] for i in items] == [indexed.number]
    staff = api_for(people.agent).get("/cases", query_string={"q": "turbine"}).get_json()["items"]
    assert len(staff) == 2


def test_q_never_matches_internal_notes_for_non_staff(indexed, people, api_for):
    assert api_for(people.alpha_user).get("/cases", query_string={"q": "zanzibar"}).get_json()["items"] == []
    staff = api_for(people.agent).get("/cases", query_string={"q": "zanzibar"}).get_json()["items"]
    assert [i["number"] for i in staff] == [indexed.number]

"""The search page: signed-in only, scoped results, errors next to the field."""

from askiso.search.worker import process_queue
from tests.search.conftest import make_case


def _page(client, **args):
    process_queue()
    response = client.get("/search", query_string=args)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_signed_out_visitors_are_sent_to_sign_in(backend, client):
    response = client.get("/search?q=anything")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_participant_page_lists_only_visible_cases_with_safe_snippets(backend, people, client_for):
    mine = make_case(
        people.alpha,
        people.alpha_user,
        "Walnut <b>meter</b>",
        "walnut readings <script>x()</script>",
        messages=[("walnut secret staff musing hippogriff", True, people.agent)],
    )
    other = make_case(people.beta, people.beta_user, "Walnut beta", "walnut")
    html = _page(client_for(people.alpha_user), q="walnut")
    assert mine.number in html and other.number not in html
    assert "1 case found" in html
    assert "<mark>walnut</mark>" in html.lower()
    assert "<script>x()" not in html  # escaped (Whoosh) or dropped as a tag (ts_headline)
    assert "Walnut &lt;b&gt;meter&lt;/b&gt;" in html
    assert "hippogriff" not in html and "Internal note" not in html.split("How to search")[1].split("</details>")[1]
    assert f'href="/cases/{mine.number}"' in html or mine.number in html


def test_internal_word_page_for_participant_and_agent(backend, people, client_for):
    case = make_case(
        people.alpha, people.alpha_user, "Chestnut", "plain text", messages=[("hippogriff note", True, people.agent)]
    )
    assert case.number not in _page(client_for(people.alpha_manager), q="hippogriff")
    staff_html = _page(client_for(people.agent), q="hippogriff")
    assert case.number in staff_html and "Internal note" in staff_html and "<mark>hippogriff</mark>" in staff_html


def test_filters_from_the_form(backend, people, client_for):
    open_case = make_case(people.alpha, people.alpha_user, "Hazel open", status="new")
    closed_case = make_case(people.alpha, people.alpha_user, "Hazel closed", status="closed")
    client = client_for(people.alpha_user)
    html = _page(client, q="hazel", status="open")
    assert open_case.number in html and closed_case.number not in html
    html = _page(client, status="closed", participant="alpha")
    assert closed_case.number in html and open_case.number not in html


def test_bad_input_gets_a_message_next_to_the_field_and_keeps_it(backend, people, client_for):
    client = client_for(people.alpha_user)
    html = _page(client, q="hazel status:sleepy")
    assert "Unknown status" in html and 'value="hazel status:sleepy"' in html
    html = _page(client, q="hazel", participant="BETA")
    assert "You are not associated with a participant" in html and 'value="BETA"' in html
    html = _page(client_for(people.agent), q="hazel", participant="NOPE")
    assert "No participant has the code" in html


def test_pagination_links_keep_the_query(backend, people, client_for):
    for i in range(21):
        make_case(people.alpha, people.alpha_user, f"Almond {i}")
    client = client_for(people.agent)
    html = _page(client, q="almond", status="open")
    assert "page 1 of 2" in html and "page=2" in html and "status=open" in html
    html = _page(client, q="almond", status="open", page=2)
    assert html.count('data-label="Number"') == 1


def test_header_has_a_search_box_when_signed_in(backend, people, client_for):
    html = _page(client_for(people.alpha_user))
    assert 'class="header-search"' in html and 'action="/search"' in html
    assert "Type words or choose a filter" in html

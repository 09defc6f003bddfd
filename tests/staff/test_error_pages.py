"""Error pages speak to staff as staff (their role, their workspace), to participants as before."""


def test_forbidden_page_for_an_agent_names_the_role(app, people, client_for):
    page = client_for(people.agent).get("/staff/audit/")
    html = page.get_data(as_text=True)
    assert page.status_code == 403
    assert "This page is for Ask ISO administrators; your staff role is Agent." in html
    assert "Security Administrator" not in html
    assert 'href="/staff">Go to your workspace' in html


def test_forbidden_page_for_a_supervisor(app, people, client_for):
    html = client_for(people.supervisor).get("/staff/audit/").get_data(as_text=True)
    assert "your staff role is Supervisor" in html and "Security Administrator" not in html


def test_not_found_for_staff_points_to_the_workspace(app, people, client_for):
    html = client_for(people.agent).get("/staff/cases/AI-2026-999999").get_data(as_text=True)
    assert "go back to your cases" not in html and "workspace" in html


def test_participants_keep_their_wording(app, people, client_for):
    html = client_for(people.alpha_user).get("/no-such-page").get_data(as_text=True)
    assert "go back to your cases" in html and 'href="/">Go to the home page' in html

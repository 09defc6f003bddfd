"""The in-app user guide is public and covers what participants need."""


def test_help_is_public_and_lists_roles_and_request_types(client):
    html = client.get("/help").text
    for text in ("Submitting a case", "External Manager", "Security Administrator", "14 days",
                 "Registration form submission", "legal receipt time", "25 MB"):
        assert text in html, text

"""THE visibility matrix: every case-bearing route x every kind of person, from the attacker's side.

A case someone may not see answers 404 on every route (never 403), its files
too, and it never appears in their lists. Signed-out visitors are sent to the
sign-in page. Actions of people who may not see the case change nothing.
"""

import pytest

from askiso.cases.models import Case, CaseContact, Message
from askiso.extensions import db

SEES = {"submitter", "contact", "manager", "agent"}
PERSONAS = {
    "submitter": "alpha_user",
    "colleague": "alpha_colleague",
    "contact": "alpha_contact",
    "manager": "alpha_manager",
    "other_manager": "beta_manager",
    "former": "former",
    "former_submitter": "fred",
    "outsider": "outsider",
    "anonymous": None,
    "agent": "agent",
}


def _routes(w, case):
    n = case.number
    return {
        "page": ("get", f"/cases/{n}", None),
        "receipt": ("get", f"/cases/{n}/receipt", None),
        "file": ("get", f"/cases/{n}/files/{w.submitted_file.id}" if case is w.case else f"/cases/{n}/files/1", None),
        "reply_file": ("get", f"/cases/{n}/files/{w.reply_file.id}", None),
        "reply": ("post", f"/cases/{n}/reply", {"body": "matrix reply"}),
        "add_contact": ("post", f"/cases/{n}/contacts", {"email": w.both.email}),
        "remove_contact": ("post", f"/cases/{n}/contacts/remove", {"user_id": str(w.both.id)}),
        "close": ("post", f"/cases/{n}/close", {"reason": "matrix close", "version": ""}),
        "reopen": ("post", f"/cases/{n}/reopen", {"reason": "", "version": ""}),
    }


def _target(w, persona):
    """The case under attack: the former submitter attacks their own old case."""
    return w.fred_case if persona == "former_submitter" else w.case


def _snapshot(case_id):
    db.session.expire_all()
    case = db.session.get(Case, case_id)
    return (
        case.status,
        case.version,
        db.session.scalar(db.select(db.func.count(Message.id)).where(Message.case_id == case_id)),
        db.session.scalar(db.select(db.func.count()).select_from(CaseContact).where(CaseContact.case_id == case_id)),
    )


@pytest.mark.parametrize("persona", sorted(PERSONAS))
def test_case_routes_answer_per_persona(world, client_for, persona):
    user = getattr(world, PERSONAS[persona]) if PERSONAS[persona] else None
    case = _target(world, persona)
    client = client_for(user)
    before = _snapshot(case.id)
    for name, (method, url, data) in _routes(world, case).items():
        response = getattr(client, method)(url, data=data)
        if user is None:
            assert response.status_code == 302 and "/login" in response.headers["Location"], (name, url)
        elif persona in SEES:
            expected = 200 if method == "get" else 303
            if case is not world.case and name in ("file", "reply_file"):
                continue
            assert response.status_code == expected, (persona, name, response.status_code)
        else:
            assert response.status_code == 404, (persona, name, response.status_code)
    if persona not in SEES:
        assert _snapshot(case.id) == before


@pytest.mark.parametrize("persona", sorted(PERSONAS))
def test_list_rows_per_persona(world, client_for, persona):
    user = getattr(world, PERSONAS[persona]) if PERSONAS[persona] else None
    case = _target(world, persona)
    client = client_for(user)
    mine = client.get("/cases")
    company = client.get("/cases/company")
    if user is None:
        assert mine.status_code == 302 and company.status_code == 302
        return
    assert mine.status_code == 200
    row = f'data-case="{case.number}"'
    assert (row in mine.text) == (persona in {"submitter", "contact"}), persona
    if persona in {"manager", "other_manager"}:
        assert company.status_code == 200
        assert (row in company.text) == (persona == "manager")
    else:
        assert company.status_code == 404
    assert case.subject not in mine.text or persona in {"submitter", "contact"}


def test_internal_notes_and_files_never_reach_participants(world, client_for):
    for person in (world.alpha_user, world.alpha_contact, world.alpha_manager):
        client = client_for(person)
        page = client.get(f"/cases/{world.case.number}").text
        assert "INTERNAL-NOTE-TEXT" not in page and "internal-memo.pdf" not in page
        assert "Please also send page 2." in page and "staff-reply.pdf" in page
        assert client.get(f"/cases/{world.case.number}/files/{world.internal_file.id}").status_code == 404
        for url in ("/cases", "/cases/company"):
            assert "INTERNAL-NOTE-TEXT" not in client.get(url).text
    staff = client_for(world.agent)
    assert staff.get(f"/cases/{world.case.number}/files/{world.internal_file.id}").status_code == 200
    # The participant view stays the participant view, also for staff.
    assert "INTERNAL-NOTE-TEXT" not in staff.get(f"/cases/{world.case.number}").text


def test_a_file_of_another_case_is_not_reachable_through_a_visible_case(world, client_for):
    beta_case = world.case  # alpha's case; Bob of beta files his own and guesses ids
    from tests.cases.helpers import new_case, pdf_file

    bob_case = new_case(world.beta_user, world.beta, request_type="ftr_policies", files=[pdf_file("bob.pdf")])
    client = client_for(world.beta_user)
    url = f"/cases/{bob_case.number}/files/{world.submitted_file.id}"
    assert client.get(url).status_code == 404
    assert client.get(f"/cases/{beta_case.number}/files/{world.submitted_file.id}").status_code == 404


def test_staff_restricted_to_queues_get_404_outside_them(world, client_for, app):
    app.config["STAFF_RESTRICT_TO_QUEUES"] = True
    try:
        client = client_for(world.agent)
        assert client.get(f"/cases/{world.case.number}").status_code == 404
        assert client.get(f"/cases/{world.case.number}/files/{world.submitted_file.id}").status_code == 404
    finally:
        app.config["STAFF_RESTRICT_TO_QUEUES"] = False

"""The cases API from the attacker's side: the same visibility as the pages."""

import io

import pytest

from askiso.cases import services
from askiso.cases.models import Case
from askiso.extensions import db
from tests.cases.helpers import PDF, new_case, pdf_file

SEES = ("alpha_user", "alpha_manager", "agent", "supervisor")
BLIND = ("alpha_colleague", "beta_user", "beta_manager", "both", "former", "outsider")


@pytest.fixture
def case(people):
    """An ALPHA case by alpha_user with a public file, a staff reply and an internal note with a file."""
    case = new_case(people.alpha_user, people.alpha, files=[pdf_file("public.pdf")])
    services.add_message(case, people.agent, "We are looking into it.")
    services.add_message(case, people.agent, "SECRET internal remark", internal=True, files=[pdf_file("secret.pdf")])
    db.session.commit()
    return case


def _public_file_id(case):
    return next(a.id for a in _files(case) if not a.is_internal)


def _internal_file_id(case):
    return next(a.id for a in _files(case) if a.is_internal)


def _files(case):
    from sqlalchemy import select

    from askiso.cases.models import Attachment

    return db.session.scalars(select(Attachment).where(Attachment.case_id == case.id)).all()


@pytest.mark.parametrize("who", SEES + BLIND)
def test_visibility_matrix(people, api_for, case, who):
    api = api_for(getattr(people, who))
    number, file_id = case.number, _public_file_id(case)
    responses = {
        "get": api.get(f"/cases/{number}"),
        "download": api.get(f"/cases/{number}/attachments/{file_id}"),
        "reply": api.post(f"/cases/{number}/messages", json={"body": f"reply from {who}"}),
        "attach": api.post(
            f"/cases/{number}/attachments",
            data={"file": (io.BytesIO(PDF), "more.pdf")},
            content_type="multipart/form-data",
        ),
        "patch": api.patch(f"/cases/{number}", json={"status": "closed", "reason": "done"}),
    }
    listed = [item["number"] for item in api.get("/cases").get_json()["items"]]
    if who in SEES:
        assert {k: r.status_code for k, r in responses.items()} == {
            "get": 200,
            "download": 200,
            "reply": 201,
            "attach": 201,
            "patch": 200,
        }
        assert number in listed
    else:
        assert {k: r.status_code for k, r in responses.items()} == dict.fromkeys(responses, 404)
        assert all(r.get_json()["error"]["code"] == "not_found" for r in responses.values())
        assert number not in listed
        assert db.session.get(Case, case.id).status == "new"


def test_internal_notes_and_files_never_reach_non_staff(people, api_for, case):
    for who in ("alpha_user", "alpha_manager"):
        api = api_for(getattr(people, who))
        response = api.get(f"/cases/{case.number}")
        text = response.get_data(as_text=True)
        assert "SECRET" not in text and "secret.pdf" not in text
        data = response.get_json()
        assert [m["body"] for m in data["messages"]] == ["We are looking into it."]
        assert all("internal" not in m for m in data["messages"])
        assert [a["filename"] for a in data["attachments"]] == ["public.pdf"]
        assert all("internal" not in a for a in data["attachments"])
        assert "queue" not in data and "assignee" not in data
        assert api.get(f"/cases/{case.number}/attachments/{_internal_file_id(case)}").status_code == 404
        assert "SECRET" not in api.get("/cases").get_data(as_text=True)
        assert api.get("/cases", query_string={"q": "SECRET"}).get_json()["items"] == []


def test_staff_see_internal_notes_marked(people, api_for, case):
    data = api_for(people.agent).get(f"/cases/{case.number}").get_json()
    assert [(m["body"], m["internal"]) for m in data["messages"]] == [
        ("We are looking into it.", False),
        ("SECRET internal remark", True),
    ]
    assert sorted((a["filename"], a["internal"]) for a in data["attachments"]) == [
        ("public.pdf", False),
        ("secret.pdf", True),
    ]
    assert data["queue"] == "participant_support"


def test_download_is_an_attachment_with_nosniff(people, api_for, case):
    response = api_for(people.alpha_user).get(f"/cases/{case.number}/attachments/{_public_file_id(case)}")
    assert response.status_code == 200
    assert response.data == PDF
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.mimetype == "application/pdf"


def test_non_staff_cannot_add_internal_notes(people, api_for, case):
    api = api_for(people.alpha_user)
    response = api.post(f"/cases/{case.number}/messages", json={"body": "psst", "internal": True})
    assert response.status_code == 403
    response = api.post(
        f"/cases/{case.number}/attachments",
        data={"file": (io.BytesIO(PDF), "x.pdf"), "internal": "true"},
        content_type="multipart/form-data",
    )
    assert response.status_code == 403


def test_staff_internal_note_through_api(people, api_for, case):
    response = api_for(people.agent).post(f"/cases/{case.number}/messages", json={"body": "note", "internal": True})
    assert response.status_code == 201
    assert response.get_json()["internal"] is True
    assert "note" not in [
        m["body"] for m in api_for(people.alpha_user).get(f"/cases/{case.number}").get_json()["messages"]
    ]


# ------------------------------------------------------------------ submit


def _new(**overrides):
    body = {
        "participant": "ALPHA",
        "request_type": "general_question",
        "topic": None,
        "subject": "API question",
        "description": "Asked through the API.",
        "fields": {},
    }
    body.update(overrides)
    return body


def test_create_case(people, api_for):
    response = api_for(people.alpha_user).post("/cases", json=_new())
    assert response.status_code == 201, response.get_json()
    data = response.get_json()
    assert data["number"].startswith("AI-") and data["participant"]["code"] == "ALPHA"
    assert data["source"] == "api" and data["status"] == "new"
    assert response.headers["Location"].endswith(f"/api/v1/cases/{data['number']}")


def test_create_case_field_errors(people, api_for):
    """The request type's own fields are the catalogue's rules: well-formed but refused is 422."""
    response = api_for(people.alpha_user).post(
        "/cases",
        json=_new(request_type="fcts_access", fields={"work_phone": "12", "email": "nope"}),
    )
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "invalid"
    assert {"fields.work_phone", "fields.email", "fields.company"} <= set(error["fields"])
    assert db.session.query(Case).count() == 0


@pytest.mark.parametrize(
    "change",
    [
        {"subject": ""},
        {"subject": " \t\u3000 "},
        {"subject": "x" * 201},
        {"description": "\n"},
        {"description": "a\x00b"},
        {"participant": "AL\x00PHA"},
        {"fields": {"work_phone": "1\x00"}},
    ],
)
def test_create_case_document_errors(people, api_for, change):
    """What the document itself refuses (blank, too long, NUL) is 400, before any service runs."""
    response = api_for(people.alpha_user).post("/cases", json=_new(**change))
    assert response.status_code == 400, response.get_json()
    assert response.get_json()["error"]["code"] == "invalid"
    assert db.session.query(Case).count() == 0


def test_unknown_request_type_is_422(people, api_for):
    response = api_for(people.alpha_user).post("/cases", json=_new(request_type="no_such_type"))
    assert response.status_code == 422
    assert response.get_json()["error"]["fields"]["request_type"] == "Choose a request type from the list."


def test_create_case_schema_errors(people, api_for):
    response = api_for(people.alpha_user).post("/cases", json={"request_type": 5, "extra": 1})
    assert response.status_code == 400
    assert {"request_type", "extra", "subject", "description"} <= set(response.get_json()["error"]["fields"])


@pytest.mark.parametrize("code", ["BETA", "NOPE", "beta"])
def test_cannot_submit_for_a_participant_you_do_not_belong_to(people, api_for, code):
    response = api_for(people.alpha_user).post("/cases", json=_new(participant=code))
    assert response.status_code == 422
    assert response.get_json()["error"]["fields"]["participant"] == "Choose one of your companies."
    assert db.session.query(Case).count() == 0


def test_file_required_request_type_by_multipart(people, api_for):
    import json

    api = api_for(people.alpha_user)
    body = _new(request_type="registration_form", fields={"form_type": "Other"})
    assert api.post("/cases", json=body).get_json()["error"]["fields"]["files"]
    response = api.post(
        "/cases",
        data={"case": json.dumps(body), "file": (io.BytesIO(PDF), "form.pdf")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 201, response.get_json()
    assert [a["filename"] for a in response.get_json()["attachments"]] == ["form.pdf"]


def test_idempotency_key_makes_one_case(people, api_for):
    api = api_for(people.alpha_user)
    headers = {"Idempotency-Key": "7d1f1c1e-retry-1"}
    first = api.post("/cases", json=_new(), headers=headers)
    second = api.post("/cases", json=_new(), headers=headers)
    assert first.status_code == second.status_code == 201
    assert first.get_json()["number"] == second.get_json()["number"]
    assert second.headers["Idempotent-Replayed"] == "true"
    assert db.session.query(Case).count() == 1
    # The key is the person's own: someone else's identical key makes their own case.
    other = api_for(people.alpha_colleague).post("/cases", json=_new(), headers=headers)
    assert other.status_code == 201 and other.get_json()["number"] != first.get_json()["number"]


def test_replayed_submission_is_404_once_membership_ends(people, api_for):
    """The attack: file with a key, lose the membership, replay the same request to read the case back."""
    from askiso.cams.models import Membership
    from askiso.cams.services import end_membership

    api = api_for(people.alpha_user)
    headers = {"Idempotency-Key": "replay-after-leaving"}
    first = api.post("/cases", json=_new(subject="Secret plan"), headers=headers)
    assert first.status_code == 201
    membership = db.session.query(Membership).filter_by(user_id=people.alpha_user.id).one()
    end_membership(people.agent, membership, staff=True)
    db.session.commit()
    replay = api.post("/cases", json=_new(subject="Secret plan"), headers=headers)
    assert replay.status_code == 404
    assert replay.get_json()["error"]["code"] == "not_found"
    assert "Secret plan" not in replay.get_data(as_text=True)
    assert "Idempotent-Replayed" not in replay.headers and "Location" not in replay.headers
    assert api.get(f"/cases/{first.get_json()['number']}").status_code == 404
    assert db.session.query(Case).count() == 1


def test_idempotency_key_on_messages(people, api_for, case):
    api = api_for(people.alpha_user)
    headers = {"Idempotency-Key": "reply-1"}
    first = api.post(f"/cases/{case.number}/messages", json={"body": "once"}, headers=headers)
    second = api.post(f"/cases/{case.number}/messages", json={"body": "once"}, headers=headers)
    assert first.status_code == second.status_code == 201
    assert first.get_json()["id"] == second.get_json()["id"]
    bodies = [m["body"] for m in api.get(f"/cases/{case.number}").get_json()["messages"]]
    assert bodies.count("once") == 1
    other = new_case(people.alpha_user, people.alpha)
    reused = api.post(f"/cases/{other.number}/messages", json={"body": "x"}, headers=headers)
    assert reused.status_code == 422


def test_bad_idempotency_key(people, api_for):
    response = api_for(people.alpha_user).post("/cases", json=_new(), headers={"Idempotency-Key": "a b"})
    assert response.status_code == 400


# ------------------------------------------------------------------ files


def test_upload_errors(people, api_for, case, app):
    api = api_for(people.alpha_user)
    url = f"/cases/{case.number}/attachments"
    assert api.post(url, json={"file": "x"}).status_code == 415
    assert api.post(url, data={"body": "no file"}, content_type="multipart/form-data").status_code == 400
    refused = api.post(
        url, data={"file": (io.BytesIO(b"<html><script>"), "x.html")}, content_type="multipart/form-data"
    )
    assert refused.status_code == 422
    assert "file" in refused.get_json()["error"]["fields"]
    app.config["MAX_FILE_BYTES"], saved = 10, app.config["MAX_FILE_BYTES"]
    try:
        big = api.post(url, data={"file": (io.BytesIO(PDF), "big.pdf")}, content_type="multipart/form-data")
    finally:
        app.config["MAX_FILE_BYTES"] = saved
    assert big.status_code == 413
    assert big.get_json()["error"]["code"] == "too_large"


# ------------------------------------------------------------------ PATCH


def test_participant_may_close_and_reopen_only(people, api_for, case):
    api = api_for(people.alpha_user)
    assert api.patch(f"/cases/{case.number}", json={"priority": "urgent"}).status_code == 403
    assert api.patch(f"/cases/{case.number}", json={"status": "waiting"}).status_code == 403
    closed = api.patch(f"/cases/{case.number}", json={"status": "closed", "reason": "Answered"})
    assert closed.status_code == 200 and closed.get_json()["status"] == "closed"
    reopened = api.patch(f"/cases/{case.number}", json={"status": "in_progress"})
    assert reopened.status_code == 200 and reopened.get_json()["status"] == "in_progress"
    assert db.session.get(Case, case.id).priority == "normal"


def test_staff_patch_and_stale_version(people, api_for, case):
    api = api_for(people.agent)
    version = api.get(f"/cases/{case.number}").get_json()["version"]
    response = api.patch(
        f"/cases/{case.number}",
        json={"priority": "high", "queue": "settlements", "assignee": people.agent.email, "version": version},
    )
    assert response.status_code == 200, response.get_json()
    data = response.get_json()
    assert (data["priority"], data["queue"], data["assignee"]) == ("high", "settlements", people.agent.email)
    stale = api.patch(f"/cases/{case.number}", json={"status": "waiting", "version": version})
    assert stale.status_code == 409
    assert stale.get_json()["error"]["code"] == "conflict"
    bad = api.patch(f"/cases/{case.number}", json={"assignee": people.alpha_user.email, "queue": "nope"})
    assert bad.status_code == 422
    assert set(bad.get_json()["error"]["fields"]) >= {"queue"}


# ------------------------------------------------------------------ listing


def test_list_filters_and_cursor(people, api_for):
    made = [new_case(people.alpha_user, people.alpha, subject=f"Case {i}") for i in range(5)]
    new_case(people.both, people.beta, subject="Beta one")
    api = api_for(people.both)
    assert [i["subject"] for i in api.get("/cases").get_json()["items"]] == ["Beta one"]
    api = api_for(people.alpha_user)
    seen, cursor = [], None
    while True:
        page = api.get("/cases", query_string={"limit": 2, **({"cursor": cursor} if cursor else {})}).get_json()
        seen += [i["number"] for i in page["items"]]
        cursor = page["next"]
        if cursor is None:
            break
    assert seen == [c.number for c in reversed(made)]
    assert api.get("/cases", query_string={"status": "closed"}).get_json()["items"] == []
    assert len(api.get("/cases", query_string={"participant": "alpha"}).get_json()["items"]) == 5
    assert api.get("/cases", query_string={"participant": "BETA"}).get_json()["items"] == []
    assert api.get("/cases", query_string={"cursor": "forged"}).status_code == 400  # not a cursor's shape
    first = api.get("/cases", query_string={"limit": 2}).get_json()["next"]
    # A cursor's shape, but not one this server signed, or one made for other filters: well-formed, refused.
    assert api.get("/cases", query_string={"cursor": first[:-2] + "xx"}).status_code == 422
    assert api.get("/cases", query_string={"limit": 2, "cursor": first, "status": "new"}).status_code == 422
    assert api.get("/cases", query_string={"status": "bogus"}).status_code == 400
    assert api.get("/cases", query_string={"q": "x\x00"}).status_code == 400
    assert api.get("/cases", query_string={"q": "x" * 201}).status_code == 400
    assert api.get("/cases", query_string={"q": "x" * 200}).status_code == 200

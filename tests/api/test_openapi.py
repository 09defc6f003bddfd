"""The OpenAPI document states what the server enforces, every status it answers, and links."""

import io

import pytest

from askiso.api.openapi import add_links
from askiso.cases.fields import MAX_TEXTAREA
from askiso.cases.services import BODY_MAX, SUBJECT_MAX
from tests.cases.helpers import new_case, pdf_file


@pytest.fixture
def document(client):
    return client.get("/api/v1/openapi.json").get_json()


def _operations(document):
    return {
        f"{method.upper()} {path}": op for path, methods in document["paths"].items() for method, op in methods.items()
    }


def test_document_lists_every_operation(document):
    assert set(_operations(document)) >= {
        "GET /me",
        "GET /request-types",
        "GET /cases",
        "POST /cases",
        "GET /cases/{number}",
        "PATCH /cases/{number}",
        "POST /cases/{number}/messages",
        "POST /cases/{number}/attachments",
        "GET /cases/{number}/attachments/{attachment_id}",
        "GET /obligations",
        "GET /cases/{number}/receipt",
        "POST /receipts/verify",
        "GET /openapi.json",
    }


def test_every_operation_lists_the_errors_it_can_answer(document):
    for label, op in _operations(document).items():
        statuses = set(op["responses"])
        public = op.get("security") == []
        method, path = label.split(" ", 1)
        assert "429" in statuses, label
        assert ("401" in statuses) is not public, label
        if method != "GET" and not public:
            assert "403" in statuses, label
        if "{" in path:
            assert "404" in statuses, label
        if "requestBody" in op:
            assert {"400", "413", "415"} <= statuses, label
        for status in statuses - {"200", "201"}:
            assert op["responses"][status]["content"]["application/json"]["schema"]["$ref"].endswith("/Error")
    ops = _operations(document)
    assert {"409", "422"} <= set(ops["PATCH /cases/{number}"]["responses"])
    assert {"422", "503"} <= set(ops["GET /cases"]["responses"])
    assert "422" in ops["POST /cases"]["responses"]


def test_limits_are_in_the_document(document):
    create = document["components"]["schemas"]["CaseCreate"]["properties"]
    # The case services' own limits, so that the document cannot drift from them.
    assert create["subject"]["maxLength"] == SUBJECT_MAX and create["description"]["maxLength"] == BODY_MAX
    assert create["fields"]["additionalProperties"]["oneOf"][0]["maxLength"] == MAX_TEXTAREA
    message = document["components"]["schemas"]["MessageCreate"]["properties"]["body"]
    assert message["maxLength"] == BODY_MAX
    assert "pattern" in create["subject"] and "pattern" in create["request_type"]
    params = {p["name"]: p["schema"] for p in _operations(document)["GET /cases"]["parameters"]}
    assert params["q"]["maxLength"] == 200 and params["cursor"]["pattern"].startswith("^")
    number = _operations(document)["GET /cases/{number}"]["parameters"][0]["schema"]
    assert number["pattern"] == "^AI-[0-9]{4}-[0-9]{6,}$"


def test_links_reach_the_case_level_operations(document):
    ops = _operations(document)
    created = ops["POST /cases"]["responses"]["201"]["links"]
    listed = ops["GET /cases"]["responses"]["200"]["links"]
    case_level = {"get_case", "patch_case", "add_message", "upload_attachment", "case_receipt"}
    assert case_level <= set(created) and case_level <= set(listed)
    assert created["get_case"]["parameters"] == {"number": "$response.body#/number"}
    assert listed["add_message"]["parameters"] == {"number": "$response.body#/items/0/number"}
    uploaded = ops["POST /cases/{number}/attachments"]["responses"]["201"]["links"]["download_attachment"]
    assert uploaded["parameters"] == {"number": "$request.path.number", "attachment_id": "$response.body#/id"}


def test_links_are_made_for_any_operation_declared_the_usual_way():
    """A new resource gets links from its list and its creation without listing them anywhere."""
    ref = {"$ref": "#/components/schemas/Article"}
    document = {
        "components": {
            "schemas": {
                "Article": {"properties": {"slug": {"type": "string"}, "title": {"type": "string"}}},
                "ArticleList": {"properties": {"items": {"type": "array", "items": ref}}},
            }
        },
        "paths": {
            "/articles": {
                "get": {
                    "operationId": "articles",
                    "responses": {
                        "200": {
                            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ArticleList"}}}
                        }
                    },
                }
            },
            "/articles/{slug}": {
                "get": {
                    "operationId": "article",
                    "parameters": [{"in": "path", "name": "slug"}],
                    "responses": {"200": {"content": {"application/json": {"schema": ref}}}},
                }
            },
        },
    }
    add_links(document)
    links = document["paths"]["/articles"]["get"]["responses"]["200"]["links"]
    assert links == {"article": {"operationId": "article", "parameters": {"slug": "$response.body#/items/0/slug"}}}


def test_path_values_that_cannot_name_anything_are_not_found(people, api_for):
    case = new_case(people.alpha_user, people.alpha, files=[pdf_file()])
    api = api_for(people.alpha_user)
    assert api.get("/cases/AI-2026-00%00001").status_code == 404
    assert api.get("/cases/not-a-number").status_code == 404
    assert api.get(f"/cases/{case.number}/attachments/99999999999999999999999").status_code == 404
    assert api.get(f"/cases/{case.number}").status_code == 200


def test_booleans_are_booleans(people, api_for):
    case = new_case(people.alpha_user, people.alpha)
    api = api_for(people.alpha_user)
    assert api.post(f"/cases/{case.number}/messages", json={"body": "x", "internal": 0}).status_code == 400
    assert api.post(f"/cases/{case.number}/messages", json={"body": " "}).status_code == 400
    url = f"/cases/{case.number}/attachments"
    odd = api.post(url, data={"file": (io.BytesIO(b"%PDF-1.4\n"), "a.pdf"), "internal": "maybe"})
    assert odd.status_code == 400 and "internal" in odd.get_json()["error"]["fields"]
    nul = api.post(url, data={"file": (io.BytesIO(b"%PDF-1.4\n"), "a.pdf"), "body": "a\x00"})
    assert nul.status_code == 400 and "body" in nul.get_json()["error"]["fields"]


def test_reference_page_states_the_limits_in_words(client):
    page = client.get("/api/docs").get_data(as_text=True)
    assert "not blank, no NUL character" in page and "max length 200" in page


def test_nul_is_refused_and_documented_for_every_operation(client, document):
    """Also for a view whose schema says nothing about it (POST /receipts/verify's plain string)."""
    receipt = document["components"]["schemas"]["VerifyRequest"]["properties"]["receipt"]
    assert receipt["pattern"] == "^(?![\\s\\S]*\\x00)"
    response = client.post("/api/v1/receipts/verify", json={"receipt": "a\x00b"})
    assert response.status_code == 400
    assert response.get_json()["error"]["fields"] == {"receipt": "Use text without NUL characters."}
    assert client.post("/api/v1/receipts/verify", json={"receipt": "ab"}).status_code == 200

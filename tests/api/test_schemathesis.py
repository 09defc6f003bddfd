"""Property-based tests of the API against its own OpenAPI document (schemathesis).

Every documented operation gets generated requests, in-process through the
WSGI app, with a real token: no server error, and every answer must match
the document (status code, content type, body schema).

The operations are driven with Hypothesis directly rather than through
schemathesis' pytest plugin, whose fixture-based loading relies on pytest
internals that pytest 9 no longer has.
"""

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import checks

from tests.api.conftest import make_token
from tests.cases.helpers import new_case, pdf_file

CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_schema_conformance,
]
EXAMPLES = 15


@pytest.fixture
def api_schema(app, people):
    new_case(people.alpha_user, people.alpha, files=[pdf_file()])
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)


def _operations(schema):
    return [result.ok() for result in schema.get_all_operations()]


def test_document_lists_every_operation(api_schema):
    labels = {op.label for op in _operations(api_schema)}
    assert labels == {
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
        "GET /articles",
        "GET /cases/{number}/receipt",
        "POST /receipts/verify",
    }


@pytest.mark.parametrize("who", ["alpha_user", "agent"])
def test_api_matches_its_document(api_schema, people, who):
    headers = {"Authorization": f"Bearer {make_token(getattr(people, who))}"}
    for operation in _operations(api_schema):

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            derandomize=True,
            database=None,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        def run(case):
            case.call_and_validate(headers=headers, checks=CHECKS)

        run()

"""The API keeps its own contract: schemathesis, all checks, stateful phase included.

The app is served on a real socket (werkzeug in a thread) and schemathesis
loads /api/v1/openapi.json from it and runs its whole engine: examples,
coverage, fuzzing and the stateful phase (which follows the document's links
from GET /cases and POST /cases to every case-level operation with real
numbers). Every check is on: no server error, documented status codes,
content types, headers and bodies; schema-valid requests accepted;
schema-violating requests refused; and the rest.

The one setting (schemathesis.toml): `positive_data_acceptance` also accepts 422, the documented
answer to a well-formed request that the server's state refuses (a request
type that is not in the catalogue, a company that is not yours, a file whose
content is refused): see docs/api.md, "Status codes". A 400 for a request
the document allows is still a failure.
"""

import threading
import tomllib
from pathlib import Path

import pytest
import schemathesis
from schemathesis.config import SchemathesisConfig
from schemathesis.engine import Status, events
from werkzeug.serving import make_server

from tests.api.conftest import make_token
from tests.cases.helpers import new_case, pdf_file

# The API's settings (422 accepted for well-formed requests), shared with a run by hand.
SETTINGS = tomllib.loads((Path(__file__).parent / "schemathesis.toml").read_text())


@pytest.fixture
def live_api(app, people):
    """The app on 127.0.0.1:<free port>, with a case (and a file) for the stateful phase to find."""
    new_case(people.alpha_user, people.alpha, files=[pdf_file()])
    app.config["API_RATE_LIMIT"], saved = "100000/minute", app.config.get("API_RATE_LIMIT")
    server = make_server("127.0.0.1", 0, app, threaded=False)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join()
        app.config["API_RATE_LIMIT"] = saved


def run_schemathesis(base_url, token, *, seed=1, max_examples=5, max_steps=10, coverage=True):
    """Run schemathesis' whole engine; returns (failures as text, {phase: operations tested})."""
    config = SchemathesisConfig.from_dict(
        {
            "seed": seed,
            "headers": {"Authorization": f"Bearer {token}"},
            "checks": {"enabled": True, **SETTINGS["checks"]},
            "generation": {"max-examples": max_examples, "deterministic": True, "database": "none"},
            "phases": {
                # Only the document's own links lead from one answer to the next request (no guessing
                # from Location headers or names): the test shows that the links are there and work.
                "stateful": {"max-steps": max_steps, "inference": {"algorithms": []}},
                "coverage": {"enabled": coverage},
            },
        }
    )
    schema = schemathesis.openapi.from_url(f"{base_url}/api/v1/openapi.json", config=config)
    failures, tested = [], {}
    for event in schemathesis.engine.from_schema(schema).execute():
        if isinstance(event, events.ScenarioFinished):
            phase = tested.setdefault(event.phase.name, set())
            for case_id, checks in event.recorder.checks.items():
                node = event.recorder.cases.get(case_id)
                if node is not None:
                    phase.add(f"{node.value.method.upper()} {node.value.operation.path}")
                for check in checks:
                    if check.status == Status.FAILURE:
                        failures.append(_describe(event, case_id, check))
            if event.status == Status.ERROR:
                failures.append(f"{event.label}: error in {event.phase.name}")
        elif isinstance(event, events.NonFatalError):
            failures.append(f"{event.label}: {event.info.format()}")
        elif isinstance(event, events.FatalError):
            failures.append(f"fatal: {event.exception!r}")
    return sorted(set(failures)), tested


def _describe(event, case_id, check):
    info = check.failure_info
    failure = info.failure if info is not None else None
    what = getattr(failure, "title", "") or check.name
    text = getattr(failure, "message", "")
    curl = info.code_sample if info is not None else ""
    interaction = event.recorder.interactions.get(case_id)
    answer = ""
    if interaction is not None and interaction.response is not None:
        answer = f"-> {interaction.response.status_code} {interaction.response.content[:300]!r}"
    return f"[{event.phase.name}] {check.name}: {what}\n{text}\n{curl[:1500]}\n{answer}"


CASE_LEVEL = {
    "GET /cases/{number}",
    "PATCH /cases/{number}",
    "POST /cases/{number}/messages",
    "POST /cases/{number}/attachments",
    "GET /cases/{number}/receipt",
}


def test_api_keeps_its_contract(live_api, people):
    """Every phase, every check, as a participant."""
    failures, tested = run_schemathesis(live_api, make_token(people.alpha_user))
    assert not failures, "\n\n".join(failures)
    assert {"COVERAGE", "FUZZING", "STATEFUL_TESTING"} <= set(tested)
    # The stateful phase reached the case-level operations through the links, with real numbers.
    assert CASE_LEVEL <= tested["STATEFUL_TESTING"]


def test_api_keeps_its_contract_for_staff(live_api, people):
    """The same as staff (internal notes and files, queues, assignees), without the coverage phase:
    its boundary values are the same for everyone and take most of the time."""
    failures, tested = run_schemathesis(live_api, make_token(people.agent), coverage=False, max_steps=25)
    assert not failures, "\n\n".join(failures)
    assert CASE_LEVEL <= tested["STATEFUL_TESTING"]

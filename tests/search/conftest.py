"""Search fixtures: a fresh index per test, both backends, and a case builder."""

import itertools

import pytest
from sqlalchemy import select

from askiso.cases.models import Case, CaseContact, Message, RequestType
from askiso.extensions import db
from askiso.search import services
from askiso.search.worker import process_queue

_numbers = itertools.count(1)


@pytest.fixture(params=["whoosh", "postgres"])
def backend(request, app, tmp_path):
    """Run the test once per backend; postgres only on a PostgreSQL test database."""
    if request.param == "postgres" and db.engine.dialect.name != "postgresql":
        pytest.skip("the postgres search backend needs TEST_DATABASE_URL=postgresql://...")
    saved = {k: app.config.get(k) for k in ("SEARCH_BACKEND", "SEARCH_INDEX_DIR")}
    app.config.update(SEARCH_BACKEND=request.param, SEARCH_INDEX_DIR=str(tmp_path / "search-index"))
    yield request.param
    app.config.update(saved)


def make_case(
    participant,
    submitter,
    subject,
    description="",
    *,
    messages=(),
    status="new",
    request_type="general_question",
    contacts=(),
    field_values=None,
):
    """A Case with messages, straight from the models; committed.

    messages: (body, is_internal, author) tuples.
    """
    rtype = db.session.scalar(select(RequestType).where(RequestType.key == request_type))
    case = Case(
        number=f"AI-2026-{next(_numbers):06d}",
        participant_id=participant.id if participant else None,
        submitter_id=submitter.id if submitter else None,
        request_type_id=rtype.id,
        queue_id=rtype.queue_id,
        subject=subject,
        description=description or subject,
        field_values=field_values or {},
        status=status,
    )
    db.session.add(case)
    db.session.flush()
    for body, internal, author in messages:
        db.session.add(
            Message(case_id=case.id, author_id=author.id if author else None, body=body, is_internal=internal)
        )
    for user in contacts:
        db.session.add(CaseContact(case_id=case.id, user_id=user.id))
    db.session.commit()
    return case


def add_message(case, body, author, internal=False):
    db.session.add(Message(case_id=case.id, author_id=author.id, body=body, is_internal=internal))
    db.session.commit()


def find(viewer, q="", **filters):
    """Case numbers the viewer finds (first page), after draining the queue."""
    process_queue()
    parsed, page = services.search(viewer, q, **filters)
    assert not parsed.errors, parsed.errors
    return [r.case.number for r in page.results]


def results(viewer, q="", **filters):
    process_queue()
    return services.search(viewer, q, **filters)[1]

"""SQL statements per page must not grow with the data: an N+1 shows up here.

Each main page is requested on a small data set, then more cases, messages,
contacts and files are added and the page is requested again; the number of
statements must stay the same. Counts, not times: nothing here is timed.

Each request runs in an app context (so a database session) of its own, as in
production: nothing the test itself loaded can answer a page's lazy load from
the identity map. The added data comes from several people, companies, queues
and assignees, so a query per row or per related object shows as growth.
"""

import re

import pytest
from sqlalchemy import event

from askiso.cases import services
from askiso.extensions import db
from askiso.search.worker import process_queue
from askiso.staff import services as staff_services
from tests.cases.helpers import new_case, pdf_file


class StatementCounter:
    def __init__(self, engine):
        self.engine = engine
        self.count = 0

    def __call__(self, *args):
        self.count += 1

    def get(self, client, path):
        """Request `path` in a fresh app context; returns (statements, page text)."""
        self.count = 0
        with client.application.app_context():
            event.listen(self.engine, "before_cursor_execute", self)
            try:
                response = client.get(path)
            finally:
                event.remove(self.engine, "before_cursor_execute", self)
        assert response.status_code == 200, path
        return self.count, response.get_data(as_text=True)


def _grow(people, case, cases=30, messages=20):
    """More cases for the lists (three submitters, two companies, three request types and
    queues, two assignees), more messages with files on the case from four authors, and
    two contacts."""
    submitters = [(people.alpha_user, people.alpha), (people.alpha_colleague, people.alpha),
                  (people.beta_user, people.beta)]
    kinds = ["general_question", "billing_dispute", "data_feeds"]
    billing = {"operating_day": "2026-01-05", "statement": "Initial", "charge": "NCPC",
               "amount": "120.00", "explanation": "Settlement statement differs."}
    assignees = [None, people.agent, people.supervisor]
    for i in range(cases):
        actor, participant = submitters[i % 3]
        kind = kinds[(i // 3) % 3]
        other = new_case(actor, participant, request_type=kind, commit=False, subject=f"Settlement statement {i}",
                         field_values=billing if kind == "billing_dispute" else {})
        services.add_message(other, actor, f"More about statement {i}")
        if assignees[i % 3] is not None:
            staff_services.assign(other, people.supervisor, assignees[i % 3].id)
    services.add_contact(case, people.alpha_user, people.alpha_colleague)
    services.add_contact(case, people.alpha_user, people.alpha_manager)
    for i in range(messages):
        services.add_message(case, people.alpha_user, f"Settlement statement follow-up {i}",
                             files=[pdf_file(f"statement-{i}.pdf")])
        services.add_message(case, people.alpha_colleague, f"Colleague on statement {i}")
        services.add_message(case, people.agent, f"Internal note on statement {i}", internal=True,
                             files=[pdf_file(f"note-{i}.pdf")])
        services.add_message(case, people.supervisor, f"Answer on statement {i}")
    db.session.commit()
    process_queue()


CASE_NUMBER = re.compile(r"\b[A-Z]+-\d{4}-\d{6}\b")
MESSAGE = re.compile(r'id="message-\d+"')


def _shown(kind, page):
    """How many rows the page shows: distinct case numbers for lists, messages for a case."""
    return len(set(CASE_NUMBER.findall(page))) if kind == "list" else len(MESSAGE.findall(page))


PAGES = [
    ("alpha_user", "list", lambda case: "/cases"),
    ("alpha_manager", "list", lambda case: "/cases/company"),
    ("alpha_user", "case", lambda case: f"/cases/{case.number}"),
    ("alpha_user", "list", lambda case: "/search?q=settlement+statement"),
    ("agent", "list", lambda case: "/staff/cases"),
    ("agent", "case", lambda case: f"/staff/cases/{case.number}"),
    ("agent", "list", lambda case: "/search?q=settlement+statement"),
]


@pytest.mark.parametrize(("who", "kind", "path"), PAGES,
                         ids=[f"{w}:{p(type('C', (), {'number': 'N'}))}" for w, _k, p in PAGES])
def test_statements_per_page_do_not_grow_with_data(app, people, client_for, who, kind, path):
    # The small set has one of each related row a list shows (here an assignee): an eager
    # load by IN runs once any row on the page has one, a constant that is not growth.
    case = new_case(people.alpha_user, people.alpha)
    services.add_message(case, people.alpha_user, "About the settlement statement")
    staff_services.assign(case, people.supervisor, people.agent.id)
    db.session.commit()
    process_queue()
    client = client_for(getattr(people, who))
    counter = StatementCounter(db.engine)
    counter.get(client, path(case))  # warm-up: first-request work (catalogue, session touch)
    before, small = counter.get(client, path(case))

    _grow(people, case)
    after, large = counter.get(client, path(case))

    assert _shown(kind, large) > _shown(kind, small), f"{path(case)}: the added data is not on the page"
    assert before > 0
    assert after == before, f"{path(case)}: {before} statements with little data, {after} with more"

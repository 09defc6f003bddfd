"""My cases and company cases: scope, filters, counts, keyset pages, no N+1."""

from datetime import timedelta

from askiso.cases import services
from askiso.cases.listing import CaseFilters, decode_cursor, list_cases, my_scope
from askiso.cases.models import Case
from askiso.core.timeutil import utcnow
from askiso.extensions import db
from tests.cases.helpers import new_case
from tests.statements import recorded_statements


def _rows(html):
    import re

    return re.findall(r'data-case="([^"]+)"', html)


def _make(people, n, actor=None, participant=None, **kw):
    cases = []
    base = utcnow() - timedelta(days=1)
    for i in range(n):
        case = new_case(actor or people.alpha_user, participant or people.alpha, subject=f"Case {i}", **kw)
        case.updated_at = base + timedelta(minutes=i)
        cases.append(case)
    db.session.commit()
    return cases


def test_my_cases_shows_own_and_contact_cases_only(people, client_for):
    own = new_case(people.alpha_user, people.alpha, subject="Mine")
    followed = new_case(people.alpha_colleague, people.alpha, subject="Followed")
    services.add_contact(followed, people.alpha_colleague, people.alpha_user)
    other = new_case(people.alpha_colleague, people.alpha, subject="Not mine")
    db.session.commit()
    rows = _rows(client_for(people.alpha_user).get("/cases").text)
    assert set(rows) == {own.number, followed.number} and other.number not in rows


def test_pages_follow_the_cursor_without_repeats(people, client_for):
    cases = _make(people, 7)
    client = client_for(people.alpha_user)
    seen, url = [], "/cases"
    from askiso.cases import listing

    old = listing.PAGE_SIZE
    listing.PAGE_SIZE = 3
    try:
        while url:
            html = client.get(url).text
            seen += _rows(html)
            import re

            match = re.search(r'href="([^"]+)" rel="next"', html)
            url = match.group(1).replace("&amp;", "&") if match else None
    finally:
        listing.PAGE_SIZE = old
    assert seen == [c.number for c in reversed(cases)]


def test_cursor_works_for_every_sort_and_ignores_garbage(people):
    cases = _make(people, 5)
    for sort in ("updated", "created", "number"):
        filters = CaseFilters(sort=sort)
        first = list_cases(people.alpha_user, my_scope(people.alpha_user), filters, page_size=2)
        second = list_cases(people.alpha_user, my_scope(people.alpha_user), filters, first.next_cursor, page_size=2)
        assert len(first.rows) == 2 and len(second.rows) == 2
        assert not {c.id for c in first.rows} & {c.id for c in second.rows}
    assert decode_cursor("not-a-cursor", "updated") is None
    assert decode_cursor(first.next_cursor, "updated") is None  # a cursor of another sort
    assert len(cases) == 5


def test_filters_and_counts(people, client_for):
    a = new_case(people.alpha_user, people.alpha, subject="Meter data 100% wrong")
    b = new_case(people.alpha_user, people.alpha, subject="Invoice question", request_type="system_access",
                 field_values={"system": "CAMS"})
    services.close_case(b, people.alpha_user, "done")
    db.session.commit()
    client = client_for(people.alpha_user)
    html = client.get("/cases?status=closed").text
    assert _rows(html) == [b.number]
    assert 'data-count="closed">1<' in html and 'data-count="new">1<' in html and 'data-count="all">2<' in html
    assert _rows(client.get("/cases?q=100%25").text) == [a.number]
    assert _rows(client.get("/cases?q=%25").text) == [a.number]  # % is a character, not a wildcard
    assert _rows(client.get(f"/cases?q={b.number.lower()}").text) == [b.number]
    assert _rows(client.get("/cases?request_type=system_access").text) == [b.number]
    assert _rows(client.get("/cases?sort=number").text) == [b.number, a.number]
    assert _rows(client.get("/cases?status=bogus&sort=evil").text) == [b.number, a.number]


def test_company_cases_for_external_managers_only_of_their_participant(people, client_for):
    alpha_case = new_case(people.alpha_user, people.alpha, subject="Alpha thing")
    beta_case = new_case(people.beta_user, people.beta, subject="Beta thing")
    html = client_for(people.alpha_manager).get("/cases/company").text
    assert _rows(html) == [alpha_case.number] and "Ann User" in html
    assert beta_case.number not in html
    # Filtering by a participant they do not manage shows nothing of it.
    html = client_for(people.alpha_manager).get(f"/cases/company?participant={people.beta.id}").text
    assert _rows(html) == []
    assert client_for(people.alpha_user).get("/cases/company").status_code == 404


def test_manager_of_one_participant_does_not_see_their_other_participants_cases(people, client_for):
    from tests import factories

    factories.add_member(people.alpha_manager, people.beta)  # a plain member of beta
    db.session.commit()
    beta_case = new_case(people.beta_user, people.beta, subject="Beta thing")
    client = client_for(people.alpha_manager)
    assert beta_case.number not in client.get("/cases/company").text
    assert client.get(f"/cases/{beta_case.number}").status_code == 404


def test_ended_membership_removes_cases_from_lists_at_once(people, client_for):
    case = new_case(people.alpha_user, people.alpha)
    client = client_for(people.alpha_user)
    assert case.number in client.get("/cases").text
    from askiso.cams.models import Membership

    membership = db.session.scalar(db.select(Membership).where(Membership.user_id == people.alpha_user.id))
    membership.is_active = False
    db.session.commit()
    assert case.number not in client.get("/cases").text
    assert client.get(f"/cases/{case.number}").status_code == 404


def test_list_query_count_does_not_grow_with_rows(people, client_for):
    client = client_for(people.alpha_manager)

    def count_queries():
        with recorded_statements() as statements:
            assert client.get("/cases/company").status_code == 200
        return len(statements)

    _make(people, 2)
    count_queries()  # warm-up: the first request reads the catalogue (kept per process after)
    few = count_queries()
    _make(people, 8, actor=people.alpha_colleague)
    assert count_queries() == few
    assert db.session.scalar(db.select(db.func.count(Case.id))) == 10


def _cells(html, number):
    """The cells of the row of case `number`: {data-label: text}."""
    import re

    row = re.search(r'<tr[^>]*data-case="' + re.escape(number) + r'"[^>]*>(.*?)</tr>', html, re.S).group(1)
    return {label: re.sub(r"<[^>]+>", "", text).strip()
            for label, text in re.findall(r'<td data-label="([^"]+)">(.*?)</td>', row, re.S)}


def test_rows_name_their_company_request_type_and_submitter(people, client_for):
    """The company code (from the viewer's memberships) and request type name (from the catalogue) of
    each row are its own, not another row's; a retired request type keeps its name on old cases."""
    from askiso.cases.models import RequestType

    alpha = new_case(people.both, people.alpha, subject="For alpha")
    beta = new_case(people.both, people.beta, request_type="data_feeds", subject="For beta")
    general = new_case(people.both, None, subject="No company")
    retired = db.session.scalar(db.select(RequestType).where(RequestType.key == "data_feeds"))
    retired.is_active = False
    db.session.commit()
    page = client_for(people.both).get("/cases").text
    assert _cells(page, alpha.number)["Company"] == people.alpha.code
    assert _cells(page, beta.number)["Company"] == people.beta.code
    assert _cells(page, general.number)["Company"] == "General inquiry"
    assert _cells(page, alpha.number)["Request type"] == "General question"
    assert _cells(page, beta.number)["Request type"] == "Data feeds / web services access"
    company = client_for(people.alpha_manager).get("/cases/company").text
    assert _cells(company, alpha.number)["Submitted by"] == people.both.name
    assert _cells(company, alpha.number)["Request type"] == "General question"
    assert beta.number not in company


def test_only_unfiltered_my_cases_may_be_planned_once(people):
    """PostgreSQL may keep one plan for a statement marked generic_plan (askiso/core/database.py):
    only "my cases" without filters, whose plan is the submitter's index for anyone."""
    from askiso.cases import listing
    from askiso.cases.listing import company_scope
    from askiso.core.database import GENERIC_PLAN

    new_case(people.alpha_user, people.alpha)
    db.session.commit()

    def marked(viewer, scope, filters):
        listing._KEPT.clear()
        list_cases(viewer, scope, filters)
        return {shape[0]: bool(stmt.get_execution_options().get(GENERIC_PLAN)) for shape, stmt in listing._KEPT.items()}

    assert marked(people.alpha_user, my_scope(people.alpha_user), CaseFilters()) == {"my-counts": True, "rows": True}
    # the tabs' counts leave the status filter out: the same counts as unfiltered
    assert marked(people.alpha_user, my_scope(people.alpha_user), CaseFilters(status="new")) == {
        "my-counts": True, "rows": False}
    for filters in (CaseFilters(q="statement"), CaseFilters(request_type_key="x"),
                    CaseFilters(participant_id=people.alpha.id)):
        assert not any(marked(people.alpha_user, my_scope(people.alpha_user), filters).values()), filters
    assert not any(marked(people.alpha_manager, company_scope(people.alpha_manager), CaseFilters()).values())


def test_a_contact_who_left_the_company_no_longer_sees_the_case_it_followed(people, client_for):
    """Following a case is not a way in: once the contact's membership of the case's company ends,
    the case leaves their list, their counts and their reach, though they still belong to another."""
    from askiso.cams.models import Membership

    followed = new_case(people.alpha_user, people.alpha, subject="Alpha dispute")
    services.add_contact(followed, people.alpha_user, people.both)
    own_beta = new_case(people.both, people.beta, subject="Beta question")
    db.session.commit()
    client = client_for(people.both)
    page = client.get("/cases").text
    assert followed.number in _rows(page) and own_beta.number in _rows(page)
    assert 'data-count="all">2<' in page

    membership = db.session.scalar(db.select(Membership).where(
        Membership.user_id == people.both.id, Membership.participant_id == people.alpha.id))
    membership.is_active = False
    db.session.commit()
    page = client.get("/cases").text
    assert _rows(page) == [own_beta.number]
    assert 'data-count="all">1<' in page
    assert client.get(f"/cases/{followed.number}").status_code == 404

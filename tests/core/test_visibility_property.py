"""Every form of the visibility rule agrees with the rule in plain words (DESIGN §1), on people,
memberships, roles, contacts and cases that Hypothesis makes up.

The rule is stated once (askiso/visibility.py RULES, with bound parameters); the forms derived
from it: case_clause and visible_cases (the statement with the values bound), the kept clause
with its values (the case lists and page), the "my cases" groups, can_view_case (the statement
read in Python), the search scope (its Scope and its SQL condition), and the filter of every
email about a case (the statement read in Python for many people at once). Each example builds
its own companies and people, files cases while everyone still belongs, then ends, removes and
changes memberships: the state a real company reaches.
"""

import itertools

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import or_, select

from askiso.cases.models import Case, CaseContact
from askiso.extensions import db
from askiso.search.scope import scope_clause, viewer_scope
from askiso.visibility import (
    bound_rule,
    can_view_case,
    case_clause,
    case_mail_recipients,
    kept_case_clause,
    kept_own_cases,
    rule_values,
    visible_cases,
)
from tests import factories
from tests.cases.helpers import new_case

PEOPLE, COMPANIES = 3, 2
_run = itertools.count()

membership = st.fixed_dictionaries(
    {"kind": st.sampled_from(["none", "active", "ended"]), "manager": st.booleans(), "admin": st.booleans()}
)
a_case = st.fixed_dictionaries(
    {
        "company": st.one_of(st.none(), st.integers(0, COMPANIES - 1)),
        "submitter": st.integers(0, PEOPLE - 1),
        "contacts": st.sets(st.integers(0, PEOPLE - 1), max_size=2),
    }
)
world = st.fixed_dictionaries(
    {
        "memberships": st.lists(membership, min_size=PEOPLE * COMPANIES, max_size=PEOPLE * COMPANIES),
        "cases": st.lists(a_case, min_size=1, max_size=3),
    }
)


def plain_rule(w, person, case):
    """DESIGN §1 in plain words."""
    if case["company"] is None:
        return case["submitter"] == person
    m = w["memberships"][person * COMPANIES + case["company"]]
    if m["kind"] != "active":
        return False
    return m["manager"] or case["submitter"] == person or person in case["contacts"]


def _build(w):
    run = next(_run)
    companies = [factories.make_participant(f"Company {run}-{c}", f"P{run}X{c}") for c in range(COMPANIES)]
    people = [factories.make_user(f"person{p}.run{run}@prop.test") for p in range(PEOPLE)]
    rows = {}
    for p, person in enumerate(people):
        for c, company in enumerate(companies):
            rows[p, c] = factories.add_member(person, company)
    cases = []
    for spec in w["cases"]:
        company = companies[spec["company"]] if spec["company"] is not None else None
        case = new_case(people[spec["submitter"]], company, commit=False)
        for contact in spec["contacts"] - {spec["submitter"]}:
            db.session.add(CaseContact(case_id=case.id, user_id=people[contact].id))
        cases.append(case)
    for (p, c), row in rows.items():  # what happened to the memberships afterwards
        m = w["memberships"][p * COMPANIES + c]
        if m["kind"] == "none":
            db.session.delete(row)
        else:
            row.is_active = m["kind"] == "active"
            row.is_external_manager, row.is_security_admin = m["manager"], m["admin"]
    db.session.commit()
    db.session.expire_all()
    return people, cases


def _ids(stmt, case_ids, values=None):
    return set(db.session.scalars(stmt.with_only_columns(Case.id).where(Case.id.in_(case_ids)), values or {}))


@settings(max_examples=40, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(w=world)
def test_every_form_of_the_rule_agrees_with_the_plain_rule(app, w):
    people, cases = _build(w)
    case_ids = [c.id for c in cases]
    for p, person in enumerate(people):
        expected = {case.id for case, spec in zip(cases, w["cases"]) if plain_rule(w, p, spec)}
        own = {
            case.id for case, spec in zip(cases, w["cases"])
            if case.id in expected and (spec["submitter"] == p or p in spec["contacts"])
        }
        assert {c.id for c in cases if can_view_case(person, c)} == expected
        assert _ids(visible_cases(person), case_ids) == expected
        _key, clause, values = kept_case_clause(person)
        assert _ids(select(Case).where(clause), case_ids, values) == expected
        _key, groups, values = kept_own_cases(person)
        assert _ids(select(Case).where(or_(*(read for read, _counts in groups))), case_ids, values) == own
        _staff, scope = viewer_scope(person)
        assert _ids(select(Case).where(scope_clause(scope)), case_ids) == expected
        assert {c.id for c in cases if case_mail_recipients(c, [person])} == expected
        assert _ids(select(Case).where(case_clause(person)), case_ids) == expected
        assert _ids(select(Case).where(bound_rule(*rule_values(person))), case_ids) == expected
        _staff, scope = viewer_scope(person)
        managed = set(scope.all_cases_of)
        by_scope = {  # the Scope's facts, as the index filters by them (askiso/search/backends)
            case.id for case, spec in zip(cases, w["cases"])
            if (case.participant_id in managed)
            or (case.participant_id in scope.own_cases_of and (spec["submitter"] == p or p in spec["contacts"]))
            or (case.participant_id is None and spec["submitter"] == p)
        }
        assert by_scope == expected
    for case, spec in zip(cases, w["cases"]):  # everyone asked about at once, in order
        wanted = [person for p, person in enumerate(people) if plain_rule(w, p, spec)]
        assert case_mail_recipients(case, people) == wanted
        assert case_mail_recipients(case, [*people, None, *people]) == wanted  # once each, in order


def test_the_plain_rule_itself_on_known_cases():
    """The oracle above, checked on the cases DESIGN §1 names, so a wrong oracle cannot agree."""
    member = {"kind": "active", "manager": False, "admin": False}
    w = {"memberships": [member, {"kind": "ended", "manager": True, "admin": False}] + [member] * 4}
    assert plain_rule(w, 0, {"company": 0, "submitter": 0, "contacts": set()})  # own case
    assert not plain_rule(w, 0, {"company": 0, "submitter": 1, "contacts": set()})  # a colleague's
    assert plain_rule(w, 0, {"company": 0, "submitter": 1, "contacts": {0}})  # a contact
    assert not plain_rule(w, 0, {"company": 1, "submitter": 0, "contacts": set()})  # left the company
    assert plain_rule(w, 0, {"company": None, "submitter": 0, "contacts": set()})  # own inquiry
    assert not plain_rule(w, 1, {"company": None, "submitter": 0, "contacts": {1}})  # another's inquiry
    w["memberships"][0] = {"kind": "active", "manager": True, "admin": False}
    assert plain_rule(w, 0, {"company": 0, "submitter": 1, "contacts": set()})  # External Manager

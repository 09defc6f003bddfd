"""The search language: words, phrases, prefixes, typos, filters, ranking, pages."""

from datetime import timedelta

import pytest

from askiso.core.timeutil import utcnow
from askiso.extensions import db
from askiso.search import services
from askiso.search.query import parse_query, render_snippet, status_values
from tests.search.conftest import find, make_case, results


def test_parse_query_splits_filters_from_words():
    parsed = parse_query('settlement "operating day" status:open participant:alpha type:billing_dispute')
    assert parsed.text == 'settlement "operating day"'
    assert ("status", frozenset({"new", "in_progress", "waiting"})) in parsed.constraints
    assert ("participant", frozenset({"alpha"})) in parsed.constraints
    assert ("type", frozenset({"billing_dispute"})) in parsed.constraints


def test_parse_query_reports_unknown_status():
    parsed = parse_query("status:sleepy")
    assert parsed.errors and "sleepy" in parsed.errors[0]
    assert status_values("closed") == frozenset({"resolved", "closed"})
    assert status_values("in-progress") == frozenset({"in_progress"})


def test_snippet_html_is_escaped_before_marking():
    html = str(render_snippet("<script>alert(1)</script> \ue000hit\ue001 & \ue000<b>\ue001"))
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "<mark>hit</mark>" in html and "<mark>&lt;b&gt;</mark>" in html


def test_words_must_all_match(backend, people):
    both = make_case(people.alpha, people.alpha_user, "Capacity auction", "forward capacity auction results")
    make_case(people.alpha, people.alpha_user, "Capacity only", "capacity question")
    assert find(people.agent, "capacity auction") == [both.number]
    assert sorted(find(people.agent, "capacity")) == sorted([both.number, find(people.agent, "capacity only")[0]])


def test_phrase(backend, people):
    exact = make_case(people.alpha, people.alpha_user, "Dispute", "the operating day was June 3")
    make_case(people.alpha, people.alpha_user, "Other", "day of operating the plant")
    assert find(people.agent, '"operating day"') == [exact.number]


def test_prefix(backend, people):
    case = make_case(people.alpha, people.alpha_user, "Reconciliation", "reconciliation statement attached")
    make_case(people.alpha, people.alpha_user, "Unrelated", "nothing here")
    assert find(people.agent, "reconcil*") == [case.number]


def test_typo_tolerance_on_whoosh(backend, people):
    if backend != "whoosh":
        pytest.skip("core PostgreSQL full-text search has no typo tolerance")
    case = make_case(people.alpha, people.alpha_user, "Settlement dispute", "settlement numbers differ")
    assert find(people.agent, "setlement~") == [case.number]


def test_exclusion_and_case_number(backend, people):
    keep = make_case(people.alpha, people.alpha_user, "Meter question", "meter data")
    drop = make_case(people.alpha, people.alpha_user, "Meter invoice", "meter invoice")
    assert find(people.agent, "meter -invoice") == [keep.number]
    assert find(people.agent, drop.number) == [drop.number]


def test_field_filters(backend, people):
    open_alpha = make_case(people.alpha, people.alpha_user, "Filter lynx one", status="in_progress")
    closed_alpha = make_case(people.alpha, people.alpha_user, "Filter lynx two", status="closed")
    resolved_beta = make_case(
        people.beta, people.beta_user, "Filter lynx three", status="resolved", request_type="billing_dispute"
    )
    agent = people.agent
    assert find(agent, "lynx status:open") == [open_alpha.number]
    assert sorted(find(agent, "lynx status:closed")) == sorted([closed_alpha.number, resolved_beta.number])
    assert find(agent, "lynx status:resolved") == [resolved_beta.number]
    assert sorted(find(agent, "lynx participant:alpha")) == sorted([open_alpha.number, closed_alpha.number])
    assert find(agent, "lynx type:billing_dispute") == [resolved_beta.number]
    assert find(agent, "lynx participant:ALPHA status:closed") == [closed_alpha.number]
    assert sorted(find(agent, "lynx status:new status:in_progress status:resolved")) == sorted(
        [open_alpha.number, resolved_beta.number]
    )


def test_form_filters_combine_with_text(backend, people):
    open_alpha = make_case(people.alpha, people.alpha_user, "Combo puma", status="waiting")
    make_case(people.alpha, people.alpha_user, "Combo puma closed", status="closed")
    make_case(people.beta, people.beta_user, "Combo puma beta", status="waiting")
    assert find(people.agent, "puma", status="open", participant="ALPHA") == [open_alpha.number]
    assert find(people.agent, "puma", request_type="billing_dispute") == []


def test_filters_alone_list_visible_cases_newest_first(backend, people):
    older = make_case(people.alpha, people.alpha_user, "Old one", status="waiting")
    newer = make_case(people.alpha, people.alpha_user, "New one", status="waiting")
    make_case(people.beta, people.beta_user, "Beta waiting", status="waiting")
    older.updated_at = utcnow() - timedelta(days=2)
    db.session.commit()
    assert find(people.alpha_user, "", status="waiting") == [newer.number, older.number]


def test_ranked_then_newest_first_on_ties(backend, people):
    now = utcnow()
    tie_old = make_case(people.alpha, people.alpha_user, "Heliotrope", "heliotrope")
    tie_new = make_case(people.alpha, people.alpha_user, "Heliotrope", "heliotrope")
    weak = make_case(people.alpha, people.alpha_user, "Unrelated subject", "long text " * 30 + "heliotrope")
    tie_old.updated_at = now - timedelta(days=3)
    tie_new.updated_at = now - timedelta(days=1)
    weak.updated_at = now
    db.session.commit()
    assert find(people.agent, "heliotrope") == [tie_new.number, tie_old.number, weak.number]


def test_pagination(backend, people):
    made = [make_case(people.alpha, people.alpha_user, f"Paging marmot {i}") for i in range(23)]
    first = results(people.agent, "marmot")
    assert first.total == 23 and first.pages == 2 and len(first.results) == 20 and first.has_next
    second = services.search(people.agent, "marmot", page=2)[1]
    assert len(second.results) == 3 and second.has_prev and not second.has_next
    shown = {r.case.number for r in first.results} | {r.case.number for r in second.results}
    assert shown == {c.number for c in made}


def test_snippets_highlight_and_escape(backend, people):
    make_case(people.alpha, people.alpha_user, "Escaping", "<img src=x onerror=alert(1)> the invoice total")
    page = results(people.alpha_user, "invoice")
    snippet = str(page.results[0].snippet)
    assert "<mark>invoice</mark>" in snippet.lower()
    assert "<" not in snippet.replace("<mark>", "").replace("</mark>", "")


def test_snippets_of_long_texts_find_terms_early_and_late(backend, people):
    """Snippets look at the start of a long text first (both backends), and further when the
    words are not there."""
    filler = " ".join(["lorem ipsum dolor"] * 1500)  # ~27,000 characters
    make_case(people.alpha, people.alpha_user, "Late words", f"{filler} the quokkafjord invoice")
    make_case(people.alpha, people.alpha_user, "Early words", f"A quokkafjord question. {filler}")
    page = results(people.alpha_user, "quokkafjord")
    snippets = {r.case.subject: str(r.snippet) for r in page.results}
    assert "<mark>quokkafjord</mark>" in snippets["Late words"].lower()
    assert "<mark>quokkafjord</mark>" in snippets["Early words"].lower()
    assert len(snippets["Late words"]) < 600 and len(snippets["Early words"]) < 600


def test_fields_and_names_are_indexed(backend, people):
    case = make_case(
        people.alpha,
        people.alpha_user,
        "FCTS access",
        request_type="fcts_access",
        field_values={"first_name": "Quentin", "email": "q.tarantula@alpha.test"},
    )
    assert find(people.alpha_user, "quentin") == [case.number]
    assert find(people.agent, "ann user") == [case.number]  # submitter name
    assert find(people.agent, "ALPHA quentin") == [case.number]  # participant code

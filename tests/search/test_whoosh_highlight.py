"""Result snippets of the Whoosh backend (askiso/search/backends/whoosh_highlight.py).

The words it marks are the words Whoosh's own analyzer makes a query term of
(same tokens, stop words and stems), whatever the text; the snippet is the
best two fragments, each cut at a space, in text order.
"""

import random

import pytest

from askiso.search.backends.whoosh_build import ANALYZER
from askiso.search.backends.whoosh_highlight import MAX_CHARS, SURROUND, _matches, highlight
from askiso.search.documents import MARK_END, MARK_START
from tests.search.test_whoosh_build import TEXTS


def _whoosh_matches(text, terms):
    return [
        (t.startchar, t.endchar, t.text.encode("utf-8"))
        for t in ANALYZER(text, chars=True, mode="query", removestops=False)
        if not t.stopped and t.text in terms
    ]


def _marked(snippet):
    out, rest = [], snippet
    while MARK_START in rest:
        rest = rest.split(MARK_START, 1)[1]
        word, rest = rest.split(MARK_END, 1)
        out.append(word)
    return out


@pytest.mark.parametrize("text", TEXTS)
def test_matches_are_the_words_whoosh_analyzes_to_the_terms(text):
    tokens = [t.text for t in ANALYZER(text, mode="query")]
    for terms in ({*tokens[::2]}, {*tokens[1::3]}, {"settlement", "meter", "invoic"}):
        wanted = {t.encode("utf-8") for t in terms}
        assert _matches(text, wanted) == _whoosh_matches(text, terms), (text, terms)


def test_matches_random_texts_like_whoosh():
    rng = random.Random(11)
    alphabet = "aAbBeEiIsStT .,;-*_'0129éÉİßΣς\n"
    words = ["the", "of", "settlement", "Statement", "RUNNING", "runs", "x", "a.b", "İ", "ß", "ΣΑΣ", "settl.x"]
    for _ in range(400):
        text = " ".join(
            rng.choice(words) if rng.random() < 0.5 else "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 8)))
            for _ in range(rng.randint(0, 40))
        )
        tokens = [t.text for t in ANALYZER(text, mode="query")]
        terms = set(rng.sample(tokens, min(len(tokens), 3))) | {"settlement", "run"}
        assert _matches(text, {t.encode("utf-8") for t in terms}) == _whoosh_matches(text, terms), text


def test_nothing_to_mark_gives_none():
    assert highlight("", {"meter"}) is None
    assert highlight("Meter readings", set()) is None
    assert highlight("Meter readings", {"invoic"}) is None
    assert highlight("the and of", {"the"}) is None  # stop words are never terms


def test_short_text_is_shown_whole_with_stemmed_words_marked():
    snippet = highlight("Two Invoices and one invoice.", {"invoic"})
    assert snippet == f"Two {MARK_START}Invoices{MARK_END} and one {MARK_START}invoice{MARK_END}."


def test_long_text_gives_the_two_best_fragments_in_text_order():
    filler = " ".join(["lorem"] * 200)
    text = (
        f"Meter alone. {filler} A meter and an invoice together. {filler} "
        f"Invoice, meter and meter again. {filler} The end."
    )
    snippet = highlight(text, {"meter", "invoic"})
    parts = snippet.split(" … ")
    assert snippet.startswith("… ") and snippet.endswith(" …")
    assert len(parts) == 2  # the lone "Meter" (one term) loses to the two with both terms
    assert _marked(parts[0]) == ["meter", "invoice"]
    assert _marked(parts[1]) == ["Invoice", "meter", "meter"]
    for part in parts:
        bare = part.strip("… ").replace(MARK_START, "").replace(MARK_END, "")
        assert len(bare) <= MAX_CHARS
        assert bare in " ".join(text.split())  # cut at spaces: whole words only
        assert "lorem" in bare  # context on both sides


def test_close_matches_share_one_fragment_and_overlaps_merge():
    text = "x " * 100 + "meter " + "y " * 70 + "meter " + "z " * 100
    snippet = highlight(text, {"meter"})
    assert snippet.count(" … ") == 0 and _marked(snippet) == ["meter", "meter"]
    assert snippet.startswith("… ") and snippet.endswith(" …")
    # context is at most SURROUND characters each side
    assert len(snippet.replace(MARK_START, "").replace(MARK_END, "")) <= 2 + 2 + 2 * SURROUND + 6 + 140 + 6
    # the third is too far from the first for one fragment, but the two fragments' context
    # overlaps: shown as one piece, no text twice
    text = "x " * 100 + "meter " + "y " * 82 + "meter " + "w " * 12 + "meter " + "z " * 100
    snippet = highlight(text, {"meter"})
    assert snippet.count(" … ") == 0 and _marked(snippet) == ["meter", "meter", "meter"]
    assert snippet.count("w") == 12


def test_non_ascii_text_keeps_offsets():
    text = "İstanbul Straße: the METER İ meter"
    snippet = highlight(text, {"meter"})
    assert _marked(snippet) == ["METER", "meter"]
    assert snippet.replace(MARK_START, "").replace(MARK_END, "") == text


def test_reading_a_long_text_from_its_start_gives_the_snippet_of_the_whole_text(monkeypatch):
    from askiso.search.backends import whoosh_highlight

    rng = random.Random(3)
    words = ["meter", "invoice", "Invoices", "zone", "outage", "the", "capacity", "of", "metering"]
    cases = []
    for _ in range(120):
        size = rng.choice([50, 900, 3000, 9000])
        text = " ".join(rng.choice(words) if rng.random() < 0.05 else "lorem" for _ in range(size))
        terms = set(rng.sample(["meter", "invoic", "zone", "outag"], rng.randint(1, 3)))
        cases.append((text, terms, highlight(text, terms)))
    monkeypatch.setattr(whoosh_highlight, "FIRST_CHARS", 10**9)  # the whole text at once
    for text, terms, snippet in cases:
        assert highlight(text, terms) == snippet, terms

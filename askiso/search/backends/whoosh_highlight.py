"""Result snippets for the Whoosh backend: the parts of a text that hold the query's terms.

Whoosh's highlighter turns every word of the text into a token object and
walks them through a fragmenter in Python: at a million cases that was a
third of a search page (a long conversation is 2,000+ words, 20 hits a page).
Here the words are found with one `findall` over the text, the few distinct
words that stem to a query term are picked out of them (a dict of known
stems), and their places are found by one regular expression built from
those words; only the matches are handled in Python.

A word matches where the index's analyzer (askiso.search.backends.whoosh_build
FAST: Whoosh's StemmingAnalyzer, word pattern, stop words and stemmer) would
make a query term of it. The snippet is up to two fragments of at most
`MAX_CHARS` characters, each one or more matches with up to `SURROUND`
characters of context cut at a space, the fragments with the most distinct
terms (then the most matches, then the earliest) shown in text order.
"""

import re

from askiso.search.backends.whoosh_build import _FINDALL_PATTERN, FAST
from askiso.search.documents import MARK_END, MARK_START

MAX_CHARS = 300
SURROUND = 60
TOP = 2
ELLIPSIS = "…"
_WORD = re.compile(_FINDALL_PATTERN)
# A listed word where the tokenizer would start and end a token: not inside
# a longer run of word characters, nor joined to one by a single dot.
_BEFORE = r"(?<![\w\*])(?<![\w\*]\.)"
_AFTER = r"(?![\w\*])(?!\.[\w\*])"


def _term_of(word):
    """The index term (bytes) of a lowercased word; False for a stop word or a word too short."""
    term = FAST.cache.get(word)
    return FAST._learn(word) if term is None else term


def _matches(text, terms):
    """[(start, end, term)] of the words of `text` that analyze to one of `terms` (bytes)."""
    if text.isascii():  # lowercasing keeps every offset
        lowered = text.lower()
        words = {w for w in set(_WORD.findall(lowered)) if _term_of(w) in terms}
        if not words:
            return []
        alternatives = "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))
        pattern = re.compile(f"{_BEFORE}(?:{alternatives}){_AFTER}")
        return [(m.start(), m.end(), _term_of(m.group())) for m in pattern.finditer(lowered)]
    found = []
    for match in _WORD.finditer(text):
        term = _term_of(match.group().lower())
        if term in terms:
            found.append((match.start(), match.end(), term))
    return found


def _fragments(matches):
    """Runs of matches that fit in MAX_CHARS with their context, as (first, last) indexes."""
    span = MAX_CHARS - 2 * SURROUND
    runs, i = [], 0
    while i < len(matches):
        j = i
        while j + 1 < len(matches) and matches[j + 1][1] - matches[i][0] <= span:
            j += 1
        runs.append((i, j))
        i = j + 1
    return runs


def _bounds(text, start, end):
    """The fragment around text[start:end]: SURROUND characters each side, cut at a space."""
    low = max(0, start - SURROUND)
    if low > 0:
        space = text.find(" ", low, start)
        low = space + 1 if space >= 0 else start
    high = min(len(text), end + SURROUND)
    if high < len(text):
        space = text.rfind(" ", end, high)
        high = space if space >= 0 else end
    return low, high


def highlight(text, terms):
    """The marked snippet of `text` for the query terms (str) found in it; None if none occur."""
    if not text or not terms:
        return None
    wanted = {t.encode("utf-8") if isinstance(t, str) else t for t in terms}
    matches = _matches(text, wanted)
    if not matches:
        return None
    runs = _fragments(matches)
    best = sorted(
        runs,
        key=lambda run: (-len({m[2] for m in matches[run[0] : run[1] + 1]}), -(run[1] - run[0]), run[0]),
    )[:TOP]
    shown = []  # (low, high, first match, last match), overlapping fragments merged
    for first, last in sorted(best):
        low, high = _bounds(text, matches[first][0], matches[last][1])
        if shown and low <= shown[-1][1]:
            low, before, first, _ = shown.pop()
            high = max(high, before)
        shown.append((low, high, first, last))
    pieces = []
    for low, high, first, last in shown:
        marked, at = [], low
        for start, end, _ in matches[first : last + 1]:
            marked += [text[at:start], MARK_START, text[start:end], MARK_END]
            at = end
        marked.append(text[at:high])
        if pieces or low > 0:
            pieces.append(ELLIPSIS)
        pieces.append(" ".join("".join(marked).split()))
    if shown[-1][1] < len(text):
        pieces.append(ELLIPSIS)
    return " ".join(pieces)

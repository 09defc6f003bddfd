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
characters of context cut at a space: the fragments with the most distinct
terms, the earliest first, shown in text order. A long text is read from
its start only as far as needed to settle that choice.
"""

import re

from askiso.search.backends.whoosh_build import FAST, FINDALL_PATTERN
from askiso.search.documents import MARK_END, MARK_START

MAX_CHARS = 300
SURROUND = 60
TOP = 2
FIRST_CHARS = 1000  # read first; then four times as much until the snippet is settled
ELLIPSIS = "…"
_WORD = re.compile(FINDALL_PATTERN)
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
    limit = FIRST_CHARS
    while True:
        # A long text is read from its start: once the best fragments hold every term and
        # no later match could join them, the rest cannot change the snippet.
        end = len(text) if limit >= len(text) else text.find(" ", limit)
        end = len(text) if end < 0 else end
        matches = _matches(text[:end], wanted)
        runs = _fragments(matches)
        distinct = [len({m[2] for m in matches[first : last + 1]}) for first, last in runs]
        best = sorted(range(len(runs)), key=lambda k: (-distinct[k], k))[:TOP]
        if end == len(text) or (
            len(best) == TOP
            and all(distinct[k] == len(wanted) and matches[runs[k][0]][0] + MAX_CHARS < end for k in best)
        ):
            break
        limit *= 4
    if not matches:
        return None
    best = [runs[k] for k in best]
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

"""Ranked search over the Whoosh index without walking every matching posting.

Whoosh scores documents one at a time in Python: a query whose words are in
most cases (at 1,000,000 cases "settlement statement" matches almost all of
them) takes seconds, and sorting by score then by date defeats its block
skipping. This module answers the same question from the same index:

- which documents match: the query tree (And, Or, AndNot, terms) evaluated
  on bitmaps (Python ints, one bit per document of a segment), with the
  viewer's scope and the filters ANDed in, so the count is a popcount;
- which are the best: BM25F (Whoosh's own scorer for each term) for a few
  candidates only. Every matching document first gets an upper bound of its
  score, all at once with numpy (see _top); the documents whose
  bound can reach the last score on the page are scored exactly. Ties are
  broken by `updated`, newest first, then by document order, so the order
  is exact, not approximate.

Per-document term frequencies of frequent terms, field lengths and numeric
columns come from the segment's `.aux` file (whoosh_build.py) as byte
arrays; rare terms and segments written by Whoosh's own writer are read from
the postings. Anything else in a query (phrases, prefixes, typos) is matched
and scored by Whoosh itself, document by document, and then used like a term.
Decoded data is kept in a small per-process cache (segments never change).
"""

import heapq
import threading
import zlib
from array import array
from collections import OrderedDict
from itertools import compress

import numpy as np
from whoosh import query as wq
from whoosh.codec.whoosh3 import W3LeafMatcher
from whoosh.compat import loads
from whoosh.matching import FilterMatcher
from whoosh.scoring import BM25FScorer
from whoosh.util.numeric import byte_to_length, length_to_byte

from askiso.search.backends.whoosh_build import AUX_EXT

CACHE_BYTES = 64 * 1024 * 1024  # until the app's SEARCH_CACHE_MB is applied
# Up to this many matches, every match is scored (no candidate patterns).
SCORE_ALL = 2000
# (At a million cases the bounds of all documents, numpy, take about as long as
# scoring 2,000 matches one by one: a person's 3,653 matches ranked in 13-17 ms
# through the bounds, 15-24 ms scored one by one.)
# More candidates than this after the band bounds get tighter bounds first.
REFINE_ABOVE = 64

_NONZERO = bytes([0] + [1] * 255)
_TO_BINARY = bytes([48] + [49] * 255)  # b"0" for zero, b"1" otherwise
_BITS = [tuple(j for j in range(8) if k >> j & 1) for k in range(256)]
_BYTE_OF_BIT = [bytes(1 if k >> j & 1 else 0 for j in range(8)) for k in range(256)]


class _Cache:
    """Least recently used values with a size budget, shared by threads."""

    def __init__(self, limit):
        self.limit = limit
        self.size = 0
        self.items = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key):
        with self.lock:
            item = self.items.get(key)
            if item is None:
                return None
            self.items.move_to_end(key)
            return item[0]

    def put(self, key, value, size):
        with self.lock:
            old = self.items.pop(key, None)
            if old is not None:
                self.size -= old[1]
            self.items[key] = (value, size)
            self.size += size
            while self.size > self.limit and len(self.items) > 1:
                _, (_, dropped) = self.items.popitem(last=False)
                self.size -= dropped
        return value

    def resize(self, limit):
        """A new budget (SEARCH_CACHE_MB); shrinking drops the least recently used."""
        if limit == self.limit:
            return
        with self.lock:
            self.limit = limit
            while self.size > self.limit and self.items:
                _, (_, dropped) = self.items.popitem(last=False)
                self.size -= dropped

    def clear(self):
        with self.lock:
            self.items.clear()
            self.size = 0


CACHE = _Cache(CACHE_BYTES)


def _cached(key, make):
    value = CACHE.get(key)
    if value is None:
        value, size = make()
        CACHE.put(key, value, size)
    return value


def bits_from_ids(ids, n):
    mask = bytearray((n + 7) // 8)
    for docnum in ids:
        mask[docnum >> 3] |= 1 << (docnum & 7)
    return int.from_bytes(mask, "little")


def bits_from_bytes(perdoc):
    """Bit i set when perdoc[i] is not zero."""
    if not perdoc:
        return 0
    return int(perdoc.translate(_TO_BINARY)[::-1], 2)


def ids_from_bits(bits, n):
    """The set bits of `bits`, ascending."""
    raw = bits.to_bytes((n + 7) // 8, "little")
    out = []
    append = out.append
    for i in compress(range(len(raw)), raw.translate(_NONZERO)):
        base = i << 3
        for j in _BITS[raw[i]]:
            append(base + j)
    return out


class TermData:
    """One term in one segment: its documents and their weights."""

    __slots__ = ("bits", "count", "tf", "over", "boost", "weights", "mask", "max_weight", "min_length")

    def __init__(self, bits, count, tf=None, over=None, boost=1.0, weights=None, mask=None):
        self.bits = bits
        self.count = count
        self.tf = tf  # bytes: frequency per document (dense text terms)
        self.over = over or {}  # docnum -> weight where tf says 255
        self.boost = boost
        self.weights = weights  # dict docnum -> weight (other terms)
        self.mask = mask  # bytes: 1 per document that has the term (dense, unscored)
        # the segment's term info: the highest weight and the shortest field among its documents
        self.max_weight = 0.0
        self.min_length = 1

    def size(self):
        size = 100 + self.bits.bit_length() // 8
        if self.tf is not None:
            size += len(self.tf)
        if self.weights is not None:
            size += 100 * len(self.weights)
        return size


EMPTY_TERM = TermData(0, 0, weights={})


class SegmentData:
    """What the search reads from one segment, each piece decoded once per process."""

    def __init__(self, storage, reader):
        self.storage = storage
        self.reader = reader
        self.segment = reader.segment()
        # segment ids are random: with the folder, unique on this host
        self.id = (getattr(storage, "folder", id(storage)), self.segment.segment_id())
        self.n = self.segment.doc_count_all()
        self.directory = _cached((self.id, "aux"), self._read_directory)

    def _open_aux(self):
        segment = self.segment
        storage = segment.open_compound_file(self.storage) if segment.is_compound() else self.storage
        return storage, storage.open_file(segment.make_filename(AUX_EXT))

    def _read_directory(self):
        segment = self.segment
        name = segment.make_filename(AUX_EXT)
        storage = segment.open_compound_file(self.storage) if segment.is_compound() else self.storage
        try:
            if not storage.file_exists(name):
                return {}, 100
            size = storage.file_length(name)
            dbfile = storage.open_file(name)
            try:
                start = dbfile.get_long(size - 8)
                directory = loads(dbfile.get(start, size - 8 - start))
            finally:
                dbfile.close()
        finally:
            if storage is not self.storage:
                storage.close()
        return directory, 100 + 100 * len(directory)

    def _blob(self, key):
        offset, length, extra = self.directory[key]
        storage, dbfile = self._open_aux()
        try:
            data = zlib.decompress(dbfile.get(offset, length))
        finally:
            dbfile.close()
            if storage is not self.storage:
                storage.close()
        return data, extra

    def live(self):
        """Bits of the documents not deleted."""
        deleted = self.segment.deleted_count()

        def make():
            mask = bytearray(b"\xff" * ((self.n + 7) // 8))
            for docnum in self.segment.deleted_docs():
                mask[docnum >> 3] &= ~(1 << (docnum & 7)) & 0xFF
            return int.from_bytes(mask, "little") & ((1 << self.n) - 1), self.n // 8 + 100

        return _cached((self.id, "live", deleted), make)

    def lengths(self, fieldname):
        """The length byte of the field per document (0: none)."""

        def make():
            key = ("len", fieldname)
            if key in self.directory:
                data = self._blob(key)[0]
            else:
                dfl = self.reader.doc_field_length
                data = bytes(length_to_byte(dfl(d, fieldname, 0) or 0) for d in range(self.n))
            return data, len(data) + 100

        return _cached((self.id, "len", fieldname), make)

    def length_bands(self, fieldname):
        """(band per length byte, lowest length byte per band): 15 bands of about equal size."""

        def make():
            lengths = self.lengths(fieldname)
            counts = [lengths.count(bytes([v])) for v in range(256)] if lengths else [0] * 256
            present = sum(counts[1:]) or 1
            band_of, lowest = bytearray(256), [None] * 16
            band, seen = 1, 0
            for value in range(1, 256):
                if counts[value]:
                    if seen >= band * present / 15 and band < 15:
                        band += 1
                    if lowest[band] is None:
                        lowest[band] = value
                    seen += counts[value]
                band_of[value] = band
            # a length byte between bands belongs to the higher one, whose lowest is below it
            return (bytes(band_of), lowest), 1000

        return _cached((self.id, "bands", fieldname), make)

    def codes(self, fieldname, text, data):
        """A byte per document: frequency band * 16 + length band (see _TF_BAND and length_bands)."""

        def make():
            tf_bands = np.frombuffer(data.tf.translate(_TF_BAND), dtype=np.uint8)
            length_bands = np.frombuffer(
                self.lengths(fieldname).translate(self.length_bands(fieldname)[0]), dtype=np.uint8
            )
            return (tf_bands * 16 + length_bands).tobytes(), self.n + 100

        return _cached((self.id, "codes", fieldname, text), make)

    def column(self, fieldname):
        def make():
            key = ("col", fieldname)
            if key in self.directory:
                data, typecode = self._blob(key)
                values = array(typecode)
                values.frombytes(data)
            else:
                values = list(self.reader.column_reader(fieldname))
            return values, 8 * self.n + 100

        return _cached((self.id, "col", fieldname), make)

    def term(self, fieldname, text):
        def make():
            data = self._read_term(fieldname, text)
            if data.count:
                info = self.reader.term_info(fieldname, text)
                data.max_weight, data.min_length = info.max_weight(), info.min_length()
            return data, data.size()

        return _cached((self.id, "term", fieldname, text), make)

    def _read_term(self, fieldname, text):
        if ("tf", fieldname, text) in self.directory:
            tf, over = self._blob(("tf", fieldname, text))
            boost = self.reader.schema[fieldname].format.field_boost
            bits = bits_from_bytes(tf)
            return TermData(bits, bits.bit_count(), tf=tf, over=over, boost=boost)
        if ("bits", fieldname, text) in self.directory:
            raw, weight = self._blob(("bits", fieldname, text))
            if weight is not None:
                bits = int.from_bytes(raw, "little")
                mask = b"".join(_BYTE_OF_BIT[b] for b in raw)[: self.n]
                return TermData(bits, bits.bit_count(), boost=weight, mask=mask)
        if (fieldname, text) not in self.reader:
            return EMPTY_TERM
        matcher = self.reader.postings(fieldname, text)
        if isinstance(matcher, FilterMatcher):  # without deleted documents: we want all
            matcher = matcher.child
        weights = dict(_postings(matcher))
        return TermData(bits_from_ids(weights, self.n), len(weights), weights=weights)


def _postings(matcher):
    """(docnum, weight) of a posting list, a block at a time where possible."""
    if isinstance(matcher, W3LeafMatcher):
        while matcher.is_active():
            matcher._read_ids()
            matcher._read_weights()
            yield from zip(matcher._ids, matcher._weights, strict=False)
            matcher._next_block()
    else:
        while matcher.is_active():
            yield matcher.id(), matcher.weight()
            matcher.next()


# The query, compiled: nodes are tuples, leaves ("atom", index).


class _Atom:
    """A leaf of the query: a term, or any other query matched by Whoosh (`query`)."""

    def __init__(self, index, fieldname=None, text=None, query=None):
        self.index = index
        self.fieldname = fieldname
        self.text = text
        self.query = query
        self.scored = False
        self.score_fn = None
        # (idf, avgfl, B, K1) of Whoosh's BM25F scorer: what its scores depend on besides weight and
        # length; the key of kept scores (_score_grid) and the formula's values (_atom_scores)
        self.bm25 = None
        self.memo = {}


class _Compiler:
    def __init__(self, schema):
        self.schema = schema
        self.atoms = []

    def atom(self, **kwargs):
        atom = _Atom(len(self.atoms), **kwargs)
        self.atoms.append(atom)
        return ("atom", atom.index)

    def compile(self, q):
        kind = type(q)
        if q is wq.NullQuery or kind is type(wq.NullQuery):
            return ("none",)
        boost = getattr(q, "boost", 1.0)
        if kind is wq.Term and boost == 1.0:
            field = self.schema[q.fieldname] if q.fieldname in self.schema else None
            if field is None or not field.indexed:
                return ("none",)
            return self.atom(fieldname=q.fieldname, text=field.to_bytes(q.text))
        if kind is wq.And and boost == 1.0:
            children = [c for c in q.subqueries if type(c) is not wq.Not]
            negs = [c.query for c in q.subqueries if type(c) is wq.Not]
            if children:
                return ("and", [self.compile(c) for c in children], [self.compile(c) for c in negs])
        if kind is wq.AndNot and boost == 1.0:
            return ("and", [self.compile(q.a)], [self.compile(q.b)])
        if kind is wq.Or and boost == 1.0 and not q.minmatch and q.scale is None:
            return ("or", [self.compile(c) for c in q.subqueries])
        return self.atom(query=q)


def _mark_scored(node, atoms, scored=True):
    kind = node[0]
    if kind == "atom":
        if scored:
            atoms[node[1]].scored = True
    elif kind == "and":
        for child in node[1]:
            _mark_scored(child, atoms, scored)
        for child in node[2]:
            _mark_scored(child, atoms, False)
    elif kind == "or":
        for child in node[1]:
            _mark_scored(child, atoms, scored)


def _is_simple(node, under_or=False):
    """No And below an Or: a matching document's score is then the sum over its terms."""
    kind = node[0]
    if kind == "and":
        return not under_or and all(_is_simple(c, under_or) for c in node[1])
    if kind == "or":
        return all(_is_simple(c, True) for c in node[1])
    return True


def _bits(node, atom_bits, live):
    kind = node[0]
    if kind == "atom":
        return atom_bits[node[1]]
    if kind == "none":
        return 0
    if kind == "or":
        result = 0
        for child in node[1]:
            result |= _bits(child, atom_bits, live)
        return result
    result = live
    for child in node[1]:
        result &= _bits(child, atom_bits, live)
        if not result:
            return 0
    for child in node[2]:
        result &= ~_bits(child, atom_bits, live)
    return result


def _evaluate(node, present, values):
    """(matches, score) for a document whose atoms are `present`, worth `values`."""
    kind = node[0]
    if kind == "atom":
        i = node[1]
        return (True, values[i]) if present[i] else (False, 0.0)
    if kind == "none":
        return False, 0.0
    if kind == "or":
        matched, total = False, 0.0
        for child in node[1]:
            ok, score = _evaluate(child, present, values)
            if ok:
                matched = True
                total += score
        return matched, total
    total = 0.0
    for child in node[1]:
        ok, score = _evaluate(child, present, values)
        if not ok:
            return False, 0.0
        total += score
    for child in node[2]:
        if _evaluate(child, present, values)[0]:
            return False, 0.0
    return True, total


class _Segment:
    """A segment during one search."""

    def __init__(self, data, offset, searcher):
        self.data = data
        self.offset = offset
        self.searcher = searcher
        self.terms = {}  # atom index -> TermData
        self.scores = {}  # atom index -> {docnum: score} (Whoosh-matched atoms)
        self.matches = 0


def search(storage, searcher, q, filter_q, offset, limit):
    """(hits, total) for the index in `storage`, searched with `searcher`.

    Hits are (case id, the (field, term bytes) of the query found in it),
    best first: score, then `updated` newest first, then document order.
    """
    schema = searcher.schema
    compiler = _Compiler(schema)
    root = compiler.compile(q)
    filter_root = compiler.compile(filter_q) if filter_q is not None else None
    atoms = compiler.atoms
    _mark_scored(root, atoms)
    simple = _is_simple(root)
    context = searcher.context()
    segments = []
    total = 0
    for subsearcher, docoffset in searcher.leaf_searchers():
        if subsearcher.reader().segment() is None:  # an empty index
            continue
        data = SegmentData(storage, subsearcher.reader())
        seg = _Segment(data, docoffset, subsearcher)
        live = data.live()
        atom_bits = [_atom_bits(atom, seg, context) for atom in atoms]
        matches = _bits(root, atom_bits, live) & live
        if matches and filter_root is not None:
            matches &= _bits(filter_root, atom_bits, live)
        seg.matches = matches
        seg.atom_bits = atom_bits
        total += matches.bit_count()
        segments.append(seg)
    if not total:
        return [], 0
    for atom in atoms:
        if atom.scored and atom.query is None:
            atom.score_fn = _score_fn(searcher, segments, atom)
    wanted = offset + limit
    top = _top(segments, root, atoms, simple, total, wanted)
    hits = []
    for *_, seg, docnum in sorted(top, reverse=True)[offset:wanted]:
        case_id = seg.data.column("case")[docnum]
        hits.append((case_id, _matched_terms(seg, docnum, atoms, context)))
    return hits, total


def _atom_bits(atom, seg, context):
    if atom.query is None:
        data = seg.data.term(atom.fieldname, atom.text)
        seg.terms[atom.index] = data
        return data.bits
    scores = {}
    matcher = atom.query.matcher(seg.searcher, context)
    while matcher.is_active():
        scores[matcher.id()] = matcher.score()
        matcher.next()
    seg.scores[atom.index] = scores
    return bits_from_ids(scores, seg.data.n)


def _score_fn(searcher, segments, atom):
    """Whoosh's scorer for the term (the same function in every segment)."""
    for seg in segments:
        if seg.terms[atom.index].count:
            scorer = searcher.weighting.scorer(seg.searcher, atom.fieldname, atom.text)
            if type(scorer) is BM25FScorer:
                atom.bm25 = (scorer.idf, scorer.avgfl, scorer.B, scorer.K1)
            if hasattr(scorer, "_score"):
                return scorer._score
            return lambda weight, length: weight  # WeightScorer: unscorable field
    return None


def _bound(seg, atom):
    """The highest score the atom can add to a document of this segment."""
    if atom.query is not None:
        scores = seg.scores[atom.index]
        return max(scores.values()) if scores else 0.0
    data = seg.terms[atom.index]
    if not data.count:
        return 0.0
    field = seg.searcher.schema[atom.fieldname]
    length = data.min_length if field.scorable else 1
    return atom.score_fn(data.max_weight, length)


def _top(segments, root, atoms, simple, total, wanted):
    """The best `wanted` documents as (score, updated, -docnum, segment, docnum) tuples.

    Few matches are all scored. Otherwise every matching document gets an
    upper bound of its score, for all of them at once with numpy: each term
    adds its best possible score for the document's band of frequency and
    field length. The `wanted` documents
    with the highest bounds are scored, then every document whose bound
    reaches the last score on the page (when many do, tighter bounds from
    BM25F's formula pick the next ones first: _refined_bounds). Every other
    document scores below it, so the result is exact.
    """
    scored = [a for a in atoms if a.scored]
    heap = []
    if total <= max(SCORE_ALL, wanted) or not scored or len(scored) > 120:
        for seg in segments:
            if seg.matches:
                _collect(heap, seg, ids_from_bits(seg.matches, seg.data.n), root, atoms, simple, wanted)
        return heap
    live = [seg for seg in segments if seg.matches]
    where, docs, bounds = [], [], []
    for i, seg in enumerate(live):
        n = seg.data.n
        bound = np.zeros(n)
        for atom in scored:  # in the atoms' order, as the scores add up: rounding keeps bound >= score
            bound += _bound_array(seg, atom)
        found = np.flatnonzero(_bool_array(seg.matches, n))
        docs.append(found)
        bounds.append(bound[found])
        where.append(np.full(len(found), i, dtype=np.int32))
    doc, where, bound = np.concatenate(docs), np.concatenate(where), np.concatenate(bounds) * (1 + 1e-9)
    first = _highest(bound, wanted)
    _collect_picked(heap, live, where, doc, first, root, atoms, simple, wanted)
    if len(heap) >= wanted:
        # documents outside the first pick whose bound reaches the last score on the page
        taken = np.zeros(len(bound), dtype=bool)
        taken[first] = True
        more = np.flatnonzero((bound >= heap[0][0]) & ~taken)
        if len(more) > REFINE_ABOVE:
            # Band bounds leave many: tighter ones, the best of them scored first (the last
            # score on the page rises), then the rest that can still reach it.
            refined = _refined_bounds(live, where, doc, more, scored)
            best = _highest(refined, wanted)
            _collect_picked(heap, live, where, doc, more[best], root, atoms, simple, wanted)
            rest = np.ones(len(more), dtype=bool)
            rest[best] = False
            more = more[rest & (refined >= heap[0][0])]
        if len(more):
            _collect_picked(heap, live, where, doc, more, root, atoms, simple, wanted)
    return heap


def _highest(values, k):
    """Indexes of the k highest values (all of them when there are no more than k)."""
    if len(values) <= k:
        return np.arange(len(values))
    return np.argpartition(values, len(values) - k)[len(values) - k :]


def _refined_bounds(live, where, doc, picked, scored):
    """Tighter bounds of the picked documents: for a frequent term scored by BM25F, its formula
    computed with numpy from the document's own frequency and length (its score, but for
    rounding: hence the margin); the band bound for any other atom."""
    out = np.zeros(len(picked))
    segment_of, docnums = where[picked], doc[picked]
    for i in np.unique(segment_of).tolist():
        rows = np.flatnonzero(segment_of == i)
        total = np.zeros(len(rows))
        for atom in scored:
            total += _atom_scores(live[i], atom, docnums[rows])
        out[rows] = total
    return out * (1 + 1e-6)


_LENGTH_OF_BYTE = np.array([byte_to_length(b) for b in range(256)], dtype=float)


def _atom_scores(seg, atom, docnums):
    data = seg.terms.get(atom.index) if atom.query is None else None
    if atom.bm25 is not None and data is not None and data.count and data.tf is not None:
        idf, avgfl, B, K1 = atom.bm25  # noqa: N806  (Whoosh's names)
        tf = np.frombuffer(data.tf, dtype=np.uint8)[docnums]
        weight = tf * data.boost
        over = np.flatnonzero(tf == 255)
        if len(over):
            weight[over] = [data.over[d] for d in docnums[over].tolist()]
        fl = _LENGTH_OF_BYTE[np.frombuffer(seg.data.lengths(atom.fieldname), dtype=np.uint8)[docnums]]
        with np.errstate(divide="ignore", invalid="ignore"):
            score = idf * ((weight * (K1 + 1)) / (weight + K1 * ((1 - B) + B * fl / avgfl)))
        return np.where(tf == 0, 0.0, score)
    bound = _bound_array(seg, atom)
    return bound[docnums] if isinstance(bound, np.ndarray) else np.zeros(len(docnums))


def _collect_picked(heap, live, where, doc, picked, root, atoms, simple, wanted):
    for i in np.unique(where[picked]).tolist():
        docnums = np.sort(doc[picked[where[picked] == i]]).tolist()
        _collect(heap, live[i], docnums, root, atoms, simple, wanted)


# tf (a byte, 255: more) -> band 1-15 of frequencies; the highest tf in each band
_TF_BAND = bytes([0, *range(1, 11)] + [11] * 4 + [12] * 6 + [13] * 20 + [14] * 214 + [15])
_TF_HIGH = [0, *range(1, 11), 14, 20, 40, 254, None]


def _bool_array(bits, n):
    """The bits of `bits` as n booleans."""
    raw = np.frombuffer(bits.to_bytes((n + 7) // 8, "little"), dtype=np.uint8)
    return np.unpackbits(raw, count=n, bitorder="little").view(bool)


def _bound_array(seg, atom):
    """The highest score the atom can add to each document of the segment (0 where absent)."""
    n = seg.data.n
    if atom.query is not None:  # matched by Whoosh: its exact scores
        scores = seg.scores[atom.index]
        out = np.zeros(n)
        if scores:
            out[np.fromiter(scores.keys(), np.int64, len(scores))] = np.fromiter(scores.values(), float, len(scores))
        return out
    data = seg.terms[atom.index]
    if not data.count:
        return 0.0
    if data.tf is not None:
        codes = np.frombuffer(seg.data.codes(atom.fieldname, atom.text, data), dtype=np.uint8)
        return _score_grid(seg, atom, data)[codes]
    if data.mask is not None:
        return np.frombuffer(data.mask, dtype=np.uint8) * _bound(seg, atom)
    # few documents: their exact scores
    docnums = sorted(data.weights)
    out = np.zeros(n)
    out[docnums] = _contributions(seg, atom, docnums)
    return out


def _score_grid(seg, atom, data):
    """The highest score of the term per code of `SegmentData.codes` (frequency band * 16 + length
    band): 256 floats (numpy), kept while the index's statistics, which the scores depend on, stay."""

    def make():
        bands = seg.data.length_bands(atom.fieldname)[1]
        most = data.max_weight
        top_band = _TF_BAND[min(255, int(most / data.boost))] if data.boost else 15
        memo, score_fn = atom.memo, atom.score_fn
        grid = np.zeros(256)
        for tf_band in (*range(1, top_band + 1), 15):
            weight = min(_TF_HIGH[tf_band] * data.boost, most) if tf_band < 15 else most
            row = tf_band << 4
            for length_band, length_byte in enumerate(bands):
                if length_byte is not None:
                    key = (weight, length_byte)
                    score = memo.get(key)
                    if score is None:
                        score = memo[key] = score_fn(weight, byte_to_length(length_byte))
                    grid[row | length_band] = score
        return grid, grid.nbytes + 100

    if atom.bm25 is None:
        return make()[0]
    return _cached((seg.data.id, "grid", atom.fieldname, atom.text, atom.bm25), make)


def _collect(heap, seg, docnums, root, atoms, simple, wanted):
    """Score `docnums` of `seg` and keep the best `wanted` in `heap`."""
    if simple:  # every document here matches: its score is the sum over its terms
        scores = [0.0] * len(docnums)
        for atom in atoms:
            if atom.scored:
                values = _contributions(seg, atom, docnums)
                scores = [s + v for s, v in zip(scores, values, strict=True)]
    else:
        scores = _tree_scores(seg, docnums, root, atoms)
    updated = seg.data.column("updated")
    offset = seg.offset
    for score, docnum in zip(scores, docnums, strict=True):
        item = (score, updated[docnum], -(offset + docnum), seg, docnum)
        if len(heap) < wanted:
            heapq.heappush(heap, item)
        elif item[:3] > heap[0][:3]:
            heapq.heapreplace(heap, item)


def _contributions(seg, atom, docnums):
    """The score the atom adds to each document (0.0 where it is absent)."""
    if atom.query is not None:
        get = seg.scores[atom.index].get
        return [get(d, 0.0) for d in docnums]
    data = seg.terms[atom.index]
    if not data.count:
        return [0.0] * len(docnums)
    memo = atom.memo
    score_fn = atom.score_fn
    field = seg.searcher.schema[atom.fieldname]
    if field.scorable:
        lengths = seg.data.lengths(atom.fieldname)
    else:
        lengths = None
    if data.tf is not None:
        tf, boost = data.tf, data.boost
        out = []
        append = out.append
        for d in docnums:
            t = tf[d]
            if not t:
                append(0.0)
                continue
            key = (t * boost if t != 255 else data.over[d], lengths[d])
            value = memo.get(key)
            if value is None:
                value = memo[key] = score_fn(key[0], byte_to_length(key[1]))
            append(value)
        return out
    if data.mask is not None:
        mask, weight = data.mask, data.boost
        value = score_fn(weight, 1) if score_fn else 0.0
        return [value if mask[d] else 0.0 for d in docnums]
    get = data.weights.get
    out = []
    append = out.append
    for d in docnums:
        w = get(d)
        if w is None:
            append(0.0)
            continue
        key = (w, lengths[d] if lengths is not None else 1)
        value = memo.get(key)
        if value is None:
            length = byte_to_length(key[1]) if lengths is not None else 1
            value = memo[key] = score_fn(w, length) if score_fn else 0.0
        append(value)
    return out


def _presence(seg, atom, docnums):
    if atom.query is not None:
        scores = seg.scores[atom.index]
        return [d in scores for d in docnums]
    data = seg.terms[atom.index]
    if data.tf is not None:
        return [data.tf[d] != 0 for d in docnums]
    if data.mask is not None:
        return [data.mask[d] != 0 for d in docnums]
    return [d in data.weights for d in docnums]


def _tree_scores(seg, docnums, root, atoms):
    presence = [_presence(seg, a, docnums) for a in atoms]
    values = [_contributions(seg, a, docnums) if a.scored else [0.0] * len(docnums) for a in atoms]
    out = []
    for k in range(len(docnums)):
        out.append(_evaluate(root, [p[k] for p in presence], [v[k] for v in values])[1])
    return out


def _matched_terms(seg, docnum, atoms, context):
    """(field, term bytes) of the query found in the document, for highlighting."""
    found = set()
    for atom in atoms:
        if not atom.scored:
            continue
        if atom.query is None:
            if _presence(seg, atom, [docnum])[0]:
                found.add((atom.fieldname, atom.text))
        elif docnum in seg.scores[atom.index]:
            matcher = atom.query.matcher(seg.searcher, context)
            if matcher.is_active():
                matcher.skip_to(docnum)
            if matcher.is_active() and matcher.id() == docnum:
                found.update(matcher.matching_terms(docnum))
    return found

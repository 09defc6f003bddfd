"""Fast Whoosh indexing: a text field that analyses at C speed, and a segment builder.

Whoosh's own writer spends most of a rebuild in Python per token (a Token
object through four filters) and per posting (a pool of tuples, sorted and
merged, then a length lookup and a buffered append each). Here:

- `StemmedText` produces exactly the terms, positions, weights and lengths
  of `TEXT(analyzer=StemmingAnalyzer())`, with `re.findall` and a dict of
  already stemmed words instead of a chain of generators. The incremental
  writer uses it too, and so do the result snippets (whoosh_highlight.py);
  queries keep the Whoosh analyzer.
- `SegmentBuilder` writes a whole segment in the index's own format (the
  postings, statistics, lengths and columns Whoosh's writer would write,
  checked by tests/search/test_whoosh_build.py): postings are collected per
  term in document order, so nothing is sorted but the terms, and are
  written one block of 128 at a time. It adds an `.aux` file to the segment
  for whoosh_search.py.
- `build_parallel` builds the segments of a new index in several forked
  processes, each reading its own cases from the database.
"""

import multiprocessing
import queue
import re
import traceback
import zlib
from array import array

from whoosh.analysis import (
    IDTokenizer,
    LowercaseFilter,
    RegexTokenizer,
    StemFilter,
    StemmingAnalyzer,
    StopFilter,
)
from whoosh.codec import default_codec
from whoosh.codec.whoosh3 import WHOOSH3_HEADER_MAGIC, W3TermInfo
from whoosh.columns import NumericColumn
from whoosh.compat import dumps
from whoosh.fields import ID, TEXT
from whoosh.formats import Existence
from whoosh.index import TOC, clean_files
from whoosh.system import pack_uint, pack_ushort
from whoosh.util.numeric import byte_to_length, length_to_byte

ANALYZER = StemmingAnalyzer()
# Whoosh's default token pattern, with its group made non-capturing for findall.
_WHOOSH_PATTERN = r"[\w\*]+(\.?[\w\*]+)*"
FINDALL_PATTERN = r"[\w\*]+(?:\.?[\w\*]+)*"
_STEM_CACHE_LIMIT = 200_000
PROGRESS_EVERY = 500
# Posting blocks are zlib-compressed at Whoosh's level unless they are tiny
# (Whoosh means to skip those too, but a bug makes it compress them all).
COMPRESSION = 3
COMPRESS_FROM = 64
AUX_EXT = ".aux"


class _FastAnalysis:
    """The StemmingAnalyzer chain for indexing, as plain loops over strings."""

    def __init__(self, analyzer):
        tokenizer, lowercase, stop, stemmer = analyzer.items
        assert type(tokenizer) is RegexTokenizer and not tokenizer.gaps
        assert tokenizer.expression.pattern == _WHOOSH_PATTERN
        assert type(lowercase) is LowercaseFilter and type(stop) is StopFilter and type(stemmer) is StemFilter
        assert stop.renumber and stemmer.lang is None
        self.words = re.compile(FINDALL_PATTERN).findall
        self.stops = stop.stops
        self.minsize = stop.min
        self.maxsize = stop.max
        self.stem = stemmer.stemfn
        self.ignore = stemmer.ignore
        # lowercased word -> UTF-8 term, or False for a stop word
        self.cache = {}

    def _learn(self, word):
        if len(word) < self.minsize or (self.maxsize is not None and len(word) > self.maxsize) or word in self.stops:
            term = False
        else:
            term = (word if word in self.ignore else self.stem(word)).encode("utf-8")
        if len(self.cache) >= _STEM_CACHE_LIMIT:
            self.cache.clear()
        self.cache[word] = term
        return term

    def positions(self, text):
        """(length, {term bytes: [positions]}) as Whoosh's Positions format sees them."""
        if text.isascii():  # lowercasing first changes no token boundary
            lowered = self.words(text.lower())
        else:
            lowered = [w.lower() for w in self.words(text)]
        get = self.cache.get
        terms = list(map(get, lowered))
        if None in terms:
            learn = self._learn
            terms = [learn(w) if t is None else t for t, w in zip(terms, lowered, strict=True)]
        poses = {}
        first = None
        for index, term in enumerate(terms):
            if term is not False:
                first = index
                break
        if first is None:
            return 0, poses
        # StopFilter(renumber=True): the first kept token keeps its place, the
        # next ones follow it without gaps.
        kept = [t for t in terms if t is not False] if False in terms else terms
        for pos, term in enumerate(kept, first):
            plist = poses.get(term)
            if plist is None:
                poses[term] = [pos]
            else:
                plist.append(pos)
        return len(kept), poses


FAST = _FastAnalysis(ANALYZER)


_SINGLE = {}
_HEADS = {}


def encode_positions(plist):
    """formats.Positions.encode: the count, then the pickled position deltas.

    Built by hand for the common case (a protocol 2 pickle of a list of
    small ints is fixed bytes around "K<byte>" items); the same bytes.
    """
    count = len(plist)
    if count == 1:
        pos = plist[0]
        value = _SINGLE.get(pos)
        if value is None:
            value = pack_uint(1) + dumps(plist, 2)
            if pos < 65536:
                _SINGLE[pos] = value
        return value
    if count > 1000:  # pickle writes APPENDS in batches of 1000
        return _encode_positions(plist)
    out = []
    prev = 0
    for pos in plist:
        delta = pos - prev
        if delta > 255:
            return _encode_positions(plist)
        out += (75, delta)  # BININT1
        prev = pos
    head = _HEADS.get(count)
    if head is None:
        head = _HEADS[count] = pack_uint(count) + b"\x80\x02]q\x00("  # PROTO 2, EMPTY_LIST, BINPUT 0, MARK
    return head + bytes(out) + b"e."  # APPENDS, STOP


def _encode_positions(plist):
    deltas = [plist[0]]
    deltas += [b - a for a, b in zip(plist, plist[1:], strict=False)]
    return pack_uint(len(deltas)) + dumps(deltas, 2)


class StemmedText(TEXT):
    """TEXT with the stemming analyzer, indexed without per-token objects."""

    def __init__(self, field_boost=1.0):
        super().__init__(analyzer=ANALYZER, field_boost=field_boost)

    def index(self, value, **kwargs):
        if kwargs or not isinstance(value, str):
            return super().index(value, **kwargs)
        return self.fast_index(value)

    def fast_index(self, value):
        fb = self.format.field_boost
        _, poses = FAST.positions(value)
        return [(term, len(plist), float(len(plist)) * fb, encode_positions(plist)) for term, plist in poses.items()]


class SegmentBuilder:
    """One new segment of an index, written in Whoosh's format without its posting pool.

    `add(fields)` takes what `writer.add_document(**fields)` would; `finish()`
    writes the files and returns the segment for the index's table of contents.
    Besides Whoosh's files the segment holds an `.aux` file for the search
    (whoosh_search.py): per-document term frequencies of frequent terms, field
    lengths and numeric columns, as plain byte arrays.
    """

    def __init__(self, ix, compound=True):
        self.storage = ix.storage
        self.schema = ix.schema
        self.codec = default_codec()
        self.segment = self.codec.new_segment(self.storage, ix.indexname)
        self.perdoc = self.codec.per_document_writer(self.storage, self.segment)
        self.compound = compound
        self.docnum = 0
        self._fields = {name: self.schema[name] for name in self.schema.names()}
        # fieldname -> {term bytes: [docnums, weights, value bytes, value end offsets]}
        self.postings = {name: {} for name, field in self._fields.items() if field.indexed}
        # fieldname -> length byte per document (scorable fields)
        self.lengths = {name: bytearray() for name, field in self._fields.items() if field.indexed and field.scorable}
        # fieldname -> value per document (numeric columns)
        self.columns = {
            name: array(field.column_type._typecode)
            for name, field in self._fields.items()
            if isinstance(field.column_type, NumericColumn)
        }
        self._kinds = {name: _index_kind(field) for name, field in self._fields.items()}

    def add(self, fields):
        docnum = self.docnum
        perdoc = self.perdoc
        perdoc.start_doc(docnum)
        doc_lengths = {}
        for fieldname in sorted(fields):
            value = fields[fieldname]
            if value is None:
                continue
            field = self._fields[fieldname]
            length = 0
            kind = self._kinds[fieldname]
            if kind is not None:
                terms = self.postings[fieldname]
                if kind == "text" and type(value) is str:
                    fb = field.format.field_boost
                    length, poses = FAST.positions(value)
                    for term, plist in poses.items():
                        entry = terms.get(term)
                        if entry is None:
                            terms[term] = entry = [array("I"), array("d"), bytearray(), array("I")]
                        entry[0].append(docnum)
                        entry[1].append(len(plist) * fb)
                        entry[2] += encode_positions(plist)
                        entry[3].append(len(entry[2]))
                elif kind in ("id", "lowerid") and type(value) is str:
                    # IDTokenizer (| LowercaseFilter) into Existence: the value is the term
                    term = (value.lower() if kind == "lowerid" else value).encode("utf-8")
                    entry = terms.get(term)
                    if entry is None:
                        terms[term] = entry = [array("I"), array("d"), None, None]
                    entry[0].append(docnum)
                    entry[1].append(field.format.field_boost)
                else:
                    scorable = field.scorable
                    for term, freq, weight, vbytes in field.index(value):
                        if scorable:
                            length += freq
                        entry = terms.get(term)
                        if entry is None:
                            terms[term] = entry = [array("I"), array("d"), bytearray(), array("I")]
                        entry[0].append(docnum)
                        entry[1].append(weight)
                        entry[2] += vbytes
                        entry[3].append(len(entry[2]))
                doc_lengths[fieldname] = length
            perdoc.add_field(fieldname, field, value if field.stored else None, length)
            column = field.column_type
            if column:
                perdoc.add_column_value(fieldname, column, field.to_column_value(value))
        # The length byte the per-document reader will answer (0: none).
        for fieldname, column in self.lengths.items():
            column.append(length_to_byte(doc_lengths.get(fieldname, 0)))
        for fieldname, column in self.columns.items():
            value = fields.get(fieldname)
            column.append(self._fields[fieldname].column_type._default if value is None else value)
        perdoc.finish_doc()
        self.docnum += 1

    def finish(self):
        """Write postings and columns; returns the finished segment."""
        self.perdoc.close()
        writer = self.codec.field_writer(self.storage, self.segment)
        blocklimit = self.codec._blocklimit
        aux = AuxWriter(self.segment.create_file(self.storage, AUX_EXT))
        dense = dense_min(self.docnum)
        for fieldname in sorted(self.postings):
            terms = self.postings[fieldname]
            if not terms:
                continue
            field = self._fields[fieldname]
            writer.start_field(fieldname, field)
            # W3FieldWriter.start_term/add/finish_term, one block at a time
            postfile, tindex = writer._postfile, writer._tindex
            prefix = pack_ushort(writer._fieldid)
            fixedsize = field.format.fixed_value_size()
            lengths = self.lengths.get(fieldname)
            for term in sorted(terms):
                entry = terms.pop(term)
                terminfo = W3TermInfo()
                start = postfile.tell()
                postfile.write(WHOOSH3_HEADER_MAGIC)
                count = len(entry[0])
                for first in range(0, count, blocklimit):
                    block = _Block(entry, lengths, first, first + blocklimit)
                    terminfo.add_block(block)
                    block.write(postfile, fixedsize, last=first + blocklimit >= count)
                terminfo.set_extent(start, postfile.tell() - start)
                tindex.add(prefix + term, terminfo.to_bytes())
                if count >= dense:
                    aux.add_term(fieldname, term, field, entry[0], entry[1], self.docnum)
            writer.finish_field()
        writer.close()
        for fieldname, column in self.lengths.items():
            aux.add(("len", fieldname), bytes(column))
        for fieldname, column in self.columns.items():
            aux.add(("col", fieldname), column.tobytes(), column.typecode)
        aux.close()
        self.postings = self.lengths = self.columns = None
        segment = self.segment
        segment.set_doc_count(self.docnum)
        if self.compound:
            segment.create_compound_file(self.storage)
        return segment


def _index_kind(field):
    """How SegmentBuilder indexes a field: "text", "id", "lowerid", "other" or None (not indexed)."""
    if not field.indexed:
        return None
    if type(field) is StemmedText:
        return "text"
    if type(field) is ID and type(field.format) is Existence and not field.scorable:
        analyzer = field.analyzer
        if type(analyzer) is IDTokenizer:
            return "id"
        items = getattr(analyzer, "items", ())
        if [type(i) for i in items] == [IDTokenizer, LowercaseFilter]:
            return "lowerid"
    return "other"


def dense_min(doc_count):
    """Terms in at least this many documents of a segment get an .aux entry."""
    return max(64, doc_count // 64)


class AuxWriter:
    """`<segment>.aux`: zlib-compressed blobs, then a pickled directory, then its offset."""

    def __init__(self, dbfile):
        self.file = dbfile
        self.directory = {}

    def add(self, key, data, extra=None):
        packed = zlib.compress(data, 1)
        self.directory[key] = (self.file.tell(), len(packed), extra)
        self.file.write(packed)

    def add_term(self, fieldname, term, field, docnums, weights, doc_count):
        if field.scorable:
            # frequency per document (weight / field boost), 255 meaning "see extra"
            fb = field.format.field_boost
            freqs = bytearray(doc_count)
            over = {}
            for docnum, weight in zip(docnums, weights, strict=True):
                freq = int(weight / fb)
                if freq > 254 or freq * fb != weight:
                    over[docnum] = weight
                    freq = 255
                freqs[docnum] = freq
            self.add(("tf", fieldname, term), bytes(freqs), over)
        else:
            bits = bytearray((doc_count + 7) // 8)
            for docnum in docnums:
                bits[docnum >> 3] |= 1 << (docnum & 7)
            self.add(("bits", fieldname, term), bytes(bits), weights[0] if len(set(weights)) == 1 else None)

    def close(self):
        start = self.file.tell()
        self.file.write(dumps(self.directory, 2))
        self.file.write_long(start)
        self.file.close()


class _Block:
    """One block of a posting list, as W3PostingsWriter buffers and writes it."""

    __slots__ = ("_ids", "_weights", "_values", "_maxweight", "_minlength", "_maxlength")

    def __init__(self, entry, lengths, start, end):
        docnums, weights, values, ends = entry
        self._ids = docnums[start:end]
        doubles = weights[start:end]
        self._weights = array("f", doubles)
        if values:
            offsets = ends[start - 1 : end] if start else [0, *ends[:end]]
            self._values = [bytes(values[a:b]) for a, b in zip(offsets, offsets[1:], strict=False) if b > a]
        else:
            self._values = []
        self._maxweight = max(0, max(doubles))
        if lengths is not None:
            present = [lengths[d] for d in self._ids if lengths[d]]
            self._minlength = byte_to_length(min(present)) if present else None
            self._maxlength = byte_to_length(max(present)) if present else 0
        else:
            self._minlength, self._maxlength = None, 0

    def __len__(self):
        return len(self._ids)

    def min_id(self):
        return self._ids[0]

    def max_id(self):
        return self._ids[-1]

    def min_length(self):
        return self._minlength

    def max_length(self):
        return self._maxlength

    def max_weight(self):
        return self._maxweight

    def write(self, postfile, fixedsize, last):
        """W3PostingsWriter._write_block, leaving small blocks uncompressed as it means to."""
        ids = self._ids
        deltas = [ids[0]]
        deltas += [b - a for a, b in zip(ids, ids[1:], strict=False)]
        weights = self._weights
        if all(w == 1.0 for w in weights):
            weights = None
        elif all(w == weights[0] for w in weights):
            weights = weights[0]
        else:
            weights = tuple(weights)
        if fixedsize is None or fixedsize < 0:
            values = tuple(self._values)
        elif fixedsize == 0:
            values = None
        else:
            values = b"".join(self._values)
        data = dumps((tuple(deltas), weights, values), 2)
        compression = COMPRESSION if len(data) >= COMPRESS_FROM else 0
        if compression:
            data = zlib.compress(data, compression)
        info = dumps(
            (
                len(ids),
                ids[-1],
                self._maxweight,
                compression,
                length_to_byte(self._minlength),
                length_to_byte(self._maxlength),
            ),
            2,
        )
        size = len(info) + len(data)
        postfile.write_int(-size if last else size)
        postfile.write(info)
        postfile.write(data)


def commit_segments(ix, segments):
    """Make `segments` the whole content of the (new) index `ix`."""
    generation = ix.latest_generation() + 1
    TOC(ix.schema, list(segments), generation).write(ix.storage, ix.indexname)
    clean_files(ix.storage, ix.indexname, generation, segments)


def build_parallel(ix, chunks, documents, procs, progress=None, init_child=None):
    """One segment per chunk of `chunks`, built by `procs` forked processes.

    `documents(chunk)` yields the field dicts of a chunk and runs in the child
    (after `init_child()`, which must drop inherited database connections).
    Returns the segments in chunk order. Any failure in a child is raised here.
    """
    ctx = multiprocessing.get_context("fork")
    tasks, results = ctx.Queue(), ctx.Queue()
    for number, chunk in enumerate(chunks):
        tasks.put((number, chunk))
    for _ in range(procs):
        tasks.put(None)
    children = [
        ctx.Process(target=_build_child, args=(ix, tasks, results, documents, init_child), daemon=True)
        for _ in range(procs)
    ]
    for child in children:
        child.start()
    segments = {}
    try:
        while len(segments) < len(chunks):
            try:
                kind, number, value = results.get(timeout=1.0)
            except queue.Empty:
                if any(c.exitcode not in (None, 0) for c in children) or not any(c.is_alive() for c in children):
                    raise RuntimeError("an indexing process ended without finishing its work") from None
                continue
            if kind == "error":
                raise RuntimeError(f"indexing failed in a child process:\n{value}")
            if kind == "progress":
                if progress:
                    progress(value)
            else:
                segments[number] = value
    finally:
        for child in children:
            if child.is_alive() and len(segments) < len(chunks):
                child.terminate()
            child.join(timeout=30)
        tasks.close()
        results.close()
    return [segments[n] for n in sorted(segments) if segments[n] is not None]


def _build_child(ix, tasks, results, documents, init_child):
    try:
        if init_child:
            init_child()
        while (task := tasks.get()) is not None:
            number, chunk = task
            builder = SegmentBuilder(ix)
            pending = 0
            for fields in documents(chunk):
                builder.add(fields)
                pending += 1
                if pending == PROGRESS_EVERY:
                    results.put(("progress", None, pending))
                    pending = 0
            if pending:
                results.put(("progress", None, pending))
            results.put(("segment", number, builder.finish() if builder.docnum else None))
    except BaseException as exc:  # reported to the parent, which raises it
        results.put(("error", None, "".join(traceback.format_exception(exc))))
    finally:
        results.close()
        results.join_thread()

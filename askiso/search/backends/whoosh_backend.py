"""The embedded backend: a Whoosh index in SEARCH_INDEX_DIR.

Layout: `<dir>/current` is a symlink to `<dir>/gen-<n>`, the live index.
A rebuild writes a new generation beside it and swaps the link atomically,
so searches keep using the old index meanwhile. `<dir>/writer.lock` makes
one writer at a time across threads and processes. An index that cannot be
opened (deleted, corrupted, or built with another schema) is rebuilt from
the database.
"""

import logging
import os
import shutil
import threading
import time
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

from flask import current_app
from whoosh import index, qparser
from whoosh.analysis import IDTokenizer, LowercaseFilter
from whoosh.columns import NumericColumn
from whoosh.fields import COLUMN, ID, KEYWORD, Schema
from whoosh.filedb.filestore import FileStorage
from whoosh.query import And, NullQuery, Or, Term
from whoosh.util.filelock import FcntlLock

from askiso.search.backends import whoosh_search
from askiso.search.backends.base import Hit, SearchUnavailable, WriterBusy
from askiso.search.backends.whoosh_build import (
    SegmentBuilder,
    StemmedText,
    build_parallel,
    commit_segments,
)
from askiso.search.backends.whoosh_highlight import highlight
from askiso.search.documents import iter_all_documents
from askiso.search.query import plain_snippet, render_snippet
from askiso.search.scope import viewer_scope

log = logging.getLogger(__name__)
PUBLIC_FIELDS = ("number", "subject", "body")
STAFF_FIELDS = (*PUBLIC_FIELDS, "internal")
NONE = "none"
# Documents per segment of a rebuild: fewer segments search faster, bigger
# ones take more memory while being built (about 5 KB per case).
SEGMENT_DOCS = 100_000
EPOCH = datetime(1970, 1, 1)

SCHEMA = Schema(
    case_id=ID(unique=True),
    # The case id again, as a number per document: hits are read from here.
    case=COLUMN(NumericColumn("q")),
    number=ID(analyzer=IDTokenizer() | LowercaseFilter(), field_boost=3.0),
    subject=StemmedText(field_boost=2.0),
    body=StemmedText(),
    internal=StemmedText(),
    status=ID,
    participant_id=ID,
    participant_code=ID,
    request_type=ID,
    submitter_id=ID,
    contact_ids=KEYWORD,
    queue_id=ID,
    # Only for ordering ties: a column, not indexed.
    updated=COLUMN(NumericColumn("q")),
)


def _fields(doc):
    """A CaseDocument as Whoosh field values."""
    return {
        "case_id": str(doc.case_id),
        "case": doc.case_id,
        "number": doc.number,
        "subject": doc.subject,
        "body": doc.public_text,
        "internal": doc.internal_text,
        "status": doc.status,
        "participant_id": str(doc.participant_id) if doc.participant_id else NONE,
        "participant_code": doc.participant_code.lower() or NONE,
        "request_type": doc.request_type.lower(),
        "submitter_id": str(doc.submitter_id or NONE),
        "contact_ids": " ".join(str(i) for i in doc.contact_ids),
        "queue_id": str(doc.queue_id or NONE),
        "updated": _microseconds(doc.updated_at),
    }


def _microseconds(value):
    """A naive UTC datetime as microseconds since the epoch (0 for none)."""
    if not value:
        return 0
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return (value - EPOCH) // timedelta(microseconds=1)


def _signature(schema):
    """Field names, types and boosts: an index built otherwise is rebuilt."""
    return {
        name: (type(field), type(field.format), getattr(field.format, "field_boost", None))
        for name, field in schema.items()
    }


class _Batch:
    def __init__(self, writer):
        self.writer = writer
        self.count = 0

    def update(self, doc):
        self.writer.update_document(**_fields(doc))
        self.count += 1

    def delete(self, case_id):
        self.writer.delete_by_term("case_id", str(case_id))
        self.count += 1


class WhooshStore:
    """The index folder: generations, the live link and the writer lock."""

    def __init__(self, root):
        self.root = Path(root)
        self.link = self.root / "current"

    def lock(self):
        self.root.mkdir(parents=True, exist_ok=True)
        return FcntlLock(str(self.root / "writer.lock"))

    def open(self):
        """The live index; raises SearchUnavailable when it cannot be used."""
        try:
            # Not memory-mapped: Whoosh copies each mapped compound segment into a BytesIO on every
            # open (the whole index in memory per search); plain file reads do not.
            ix = FileStorage(str(self.link), supports_mmap=False).open_index()
            if _signature(ix.schema) != _signature(SCHEMA):
                raise SearchUnavailable("the index was built with another schema")
            ix.doc_count()  # reads the segment list: a damaged index fails here
            return ix
        except SearchUnavailable:
            raise
        except Exception as exc:  # missing folder, damaged files, pickling errors
            raise SearchUnavailable(f"search index unusable: {type(exc).__name__}: {exc}") from exc

    def build(self, documents):
        """Write a new generation from (doc iterable) and make it live; returns its size."""
        generation, ix = self._new_generation()
        segments, count, builder = [], 0, None
        try:
            for doc in documents:
                if builder is None:
                    builder = SegmentBuilder(ix)
                builder.add(_fields(doc))
                count += 1
                if builder.docnum >= SEGMENT_DOCS:
                    segments.append(builder.finish())
                    builder = None
            if builder is not None:
                segments.append(builder.finish())
            commit_segments(ix, segments)
        except BaseException:
            shutil.rmtree(generation, ignore_errors=True)
            raise
        self._swap(generation)
        return count

    def build_parallel(self, case_ids, load, procs, progress=None, init_child=None):
        """Like build(), reading and indexing `case_ids` in `procs` processes.

        `load(ids)` yields the CaseDocuments of some ids; it runs in the
        children, after `init_child()`.
        """
        generation, ix = self._new_generation()
        size = max(1, min(SEGMENT_DOCS, -(-len(case_ids) // procs)))
        chunks = [case_ids[i : i + size] for i in range(0, len(case_ids), size)]
        try:
            segments = build_parallel(
                ix, chunks, lambda ids: map(_fields, load(ids)), procs, progress=progress, init_child=init_child
            )
            commit_segments(ix, segments)
        except BaseException:
            shutil.rmtree(generation, ignore_errors=True)
            raise
        self._swap(generation)
        return sum(segment.doc_count_all() for segment in segments)

    def _new_generation(self):
        self.root.mkdir(parents=True, exist_ok=True)
        generation = self.root / f"gen-{time.time_ns()}"
        generation.mkdir()
        return generation, index.create_in(str(generation), SCHEMA)

    def _swap(self, generation):
        tmp = self.root / f".current-{time.time_ns()}"
        os.symlink(generation.name, tmp)
        os.replace(tmp, self.link)  # atomic: readers see the old or the new index
        for old in self.root.glob("gen-*"):
            if old != generation:
                shutil.rmtree(old, ignore_errors=True)


class WhooshBackend:
    name = "whoosh"

    def __init__(self, root):
        self.store = WhooshStore(root)

    @contextmanager
    def writer(self):
        lock = self.store.lock()
        if not lock.acquire(blocking=False):
            raise WriterBusy("another search writer is running")
        try:
            ix = self._open_or_rebuild_locked()
            writer = ix.writer()
            batch = _Batch(writer)
            try:
                yield batch
            except BaseException:
                writer.cancel()
                raise
            if batch.count:
                writer.commit()
            else:
                writer.cancel()
        finally:
            lock.release()

    def rebuild(self, documents):
        """Rebuild from `documents` (an iterable of CaseDocument) under the writer lock."""
        lock = self.store.lock()
        lock.acquire(blocking=True)
        try:
            return self.store.build(documents)
        finally:
            lock.release()

    def rebuild_parallel(self, case_ids, load, procs, progress=None, init_child=None):
        """rebuild() with `procs` processes each loading and indexing its share of `case_ids`."""
        lock = self.store.lock()
        lock.acquire(blocking=True)
        try:
            return self.store.build_parallel(case_ids, load, procs, progress=progress, init_child=init_child)
        finally:
            lock.release()

    def _open_or_rebuild_locked(self):
        try:
            return self.store.open()
        except SearchUnavailable as exc:
            level = logging.WARNING if self.store.link.is_symlink() else logging.INFO
            log.log(level, "%s; rebuilding it from the database", exc)
            self.store.build(iter_all_documents())
            return self.store.open()

    def _open_for_search(self):
        try:
            return self.store.open()
        except SearchUnavailable:
            self.repair()
            return self.store.open()

    def repair(self):
        """Rebuild the index unless someone else just did."""
        lock = self.store.lock()
        lock.acquire(blocking=True)
        try:
            return self._open_or_rebuild_locked()
        finally:
            lock.release()

    def search(self, viewer, parsed, offset, limit):
        staff, scope = viewer_scope(viewer)
        scope_filter = _scope_query(scope)
        if scope_filter is None and scope is not None:
            return [], 0  # nothing in scope: fail closed without asking the index
        query = _parser(staff).parse(parsed.text)
        filters = [f for f in [scope_filter, *_constraint_queries(parsed)] if f is not None]
        combined = And(filters) if filters else None
        try:
            return self._search(query, combined, offset, limit)
        except SearchUnavailable:
            raise
        except Exception:  # a damaged segment shows up only when read
            log.exception("search index failed while reading; rebuilding it")
            _forget_searcher()
            self.store.link.unlink(missing_ok=True)
            return self._search(query, combined, offset, limit)

    def _search(self, query, combined_filter, offset, limit):
        whoosh_search.CACHE.resize(current_app.config.get("SEARCH_CACHE_MB", 64) * 1024 * 1024)
        ix, searcher = self._searcher()
        hits, total = whoosh_search.search(ix.storage, searcher, query, combined_filter, offset, limit)
        return [Hit(case_id, _terms(found)) for case_id, found in hits], total

    def _searcher(self):
        """(index, searcher) of the live index, kept by this thread until the index changes.

        Opening reads the table of contents and every segment's term index:
        a good part of a search at a million cases.
        """
        key = (os.getpid(), str(self.store.root), _link_target(self.store.link))
        kept = getattr(_KEPT, "searcher", None)
        if kept is not None and kept[0] == key and kept[1][1].up_to_date():
            return kept[1]
        # (not searcher.refresh(): its reuse of segment readers keeps stale deletions)
        _forget_searcher()
        ix = self._open_for_search()
        searcher = ix.searcher()
        key = (os.getpid(), str(self.store.root), _link_target(self.store.link))
        _KEPT.searcher = (key, (ix, searcher))
        return ix, searcher

    def snippet(self, hit, doc, staff):
        marked = highlight(doc.public_text, hit.context.get("public"))
        if marked:
            return render_snippet(marked), False
        if staff and hit.context.get("internal"):
            marked = highlight(doc.internal_text, hit.context["internal"])
            if marked:
                return render_snippet(marked), True
        return plain_snippet(doc.public_text), False


_KEPT = threading.local()


def _link_target(link):
    try:
        return os.readlink(link)
    except OSError:
        return None


def _forget_searcher():
    kept = getattr(_KEPT, "searcher", None)
    _KEPT.searcher = None
    if kept is not None and kept[0][0] == os.getpid():
        try:
            kept[1][1].close()
        except Exception:  # a damaged index may fail to close too
            log.debug("closing a kept searcher failed", exc_info=True)


def _parser(staff):
    """Words, phrases, prefix*, typo~, -not, OR; no field syntax at all."""
    parser = qparser.MultifieldParser(list(STAFF_FIELDS if staff else PUBLIC_FIELDS), SCHEMA, group=qparser.AndGroup)
    for plugin in (qparser.FieldsPlugin, qparser.RangePlugin, qparser.BoostPlugin, qparser.EveryPlugin):
        parser.remove_plugin_class(plugin)
    parser.add_plugin(qparser.FuzzyTermPlugin())
    # A minus only at the start of a word: "AI-2026-000001" stays one term.
    parser.add_plugin(qparser.PlusMinusPlugin(plusexpr=r"(?<![^\s(])\+", minusexpr=r"(?<![^\s(])-"))
    return parser


def _scope_query(scope):
    """The viewer's scope as a Whoosh filter; None for "everything" or "nothing"."""
    if scope is None:
        return None
    clauses = [Term("queue_id", str(q)) for q in scope.queue_ids]
    clauses += [Term("participant_id", str(p)) for p in scope.all_cases_of]
    mine = Or([Term("submitter_id", str(scope.user_id)), Term("contact_ids", str(scope.user_id))])
    clauses += [And([Term("participant_id", str(p)), mine]) for p in scope.own_cases_of]
    if scope.own_inquiries:
        clauses.append(And([Term("participant_id", NONE), Term("submitter_id", str(scope.user_id))]))
    return Or(clauses) if clauses else None


def _constraint_queries(parsed):
    fields = {"status": "status", "participant": "participant_code", "type": "request_type"}
    for kind, values in parsed.constraints:
        yield Or([Term(fields[kind], v) for v in sorted(values)]) if values else NullQuery


def _terms(matched):
    found = {"public": set(), "internal": set()}
    for fieldname, text in matched:
        key = "internal" if fieldname == "internal" else "public"
        found[key].add(text.decode("utf-8") if isinstance(text, bytes) else text)
    return found

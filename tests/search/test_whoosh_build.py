"""The fast Whoosh indexing and search give what Whoosh itself gives.

- StemmedText analyses text into the same terms, positions and weights as
  TEXT(analyzer=StemmingAnalyzer());
- SegmentBuilder writes the same postings, statistics, lengths and columns
  as Whoosh's writer;
- whoosh_search finds the same documents, counts them the same, and orders
  them by Whoosh's BM25F score, then newest `updated`, then document order;
- the parallel rebuild indexes every case and reports a failing child.
"""

import random
from datetime import timedelta

import numpy as np
import pytest
from whoosh import index, query
from whoosh.fields import TEXT
from whoosh.scoring import BM25F

from askiso.core.timeutil import utcnow
from askiso.search import services, worker
from askiso.search.backends import get_backend, whoosh_search
from askiso.search.backends.whoosh_backend import SCHEMA, _parser
from askiso.search.backends.whoosh_build import (
    ANALYZER,
    SegmentBuilder,
    StemmedText,
    commit_segments,
)
from tests.search.conftest import make_case

TEXTS = [
    "",
    "the and of",  # stop words only
    "Settlement statement SETTLEMENT statements settled settling",
    "The operating day was June 3; the operating-day report (rev. 2.1) is late.",
    "e.g. user@bench.test wrote: see https://example.com/a_b?x=1 and 3.14159 or 1,000,000",
    "Ünïcode Straße İstanbul ΣΊΣΥΦΟΣ ὈΔΥΣΣΕΎΣ café naïve déjà-vu 東京 ١٢٣",
    "settl* wild*card a*b **",
    "x y z a I O u 12 7 _ __init__ snake_case CamelCase",
    "meter " * 300 + "invoice",
    "\n\t  spaced\u00a0out\u2003words  \n",
    "AI-2026-000123 ai-2026-000123 FTR FCM LMP",
]


def _whoosh_words(text, field_boost=1.0):
    field = TEXT(analyzer=ANALYZER, field_boost=field_boost)
    return sorted(field.index(text))


@pytest.mark.parametrize("text", TEXTS)
def test_stemmed_text_indexes_like_whoosh(text):
    for boost in (1.0, 2.0):
        assert sorted(StemmedText(field_boost=boost).index(text)) == _whoosh_words(text, boost)


def test_stemmed_text_random_texts_like_whoosh():
    rng = random.Random(7)
    alphabet = "aAbBeEiIsStT .,;-*_'0129éÉİßΣς\n"
    words = ["the", "of", "settlement", "Statement", "RUNNING", "runs", "x", "a.b", "İ", "ß", "ΣΑΣ"]
    for _ in range(300):
        text = " ".join(
            rng.choice(words) if rng.random() < 0.5 else "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 8)))
            for _ in range(rng.randint(0, 40))
        )
        assert sorted(StemmedText().index(text)) == _whoosh_words(text), text


def _random_fields(rng, case_id, vocabulary):
    def text(low, high):
        return " ".join(rng.choice(vocabulary) for _ in range(rng.randint(low, high)))

    return {
        "case_id": str(case_id),
        "case": case_id,
        "number": f"AI-2026-{case_id:06d}",
        "subject": text(0, 8).capitalize(),
        "body": text(0, 120) if rng.random() < 0.95 else "",
        "internal": text(0, 40) if rng.random() < 0.4 else "",
        "status": rng.choice(["new", "closed", "closed", "waiting"]),
        "participant_id": rng.choice(["1", "2", "3", "none"]),
        "participant_code": rng.choice(["alpha", "beta", "none"]),
        "request_type": rng.choice(["general_question", "billing_dispute"]),
        "submitter_id": str(rng.randint(1, 30)),
        "contact_ids": " ".join(str(rng.randint(1, 30)) for _ in range(rng.randint(0, 3))),
        "queue_id": rng.choice(["1", "2", "none"]),
        "updated": rng.randint(0, 40) * 1_000_000,  # many equal dates: ties must be broken
    }


VOCABULARY = (
    "settlement statement invoice meter reading operating day energy capacity auction dispute charge credit "
    "the of a reconciliation resettlement settled statements reserve congestion zone forecast outage"
).split()


def _postings_of(ix):
    """Everything a search can read from an index, per term and per document."""
    out = {}
    with ix.searcher() as searcher:
        reader = searcher.reader()
        n = reader.doc_count_all()
        out["lengths"] = {f: [reader.doc_field_length(d, f) for d in range(n)] for f in ("subject", "body", "internal")}
        out["columns"] = {f: list(reader.column_reader(f)) for f in ("updated", "case")}
        terms = {}
        for fieldname, text in reader.all_terms():
            info = reader.term_info(fieldname, text)
            matcher = reader.postings(fieldname, text)
            items = []
            while matcher.is_active():
                items.append(
                    (
                        matcher.id(),
                        matcher.weight(),
                        matcher.value(),
                        matcher.block_max_weight(),
                        matcher.block_min_length(),
                        matcher.block_max_length(),
                        matcher.block_max_id(),
                    )
                )
                matcher.next()
            stats = (info.weight(), info.doc_frequency(), info.min_length(), info.max_length(), info.max_weight())
            terms[fieldname, text] = (stats, info.min_id(), info.max_id(), items)
        out["terms"] = terms
    return out


def test_segment_builder_writes_what_whoosh_writes(tmp_path):
    rng = random.Random(11)
    docs = [_random_fields(rng, i + 1, VOCABULARY) for i in range(700)]
    docs[3]["body"] = "meter " * 400  # a frequency above 255
    docs[4]["subject"] = None
    docs[5]["contact_ids"] = "7 7 9"
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    by_whoosh = index.create_in(str(tmp_path / "a"), SCHEMA)
    writer = by_whoosh.writer()
    for fields in docs:
        writer.add_document(**{k: v for k, v in fields.items() if v is not None})
    writer.commit()
    by_builder = index.create_in(str(tmp_path / "b"), SCHEMA)
    builder = SegmentBuilder(by_builder)
    for fields in docs:
        builder.add({k: v for k, v in fields.items() if v is not None})
    commit_segments(by_builder, [builder.finish()])
    expected, got = _postings_of(index.open_dir(str(tmp_path / "a"))), _postings_of(by_builder)
    assert got["lengths"] == expected["lengths"]
    assert got["columns"] == expected["columns"]
    assert set(got["terms"]) == set(expected["terms"])
    for key, value in expected["terms"].items():
        assert got["terms"][key] == value, key


def _mixed_index(path, rng):
    """Two built segments, one written by Whoosh, updates and deletions."""
    path.mkdir()
    ix = index.create_in(str(path), SCHEMA)
    docs = [_random_fields(rng, i + 1, VOCABULARY) for i in range(1300)]
    segments = []
    for chunk in (docs[:800], docs[800:1300]):
        builder = SegmentBuilder(ix)
        for fields in chunk:
            builder.add(fields)
        segments.append(builder.finish())
    commit_segments(ix, segments)
    writer = ix.writer()
    for i in range(1301, 1361):
        writer.add_document(**_random_fields(rng, i, VOCABULARY))
    for case_id in rng.sample(range(1, 1300), 80):  # updated cases move to the new segment
        writer.update_document(**_random_fields(rng, case_id, VOCABULARY))
    for case_id in rng.sample(range(1, 1360), 40):
        writer.delete_by_term("case_id", str(case_id))
    writer.commit(merge=False)
    return index.open_dir(str(path))


QUERIES = [
    "settlement statement",
    "settlement",
    "meter -invoice",
    "capacity OR auction",
    "settl*",
    "setlement~",
    '"operating day"',
    '"settlement statement" dispute',
    "AI-2026-000123",
    "reconciliation resettlement zone",
    "the",
    "nothingmatchesthis",
    "settlement (invoice OR credit) -outage",
]


def _reference(searcher, q, filter_q, offset, limit):
    """Whoosh's own matches and BM25F scores, ordered as the search promises.

    Whoosh's AndNot matcher keeps the first document of the positive side when
    the negative side starts earlier, so exclusions are applied here instead.
    """
    excluded = set()
    if isinstance(q, query.AndNot):
        excluded = {h.docnum for h in searcher.search(q.b, limit=None)}
        q = q.a
    results = [h for h in searcher.search(q, filter=filter_q, limit=None) if h.docnum not in excluded]
    updated = searcher.reader().column_reader("updated")
    case = searcher.reader().column_reader("case")
    ordered = sorted(results, key=lambda h: (-round(h.score, 9), -updated[h.docnum], h.docnum))
    return [case[h.docnum] for h in ordered[offset : offset + limit]], len(results)


@pytest.mark.parametrize(("score_all", "refine_above"), [(0, 10**9), (0, 0), (2000, 64)])
def test_search_orders_and_counts_like_whoosh(tmp_path, monkeypatch, score_all, refine_above):
    """score_all=0: the bounds for every query (refined or not); 2000: every match of this small
    index scored."""
    monkeypatch.setattr(whoosh_search, "SCORE_ALL", score_all)
    monkeypatch.setattr(whoosh_search, "REFINE_ABOVE", refine_above)
    whoosh_search.CACHE.clear()
    ix = _mixed_index(tmp_path / "ix", random.Random(5))
    filters = [
        None,
        query.Or([query.Term("participant_id", "1"), query.Term("queue_id", "2")]),
        query.And(
            [
                query.Term("participant_id", "2"),
                query.Or([query.Term("submitter_id", "3"), query.Term("contact_ids", "3")]),
            ]
        ),
        query.And([query.Term("status", "closed"), query.Term("request_type", "billing_dispute")]),
    ]
    with ix.searcher(weighting=BM25F()) as searcher:
        for staff in (True, False):
            parser = _parser(staff)
            for text in QUERIES:
                q = parser.parse(text)
                for filter_q in filters:
                    pages = ((0, 20), (20, 20), (0, 3)) if filter_q is None else ((0, 20),)
                    for offset, limit in pages:
                        got_hits, got_total = whoosh_search.search(ix.storage, searcher, q, filter_q, offset, limit)
                        expected = _reference(searcher, q, filter_q, offset, limit)
                        assert ([h[0] for h in got_hits], got_total) == expected, (text, filter_q, offset)


def test_refined_bounds_are_the_scores_or_above(tmp_path, monkeypatch):
    """The tighter bounds of whoosh_search._refined_bounds: never below Whoosh's own score of the
    document, and equal to it (but for rounding) where the terms' frequencies are in the .aux file."""
    monkeypatch.setattr(whoosh_search, "SCORE_ALL", 0)
    monkeypatch.setattr(whoosh_search, "REFINE_ABOVE", 0)
    whoosh_search.CACHE.clear()
    seen = []
    refine = whoosh_search._refined_bounds

    def recording(live, where, doc, picked, scored):  # checks every match, not only those picked
        found = [np.flatnonzero(whoosh_search._bool_array(seg.matches, seg.data.n)) for seg in live]
        all_where = np.concatenate([np.full(len(f), i, dtype=np.int32) for i, f in enumerate(found)])
        all_doc = np.concatenate(found)
        values = refine(live, all_where, all_doc, np.arange(len(all_doc)), scored)
        for i, d, value in zip(all_where.tolist(), all_doc.tolist(), values.tolist(), strict=True):
            seen.append((live[i].offset + d, bool(live[i].data.directory), value))
        return refine(live, where, doc, picked, scored)

    monkeypatch.setattr(whoosh_search, "_refined_bounds", recording)
    ix = _mixed_index(tmp_path / "ix", random.Random(13))
    with ix.searcher(weighting=BM25F()) as searcher:
        checked = 0
        for text in QUERIES:
            seen.clear()
            q = _parser(True).parse(text)
            whoosh_search.search(ix.storage, searcher, q, None, 0, 3)
            exact = {h.docnum: h.score for h in searcher.search(q, limit=None)}
            for docnum, dense, value in seen:
                assert value >= exact[docnum], (text, docnum)
                if dense:
                    assert value == pytest.approx(exact[docnum], rel=1e-5), (text, docnum)
                    checked += 1
        assert checked > 100


def test_kept_scores_follow_the_index_statistics(tmp_path, monkeypatch):
    """Scores kept across searches (whoosh_search._score_grid) are dropped when new documents change
    the index's statistics: the old segments' documents then score differently."""
    monkeypatch.setattr(whoosh_search, "SCORE_ALL", 0)
    whoosh_search.CACHE.clear()
    rng = random.Random(21)
    ix = _mixed_index(tmp_path / "ix", rng)
    q = _parser(True).parse("settlement statement")

    def check():
        with ix.searcher(weighting=BM25F()) as searcher:
            for offset, limit in ((0, 20), (20, 20)):
                got_hits, got_total = whoosh_search.search(ix.storage, searcher, q, None, offset, limit)
                assert ([h[0] for h in got_hits], got_total) == _reference(searcher, q, None, offset, limit)

    check()
    kept = len(whoosh_search.CACHE.items)
    writer = ix.writer()  # many long documents without the terms: their idf and the average length grow,
    for i in range(2000, 4000):  # and with them every old document's score (kept bounds would be too low)
        body = " ".join(rng.choice(["meter", "outage", "zone", "capacity"]) for _ in range(150))
        writer.add_document(case_id=str(i), case=i, number=f"AI-2026-{i:06d}", subject="auction", body=body)
    writer.commit(merge=False)
    ix = index.open_dir(str(tmp_path / "ix"))
    check()
    assert len(whoosh_search.CACHE.items) > kept


def test_search_reports_the_matched_terms(tmp_path):
    ix = _mixed_index(tmp_path / "ix", random.Random(9))
    with ix.searcher() as searcher:
        q = _parser(True).parse("settlement statement")
        hits, _ = whoosh_search.search(ix.storage, searcher, q, None, 0, 5)
        for case_id, found in hits:
            assert {text for _, text in found} <= {b"settlement", b"statement"}
            assert {text for _, text in found} == {b"settlement", b"statement"}


def test_parallel_reindex_indexes_every_case(backend, app, people, monkeypatch):
    if backend != "whoosh":
        pytest.skip("Whoosh builds segments in child processes")
    now = utcnow()
    cases = [make_case(people.alpha, people.alpha_user, "Parallel heron", "heron") for _ in range(25)]
    for i, case in enumerate(cases):
        case.updated_at = now - timedelta(minutes=i)
    from askiso.extensions import db

    db.session.commit()
    monkeypatch.setattr(worker, "PARALLEL_MIN", 1)
    monkeypatch.setattr("askiso.search.backends.whoosh_backend.SEGMENT_DOCS", 4)
    counted = []
    assert worker.reindex(progress=counted.append, procs=2) == 25
    assert sum(counted) == 25
    assert get_backend().store.open().doc_count() == 25
    page = services.search(people.agent, "heron")[1]
    assert page.total == 25
    assert [r.case.number for r in page.results] == [c.number for c in cases[:20]]  # all tie: newest first


def test_a_failing_child_fails_the_reindex_and_keeps_the_old_index(backend, app, people, monkeypatch):
    if backend != "whoosh":
        pytest.skip("Whoosh builds segments in child processes")
    case = make_case(people.alpha, people.alpha_user, "Kept albatross")
    worker.reindex()
    old = get_backend().store.link.resolve()

    def broken(ids, **kwargs):
        raise ValueError("database went away")

    monkeypatch.setattr(worker, "PARALLEL_MIN", 1)
    monkeypatch.setattr(worker, "iter_all_documents", broken)
    with pytest.raises(RuntimeError, match="database went away"):
        worker.reindex(procs=2)
    assert get_backend().store.link.resolve() == old
    assert [r.case.number for r in services.search(people.agent, "albatross")[1].results] == [case.number]


def test_search_cache_keeps_to_its_budget_and_shrinks_when_resized():
    from askiso.search.backends.whoosh_search import _Cache

    cache = _Cache(100)
    for i in range(10):
        cache.put(i, f"value {i}", 30)
    assert cache.size <= 100 and cache.get(9) == "value 9" and cache.get(0) is None
    cache.get(7)  # recently used: kept when shrinking
    cache.resize(30)
    assert cache.size <= 30 and list(cache.items) == [7]


def test_search_uses_the_configured_cache_budget(backend, app, people):
    if backend != "whoosh":
        pytest.skip("Whoosh only")
    make_case(people.alpha, people.alpha_user, "Budgeted heron")
    worker.reindex()
    app.config["SEARCH_CACHE_MB"] = 3
    try:
        assert services.search(people.agent, "heron")[1].total == 1
        assert whoosh_search.CACHE.limit == 3 * 1024 * 1024
        assert whoosh_search.CACHE.size <= whoosh_search.CACHE.limit
    finally:
        app.config["SEARCH_CACHE_MB"] = 64

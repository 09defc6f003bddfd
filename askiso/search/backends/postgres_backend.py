"""PostgreSQL full-text search: `case_search` vectors written by the queue worker.

Several web hosts share it, so it is the backend for the scale-out shape. The
viewer's scope is the SQL of askiso/visibility.py itself, joined into the
query. Internal notes live in their own vector, searched for staff only (as
`public || internal`, which has its own GIN index). A search ranks the
RANK_WINDOW most recently updated matches, so that a query matching most of a
million cases stays fast.
"""

import re
from contextlib import contextmanager

from sqlalchemy import Text, bindparam, delete, func, literal_column, or_, select, union_all
from sqlalchemy.dialects.postgresql import ARRAY, insert

from askiso.cams.models import Participant
from askiso.cases.models import Case, CaseContact, RequestType
from askiso.core.timeutil import utcnow
from askiso.extensions import db
from askiso.search.backends import postgres_rebuild
from askiso.search.backends.base import Hit, MoreThan, WriterBusy
from askiso.search.documents import MARK_END, MARK_START
from askiso.search.models import CaseSearch
from askiso.search.query import plain_snippet, render_snippet, sql_filters
from askiso.search.scope import scope_clause, viewer_scope
from askiso.visibility import can_see_internal, case_clause

CONFIG = literal_column("'english'::regconfig")
# One writer at a time across hosts: a transaction-scoped advisory lock.
WRITER_LOCK_KEY = 0x41534B49  # "ASKI"
_PREFIX = re.compile(r"^(-?)(\w+)\*$")
_FUZZY = re.compile(r"^(\S+?)~\d*$")
_TOKEN = re.compile(r'-?"[^"]*"?|\S+')
# Matches ranked per search: the newest ones (see PostgresBackend.search).
RANK_WINDOW = 500
# A snippet is looked for in this much of a text first (see _headlines).
HEADLINE_FIRST_CHARS = 2000
HEADLINE_OPTIONS = (
    f'StartSel={MARK_START}, StopSel={MARK_END}, MaxWords=30, MinWords=12, MaxFragments=2, FragmentDelimiter=" … "'
)


def _vectors(doc):
    head = func.setweight(func.to_tsvector(CONFIG, doc.head), literal_column("'A'"))
    body = func.setweight(func.to_tsvector(CONFIG, doc.public_text), literal_column("'B'"))
    return {"public": head.op("||")(body), "internal": func.to_tsvector(CONFIG, doc.internal_text)}


class _Batch:
    def update(self, doc):
        values = {"case_id": doc.case_id, "updated_at": doc.updated_at or utcnow(), **_vectors(doc)}
        stmt = insert(CaseSearch).values(**values)
        stmt = stmt.on_conflict_do_update(
            index_elements=[CaseSearch.case_id],
            set_={
                "public": stmt.excluded.public,
                "internal": stmt.excluded.internal,
                "updated_at": stmt.excluded.updated_at,
            },
        )
        db.session.execute(stmt)

    def delete(self, case_id):
        db.session.execute(delete(CaseSearch).where(CaseSearch.case_id == case_id))


@contextmanager
def _no_parallel_workers():
    """Plan the next statements without parallel workers, for this transaction.

    The walks stop after RANK_WINDOW + 1 matches: starting workers (~20 ms)
    costs more than it saves, and under load there is no idle core anyway.
    """
    setting = "max_parallel_workers_per_gather"
    previous = db.session.execute(select(func.current_setting(setting), func.set_config(setting, "0", True))).scalar()
    try:
        yield
    finally:
        db.session.execute(select(func.set_config(setting, previous, True)))


def _branches(scope, parsed):
    """Disjoint walks that together cover every case the viewer may find.

    Returns (conditions, ordering column) pairs. Each walk follows one index
    newest first and stops after RANK_WINDOW + 1 matches:

    - participants and other non-staff: one walk per participant where they
      are External Manager (cases.participant_id, updated_at), one over their
      own cases and inquiries (cases.submitter_id, updated_at), one over the
      cases they follow;
    - staff with a participant filter: one walk per named participant;
    - staff with a status filter: one walk per status (cases.status, updated_at);
    - other staff searches: every case, by the case's updated_at copied into
      case_search (ix_case_search_updated).

    The walks only choose which cases are looked at, and in what order: each
    walked case is checked against the full condition afterwards, so a walk
    can never admit a case by itself. Filters are repeated here as literal
    values, so that the planner estimates each walk well.
    """
    newest = Case.updated_at
    filters = []
    participants = None
    codes = parsed.values("participant")
    if codes:
        codes = sorted(frozenset.intersection(*codes))
        participants = set(db.session.scalars(select(Participant.id).where(func.lower(Participant.code).in_(codes))))
        if not participants:
            return []
    keys = parsed.values("type")
    if keys:
        keys = sorted(frozenset.intersection(*keys))
        types = sorted(db.session.scalars(select(RequestType.id).where(func.lower(RequestType.key).in_(keys))))
        if not types:
            return []
        filters.append(Case.request_type_id.in_(types))
    statuses = parsed.values("status")
    statuses = sorted(frozenset.intersection(*statuses)) if statuses else None
    if statuses == []:
        return []

    if scope is not None and not scope.queue_ids:
        if statuses:
            filters.append(Case.status.in_(statuses))
        branches = [
            ([Case.participant_id == pid, *filters], newest)
            for pid in scope.all_cases_of
            if participants is None or pid in participants
        ]
        member_of = [pid for pid in scope.own_cases_of if participants is None or pid in participants]
        own = [Case.participant_id.in_(member_of)] if member_of else []
        if scope.own_inquiries and participants is None:
            own.append(Case.participant_id.is_(None))
        if own:
            branches.append(([Case.submitter_id == scope.user_id, or_(*own), *filters], newest))
        if member_of:
            followed = select(CaseContact.case_id).where(CaseContact.user_id == scope.user_id)
            others = or_(Case.submitter_id.is_(None), Case.submitter_id != scope.user_id)
            branches.append(([Case.id.in_(followed), Case.participant_id.in_(member_of), others, *filters], newest))
        return branches

    if scope is not None:  # staff restricted to queues
        filters.append(Case.queue_id.in_(scope.queue_ids))
    if participants is not None:
        if statuses:
            filters.append(Case.status.in_(statuses))
        return [([Case.participant_id == pid, *filters], newest) for pid in sorted(participants)]
    if statuses:
        return [([Case.status == status, *filters], newest) for status in statuses]
    return [(filters, CaseSearch.updated_at)]


def tsquery(text):
    """websearch_to_tsquery for words, phrases, OR and -not; to_tsquery for prefix*."""
    words, parts = [], []
    for token in _TOKEN.findall(text or ""):
        prefix = _PREFIX.match(token)
        if prefix:
            parts.append(func.to_tsquery(CONFIG, f"{'!' if prefix.group(1) else ''}{prefix.group(2)}:*"))
            continue
        fuzzy = _FUZZY.match(token)  # no typo tolerance in core PostgreSQL: plain word
        words.append(fuzzy.group(1) if fuzzy and not token.startswith('"') else token)
    if " ".join(words).strip():
        parts.insert(0, func.websearch_to_tsquery(CONFIG, " ".join(words)))
    if not parts:
        return None
    query = parts[0]
    for part in parts[1:]:
        query = query.op("&&")(part)
    return query


class PostgresBackend:
    name = "postgres"

    @contextmanager
    def writer(self):
        if not db.session.scalar(select(func.pg_try_advisory_xact_lock(WRITER_LOCK_KEY))):
            raise WriterBusy("another search writer is running")
        yield _Batch()

    def rebuild_from_database(self, progress=None, jobs=1):
        """Rebuild `case_search` set-based in SQL into a fresh table, then swap.

        Searches keep answering from the old table meanwhile; the queue
        worker waits (its rows stay queued). See postgres_rebuild.py.
        `progress(n)` is called after each chunk of n cases; `jobs` chunks
        are built at once.
        """
        db.session.commit()  # the rebuild runs on connections of its own; hold no lock here
        return postgres_rebuild.rebuild(db.engine, WRITER_LOCK_KEY, progress=progress, jobs=jobs)

    def search(self, viewer, parsed, offset, limit):
        """Ranked hits among the RANK_WINDOW most recently updated matches.

        Ranking every match is a full scan when a query matches most cases
        (seconds at a million cases), so the statement first takes the newest
        matches (up to RANK_WINDOW + 1) by walking indexes newest first, and
        ranks only those. With more matches than RANK_WINDOW the total is a
        `MoreThan`.

        The walk is a UNION ALL of disjoint branches (see _branches), each
        with simple conditions only (the match, the branch, the filters as
        literal values), so that PostgreSQL estimates them well and picks an
        index walk newest first for common words and the GIN index for rare
        ones. Every walked case is then checked against the whole condition
        (visibility.py's case_clause, the search scope, the filters) before it
        takes a place in the window.
        """
        staff = can_see_internal(viewer)
        scope = viewer_scope(viewer)[1]
        query = tsquery(parsed.text)
        if query is None:
            return [], 0
        vector = CaseSearch.public.op("||")(CaseSearch.internal) if staff else CaseSearch.public
        branches = _branches(scope, parsed)
        if not branches:
            return [], 0
        match = vector.bool_op("@@")(query)
        walks = [
            select(Case.id.label("id"), sort_at.label("sort_at"))
            .join(CaseSearch, CaseSearch.case_id == Case.id)
            .where(match, *conditions)
            .order_by(sort_at.desc(), Case.id.desc())
            .limit(RANK_WINDOW + 1)
            for conditions, sort_at in branches
        ]
        found = (union_all(*walks) if len(walks) > 1 else walks[0]).subquery("found")
        newest = (found.c.sort_at.desc(), found.c.id.desc())
        window = (
            select(found.c.id, Case.updated_at, func.row_number().over(order_by=newest).label("n"))
            .join(Case, Case.id == found.c.id)
            .where(case_clause(viewer), scope_clause(scope), *sql_filters(parsed))
            .order_by(*newest)
            .limit(RANK_WINDOW + 1)
            .subquery("window")
        )
        rank = func.ts_rank(vector, query)
        ranked = (
            select(window.c.id, window.c.updated_at, window.c.n, rank.label("rank"), func.count().over().label("total"))
            .join(CaseSearch, CaseSearch.case_id == window.c.id)
            .subquery("ranked")
        )
        with _no_parallel_workers():
            rows = db.session.execute(
                select(ranked.c.id, ranked.c.total)
                .where(ranked.c.n <= RANK_WINDOW)
                .order_by(ranked.c.rank.desc(), ranked.c.updated_at.desc(), ranked.c.id.desc())
                .offset(offset)
                .limit(limit)
            ).all()
            if rows:
                total = rows[0].total
            else:  # a page past the end: count the window alone
                total = db.session.scalar(select(func.count()).select_from(window)) or 0
        if total > RANK_WINDOW:
            total = MoreThan(RANK_WINDOW)
        return [Hit(row.id, {"text": parsed.text}) for row in rows], total

    def snippets(self, hits, docs, staff):
        """snippet() of every hit of a page, in two statements instead of one or two per hit."""
        if not hits:
            return {}
        query = tsquery(hits[0].context.get("text"))
        if query is None:
            return {hit.case_id: (plain_snippet(docs[hit.case_id].public_text), False) for hit in hits}
        found, internal = {}, []
        for hit, marked in zip(hits, _headlines([docs[hit.case_id].public_text for hit in hits], query), strict=True):
            doc = docs[hit.case_id]
            if marked:
                found[hit.case_id] = (render_snippet(marked), False)
            elif staff and doc.internal_text:
                internal.append(hit)
            else:
                found[hit.case_id] = (plain_snippet(doc.public_text), False)
        texts = [docs[hit.case_id].internal_text for hit in internal]
        for hit, marked in zip(internal, _headlines(texts, query), strict=True):
            doc = docs[hit.case_id]
            found[hit.case_id] = (render_snippet(marked), True) if marked else (plain_snippet(doc.public_text), False)
        return found

    def snippet(self, hit, doc, staff):
        query = tsquery(hit.context.get("text"))
        if query is None:
            return plain_snippet(doc.public_text), False
        marked = _headline(doc.public_text, query)
        if marked:
            return render_snippet(marked), False
        if staff and doc.internal_text:
            marked = _headline(doc.internal_text, query)
            if marked:
                return render_snippet(marked), True
        return plain_snippet(doc.public_text), False


def _headlines(texts, query):
    """_headline() of many texts (None where nothing is marked): one statement over the start of
    each text, and a second one over the whole of those whose start holds no term.

    ts_headline analyses all of the text it is given (32 of a participant search's 114 ms at a
    million cases, for 20 long conversations); a snippet needs the start of it only.
    """
    if not texts:
        return []
    starts = [_start(text) for text in texts]
    marked = _headline_rows(starts, query)
    again = [k for k, text in enumerate(texts) if marked[k] is None and text and len(starts[k]) < len(text)]
    for k, found in zip(again, _headline_rows([texts[k] for k in again], query), strict=True):
        marked[k] = found
    return marked


def _start(text):
    """The first HEADLINE_FIRST_CHARS characters of the text, cut at a space."""
    if not text or len(text) <= HEADLINE_FIRST_CHARS:
        return text
    space = text.rfind(" ", 0, HEADLINE_FIRST_CHARS)
    return text[: space if space > 0 else HEADLINE_FIRST_CHARS]


def _headline_rows(texts, query):
    if not texts:
        return []
    rows = (
        func.unnest(bindparam("texts", list(texts), type_=ARRAY(Text)))
        .table_valued("t", with_ordinality="i")
        .render_derived(name="texts")
    )
    marked = dict(
        db.session.execute(select(rows.c.i, func.ts_headline(CONFIG, rows.c.t, query, HEADLINE_OPTIONS))).all()
    )
    return [
        marked.get(i) if text and marked.get(i) and MARK_START in marked[i] else None
        for i, text in enumerate(texts, start=1)
    ]


def _headline(text, query):
    if not text:
        return None
    marked = db.session.scalar(select(func.ts_headline(CONFIG, text, query, HEADLINE_OPTIONS)))
    return marked if marked and MARK_START in marked else None

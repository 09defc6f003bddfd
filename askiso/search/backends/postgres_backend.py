"""PostgreSQL full-text search: `case_search` vectors written by the queue worker.

Several web hosts share it, so it is the backend for the scale-out shape. The
viewer's scope is the SQL of askiso/visibility.py itself, joined into the
query. Internal notes live in their own vector, searched for staff only.
"""

import re
from contextlib import contextmanager

from sqlalchemy import delete, func, literal_column, select
from sqlalchemy.dialects.postgresql import insert

from askiso.cases.models import Case
from askiso.core.timeutil import utcnow
from askiso.extensions import db
from askiso.search.backends import Hit, WriterBusy, postgres_rebuild
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
HEADLINE_OPTIONS = (
    f'StartSel={MARK_START}, StopSel={MARK_END}, MaxWords=30, MinWords=12, MaxFragments=2, FragmentDelimiter=" … "'
)


def _vectors(doc):
    head = func.setweight(func.to_tsvector(CONFIG, doc.head), literal_column("'A'"))
    body = func.setweight(func.to_tsvector(CONFIG, doc.public_text), literal_column("'B'"))
    return {"public": head.op("||")(body), "internal": func.to_tsvector(CONFIG, doc.internal_text)}


class _Batch:
    def update(self, doc):
        values = {"case_id": doc.case_id, "updated_at": utcnow(), **_vectors(doc)}
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
        staff = can_see_internal(viewer)
        scope = scope_clause(viewer_scope(viewer)[1])
        query = tsquery(parsed.text)
        if query is None:
            return [], 0
        vector = CaseSearch.public.op("||")(CaseSearch.internal) if staff else CaseSearch.public
        rank = func.ts_rank(vector, query)
        stmt = (
            select(Case.id, rank.label("rank"))
            .join(CaseSearch, CaseSearch.case_id == Case.id)
            .where(case_clause(viewer), scope, vector.bool_op("@@")(query), *sql_filters(parsed))
        )
        total = db.session.scalar(select(func.count()).select_from(stmt.subquery()))
        rows = db.session.execute(
            stmt.order_by(rank.desc(), Case.updated_at.desc(), Case.id.desc()).offset(offset).limit(limit)
        ).all()
        return [Hit(row.id, {"text": parsed.text}) for row in rows], total

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


def _headline(text, query):
    if not text:
        return None
    marked = db.session.scalar(select(func.ts_headline(CONFIG, text, query, HEADLINE_OPTIONS)))
    return marked if marked and MARK_START in marked else None

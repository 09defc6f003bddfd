"""Set-based rebuild of `case_search`: the vectors are built by PostgreSQL itself.

`flask search reindex` used to build one CaseDocument per case in Python and
send one upsert per case; at a million cases that takes hours. Here one
`INSERT ... SELECT` per id range builds the texts of askiso/search/documents.py
in SQL (same parts, same order, same cleaning, same "\\n" separator), so
`to_tsvector` sees the very same strings and yields the very same vectors as
the queue worker's per-case path (tests/search/test_pg_rebuild.py checks it).

How the swap keeps searches answering:

1. Take the writer lock for the whole rebuild: the same advisory lock key as
   the queue worker, but session-level on a connection of its own, so that it
   survives the commit after each chunk. The queue worker meanwhile gets
   `WriterBusy` and leaves its rows queued; they are applied after the swap
   (like the Whoosh rebuild).
2. Fill a fresh table `case_search_new` (no indexes yet) chunk by chunk, one
   committed `INSERT ... SELECT` per id range. Searches read the old table.
3. Build the primary key and the GIN indexes in bulk (much faster than
   maintaining them row by row).
4. In one short transaction: drop the rows of cases deleted meanwhile, add the
   foreign key (NOT VALID: no scan under the lock), drop the old table, rename
   the new one and its indexes and constraints to the names of the schema.
   Searches wait for this lock for milliseconds; queries prepared against the
   old table are re-planned by PostgreSQL against the new one.
5. Validate the foreign key (no lock that blocks writers) and ANALYZE.

A rebuild that dies leaves `case_search_new` behind; the next one drops it.
"""

import logging
import time
from concurrent.futures import ThreadPoolExecutor, as_completed

from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from askiso.search.documents import MARK_END, MARK_START

log = logging.getLogger(__name__)

CHUNK = 25_000
LIVE = "case_search"
NEW = "case_search_new"
# The names the migration gives (see askiso/search/models.py), and the
# temporary names used while the new table is built beside the live one.
PRIMARY_KEY = "pk_case_search"
FOREIGN_KEY = "fk_case_search_case_id_cases"
INDEXES = {
    "ix_case_search_public": "USING gin (public)",
    "ix_case_search_all": "USING gin ((public || internal))",
    "ix_case_search_updated": "(updated_at, case_id)",
}
SWAP_LOCK_TIMEOUT = "5s"
INDEX_BUILD_MEMORY = "256MB"
SWAP_ATTEMPTS = 10

# What Python's str.strip() strips (every character whose isspace() is true),
# so that SQL trims parts exactly as documents._clean() does.
PY_WHITESPACE = "".join(chr(i) for i in range(0x110000) if chr(i).isspace())


def _clean(expr):
    """documents._clean() in SQL: drop the highlight marks, then strip."""
    return f"btrim(replace(replace({expr}, :mark_start, ''), :mark_end, ''), :whitespace)"


def _part(expr):
    """One part of documents._join(): NULL (skipped) when empty after cleaning."""
    return f"nullif({_clean(expr)}, '')"


def _py_str(value):
    """str(v) of a value json.loads() gives, for a `json` value in SQL.

    Nested lists and dicts become their JSON text, as documents._field_values
    writes them (json.dumps), since the column holds json.dumps text.
    """
    return (
        f"CASE json_typeof({value}) WHEN 'string' THEN {value} #>> '{{}}' "
        f"WHEN 'boolean' THEN CASE WHEN {value}::text = 'true' THEN 'True' ELSE 'False' END "
        f"WHEN 'null' THEN 'None' ELSE {value}::text END"
    )


# documents._field_values(): top-level values in key order (None and "" left
# out), the items of a list, the values of a dict.
_FIELD_VALUES = f"""
    SELECT string_agg({_part("fv.value")}, E'\\n' ORDER BY f.i, fv.j) AS text
    FROM json_each(CASE WHEN json_typeof(c.field_values) = 'object' THEN c.field_values END)
         WITH ORDINALITY AS f(key, value, i)
    CROSS JOIN LATERAL (
        SELECT 0::bigint AS j, {_py_str("f.value")} AS value
        WHERE json_typeof(f.value) NOT IN ('array', 'object', 'null')
          AND NOT (json_typeof(f.value) = 'string' AND f.value #>> '{{}}' = '')
        UNION ALL
        SELECT e.j, {_py_str("e.value")}
        FROM json_array_elements(CASE WHEN json_typeof(f.value) = 'array' THEN f.value END)
             WITH ORDINALITY AS e(value, j)
        UNION ALL
        SELECT e.j, {_py_str("e.value")}
        FROM json_each(CASE WHEN json_typeof(f.value) = 'object' THEN f.value END)
             WITH ORDINALITY AS e(key, value, j)
    ) AS fv
"""  # noqa: S608 (module constants only; values are bind parameters)

# documents._add_messages(): bodies by (created_at, id), internal ones apart.
_MESSAGES = f"""
    SELECT string_agg({_part("m.body")}, E'\\n' ORDER BY m.created_at, m.id)
               FILTER (WHERE NOT m.is_internal) AS public_text,
           string_agg({_part("m.body")}, E'\\n' ORDER BY m.created_at, m.id)
               FILTER (WHERE m.is_internal) AS internal_text
    FROM messages AS m
    WHERE m.case_id = c.id
"""  # noqa: S608 (module constants only; values are bind parameters)

# documents._add_files(): file names by id; internal when the file is
# (visibility.PUBLIC_FILE: the files of an internal note are internal).
_FILES = f"""
    SELECT string_agg({_part("a.filename")}, E'\\n' ORDER BY a.id)
               FILTER (WHERE NOT a.is_internal) AS public_text,
           string_agg({_part("a.filename")}, E'\\n' ORDER BY a.id)
               FILTER (WHERE a.is_internal) AS internal_text
    FROM attachments AS a
    WHERE a.case_id = c.id
"""  # noqa: S608 (module constants only; values are bind parameters)

# CaseDocument.head, .public_text and .internal_text of the cases in `where`.
_TEXTS = f"""
    SELECT c.id AS case_id,
           c.number || ' ' || {_clean("coalesce(c.subject, '')")} AS head,
           concat_ws(E'\\n',
               {_part("c.number")}, {_part("c.description")}, fields.text,
               {_part("rt.name")}, {_part("t.name")},
               {_part("p.name")}, {_part("p.code")},
               {_part("u.name")}, {_part("u.email")},
               msg.public_text, files.public_text) AS public_text,
           concat_ws(E'\\n', msg.internal_text, files.internal_text) AS internal_text,
           coalesce(c.updated_at, c.created_at) AS updated_at
    FROM cases AS c
    LEFT JOIN request_types AS rt ON rt.id = c.request_type_id
    LEFT JOIN topics AS t ON t.id = c.topic_id
    LEFT JOIN participants AS p ON p.id = c.participant_id
    LEFT JOIN users AS u ON u.id = c.submitter_id
    LEFT JOIN LATERAL ({_FIELD_VALUES}) AS fields ON true
    LEFT JOIN LATERAL ({_MESSAGES}) AS msg ON true
    LEFT JOIN LATERAL ({_FILES}) AS files ON true
    WHERE {{where}}
"""  # noqa: S608 (module constants only; values are bind parameters)

# The same expressions as postgres_backend._vectors() applies to a CaseDocument.
_VECTORS = """
    SELECT d.case_id,
           setweight(to_tsvector('english'::regconfig, d.head), 'A')
               || setweight(to_tsvector('english'::regconfig, d.public_text), 'B') AS public,
           to_tsvector('english'::regconfig, d.internal_text) AS internal,
           d.updated_at
    FROM ({texts}) AS d
"""

TEXT_PARAMS = {"mark_start": MARK_START, "mark_end": MARK_END, "whitespace": PY_WHITESPACE}
RANGE = "c.id >= :low AND c.id < :high"


def texts_sql(where=RANGE):
    """SELECT case_id, head, public_text, internal_text for the cases in `where`."""
    return text(_TEXTS.replace("{where}", where))


def vectors_sql(where=RANGE):
    """SELECT case_id, public, internal (tsvectors) for the cases in `where`."""
    return text(_VECTORS.replace("{texts}", _TEXTS.replace("{where}", where)))


_CHUNK_ROWS = f"SELECT v.case_id, v.public, v.internal, v.updated_at FROM ({vectors_sql().text}) AS v"  # noqa: S608
_INSERT_CHUNK = text(f"INSERT INTO {NEW} (case_id, public, internal, updated_at) {_CHUNK_ROWS}")


def rebuild(engine, lock_key, progress=None, chunk=CHUNK, jobs=1):
    """Rebuild `case_search` from the database; returns the number of cases indexed.

    `progress(n)` is called (in this thread) after each committed chunk of n
    cases; `jobs` chunks are built at once, each on a connection of its own.
    """
    with engine.connect() as conn:
        conn.execute(text("SELECT pg_advisory_lock(:key)"), {"key": lock_key})
        conn.commit()
        try:
            count = _build(conn, engine, progress, chunk, max(1, jobs))
            count -= _swap(conn)
            _finish(conn)
            return count
        except BaseException:
            conn.rollback()
            raise
        finally:
            conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": lock_key})
            conn.commit()


def _insert_range(conn, low, high):
    conn.execute(text("SET LOCAL jit = off"))  # compiling costs more than it saves here
    done = conn.execute(_INSERT_CHUNK, {**TEXT_PARAMS, "low": low, "high": high}).rowcount
    conn.commit()
    return done


def _insert_range_apart(engine, low, high):
    with engine.connect() as conn:
        return _insert_range(conn, low, high)


def _build(conn, engine, progress, chunk, jobs):
    conn.execute(text(f"DROP TABLE IF EXISTS {NEW}"))
    conn.execute(text(f"CREATE TABLE {NEW} (LIKE {LIVE} INCLUDING DEFAULTS)"))
    conn.commit()
    low, high = conn.execute(text("SELECT min(id), max(id) FROM cases")).one()
    conn.commit()
    ranges = [(start, start + chunk) for start in range(low or 0, (high or -1) + 1, chunk)]
    started = time.monotonic()
    count = 0
    if jobs == 1:
        for first, last in ranges:
            done = _insert_range(conn, first, last)
            count += done
            if progress:
                progress(done)
    else:
        with ThreadPoolExecutor(jobs, thread_name_prefix="case-search-rebuild") as pool:
            futures = [pool.submit(_insert_range_apart, engine, first, last) for first, last in ranges]
            try:
                for future in as_completed(futures):
                    done = future.result()
                    count += done
                    if progress:
                        progress(done)
            except BaseException:
                for future in futures:
                    future.cancel()
                raise
    log.info("case_search: %d vectors built in %.1f s", count, time.monotonic() - started)
    started = time.monotonic()
    # Bulk index builds: one sort each instead of a million GIN insertions;
    # with jobs > 1 side by side (CREATE INDEX statements do not block each other).
    indexes = [
        f"CREATE UNIQUE INDEX {PRIMARY_KEY}_new ON {NEW} (case_id)",
        *(f"CREATE INDEX {name}_new ON {NEW} {definition}" for name, definition in INDEXES.items()),
    ]
    if jobs == 1:
        for statement in indexes:
            _create_index(conn, statement)
    else:
        with ThreadPoolExecutor(min(jobs, len(indexes)), thread_name_prefix="case-search-index") as pool:
            for future in [pool.submit(_create_index_apart, engine, statement) for statement in indexes]:
                future.result()
    conn.execute(text(f"ALTER TABLE {NEW} ADD CONSTRAINT {PRIMARY_KEY}_new PRIMARY KEY USING INDEX {PRIMARY_KEY}_new"))
    conn.commit()
    log.info("case_search: indexes built in %.1f s", time.monotonic() - started)
    return count


def _create_index(conn, statement):
    conn.execute(text(f"SET LOCAL maintenance_work_mem = '{INDEX_BUILD_MEMORY}'"))
    conn.execute(text(statement))
    conn.commit()


def _create_index_apart(engine, statement):
    with engine.connect() as conn:
        _create_index(conn, statement)


def _swap(conn):
    """Replace the live table by the new one in one short transaction (retried on lock waits).

    Returns the number of rows dropped for cases deleted after their chunk was built.
    """
    locks = [
        # Lock order: cases first (as a case deletion does), then case_search.
        "LOCK TABLE cases IN SHARE ROW EXCLUSIVE MODE",
        f"LOCK TABLE {LIVE} IN ACCESS EXCLUSIVE MODE",
    ]
    orphans = f"DELETE FROM {NEW} AS n WHERE NOT EXISTS (SELECT 1 FROM cases AS c WHERE c.id = n.case_id)"  # noqa: S608
    renames = [
        f"ALTER TABLE {NEW} ADD CONSTRAINT {FOREIGN_KEY}_new FOREIGN KEY (case_id) "
        "REFERENCES cases (id) ON DELETE CASCADE NOT VALID",
        f"DROP TABLE {LIVE}",
        f"ALTER TABLE {NEW} RENAME TO {LIVE}",
        f"ALTER TABLE {LIVE} RENAME CONSTRAINT {PRIMARY_KEY}_new TO {PRIMARY_KEY}",
        f"ALTER TABLE {LIVE} RENAME CONSTRAINT {FOREIGN_KEY}_new TO {FOREIGN_KEY}",
        *(f"ALTER INDEX {name}_new RENAME TO {name}" for name in INDEXES),
    ]
    for attempt in range(1, SWAP_ATTEMPTS + 1):
        try:
            conn.execute(text(f"SET LOCAL lock_timeout = '{SWAP_LOCK_TIMEOUT}'"))
            for statement in locks:
                conn.execute(text(statement))
            deleted = conn.execute(text(orphans)).rowcount
            for statement in renames:
                conn.execute(text(statement))
            conn.commit()
            return deleted
        except OperationalError as exc:  # lock timeout or deadlock: searches or writers were in the way
            conn.rollback()
            if attempt == SWAP_ATTEMPTS:
                raise
            log.warning("case_search swap attempt %d failed (%s); retrying", attempt, exc.orig)


def _finish(conn):
    conn.execute(text(f"ALTER TABLE {LIVE} VALIDATE CONSTRAINT {FOREIGN_KEY}"))
    conn.commit()
    conn.execute(text(f"ANALYZE {LIVE}"))
    conn.commit()

"""Generate a realistic data set with bulk inserts.

    .venv/bin/python -m bench.generate --cases 1000000      # the full size
    .venv/bin/python -m bench.generate --cases 20000         # a quick run

Sizes scale from --cases: participants = cases/1000, people = cases/50,
messages = 5 per case on average. A few companies hold 50,000+ cases (at full
size), with External Managers over them; conversations are long-tailed (some
60 messages); a fifth of cases carry file metadata; one in twenty has a
colleague of its company following it as a contact. Every person's password
is bench.generate.PASSWORD; staff have a known TOTP secret (STAFF_TOTP).
Writes bench-results/dataset.json describing the users the load driver signs
in as. The database is the app's (DATABASE_URL, or instance/askiso.db).
"""

import argparse
import json
import random
import time
from datetime import timedelta
from pathlib import Path

from sqlalchemy import func, select, text

PASSWORD = "bench-password-2026"
STAFF_TOTP = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
BATCH = 20000
STATUSES = ["closed"] * 70 + ["resolved"] * 10 + ["in_progress"] * 10 + ["waiting"] * 5 + ["new"] * 5
PRIORITIES = ["normal"] * 80 + ["high"] * 10 + ["low"] * 7 + ["urgent"] * 3
WORDS = (
    "settlement statement invoice meter reading operating day real-time energy day-ahead capacity "
    "obligation auction FTR certification risk policy CAMS access certificate NEXTT OASIS JESS EIR "
    "interchange schedule transaction adjustment dispute charge credit financial assurance collateral "
    "registration questionnaire demand response reserve congestion LMP node zone forecast outage "
    "resettlement reconciliation ancillary regulation reactive voltage metering data feed web service"
).split()


def sentence(rng, n):
    return " ".join(rng.choices(WORDS, k=n)).capitalize() + "."


class TextPool:
    """Pre-made sentences: generating millions of texts word by word is the slow part."""

    def __init__(self, rng, size=20000):
        self.rng = rng
        self.short = [sentence(rng, rng.randint(4, 9))[:200] for _ in range(size)]
        self.long = [sentence(rng, rng.randint(10, 80)) for _ in range(size)]

    def subject(self):
        return self.rng.choice(self.short)

    def body(self):
        return self.rng.choice(self.long)


def zipf_weights(n, top, top_share):
    """`top` participants share `top_share` of the cases; the rest decay gently."""
    rest = [1 / (i + 1) ** 0.8 for i in range(n - top)]
    scale = (1 - top_share) / sum(rest)
    return [top_share / top] * top + [w * scale for w in rest]


class Generator:
    def __init__(self, db, cases, seed=7):
        self.db = db
        self.rng = random.Random(seed)
        self.n_cases = cases
        self.n_participants = max(cases // 1000, 10)
        self.n_people = max(cases // 50, 200)
        self.now = None
        self.text = TextPool(self.rng)

    def execute_batches(self, table, rows):
        """Bulk insert dict rows straight through the driver (COPY on PostgreSQL)."""
        rows = list(rows)
        if not rows:
            return 0
        columns = list(rows[0])
        tuples = [tuple(_plain(row[c], self.dialect) for c in columns) for row in rows]
        connection = self.db.session.connection().connection.driver_connection
        cols = ", ".join(columns)
        if self.dialect == "postgresql":
            with connection.cursor() as cursor, cursor.copy(f"COPY {table.name} ({cols}) FROM STDIN") as copy:
                for row in tuples:
                    copy.write_row(row)
        else:
            marks = ", ".join("?" for _ in columns)
            connection.executemany(f"INSERT INTO {table.name} ({cols}) VALUES ({marks})", tuples)
        return len(rows)

    def run(self):
        from askiso.core.timeutil import utcnow

        self.dialect = self.db.engine.dialect.name
        if self.dialect == "sqlite":
            self.db.session.execute(text("PRAGMA synchronous=OFF"))
            self.db.session.execute(text("PRAGMA cache_size=-200000"))
        self.now = utcnow()  # the catalogue came with `flask db upgrade`
        started = time.perf_counter()
        self.participants()
        self.people()
        self.staff()
        self.db.session.commit()
        self.without_count_triggers(self.cases_and_messages)
        self.db.session.commit()
        self.counters()
        self.db.session.commit()
        self.status_counts()
        self.analyze()
        return time.perf_counter() - started

    def without_count_triggers(self, load):
        """Bulk-load cases without the status-count triggers (a row per case, a third of the load time
        on PostgreSQL); status_counts() recounts from the loaded cases afterwards."""
        from askiso.cases import counts

        for statement in counts.DROP_TRIGGERS[self.dialect]:
            self.db.session.execute(text(statement))
        self.db.session.commit()
        try:
            load()
        finally:
            self.db.session.rollback()
            counts.create_triggers(self.db.session.connection())
            self.db.session.commit()

    def status_counts(self):
        """One row per participant, submitter and status, counted from the loaded cases."""
        from askiso.cases import counts

        print("  recounting status counts…", flush=True)
        counts.rebuild()

    def analyze(self):
        """Planner statistics for the new data (and PostgreSQL's visibility map for index-only scans).

        A live database gets them from autovacuum (PostgreSQL) or a periodic
        `PRAGMA optimize` (SQLite, docs/operations.md); a bulk load must ask.
        """
        print("  analyzing…", flush=True)
        if self.dialect == "postgresql":
            with self.db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(text("VACUUM ANALYZE"))
        else:
            self.db.session.execute(text("ANALYZE"))
            self.db.session.commit()

    def participants(self):
        from askiso.cams.models import Participant

        rows = [
            {
                "name": f"Bench Participant {i:04d} LLC",
                "code": f"BP{i:04d}",
                "status": "active",
                "created_at": self.now,
                "updated_at": self.now,
            }
            for i in range(self.n_participants)
        ]
        self.execute_batches(Participant.__table__, rows)
        self.participant_ids = list(self.db.session.scalars(select(Participant.id).order_by(Participant.id)))

    def people(self):
        from askiso.auth.models import User
        from askiso.auth.passwords import hash_password
        from askiso.cams.models import Membership

        pw = hash_password(PASSWORD)
        rows = [
            {
                "email": f"user{i:06d}@bench.test",
                "name": f"Bench User {i:06d}",
                "password_hash": pw,
                "is_active": True,
                "created_at": self.now,
                "notification_prefs": {},
            }
            for i in range(self.n_people)
        ]
        self.execute_batches(User.__table__, rows)
        ids = list(
            self.db.session.scalars(select(User.id).where(User.email.like("user%@bench.test")).order_by(User.id))
        )
        self.members = {pid: [] for pid in self.participant_ids}
        self.managers = {}
        memberships = []
        for index, user_id in enumerate(ids):
            pid = self.participant_ids[index % len(self.participant_ids)]
            first_of_company = index < len(self.participant_ids)
            em = index < 2 * len(self.participant_ids)  # two External Managers per company
            memberships.append(self._membership(user_id, pid, em=em, sa=first_of_company))
            self.members[pid].append(user_id)
            if em:
                self.managers.setdefault(pid, user_id)
            if index % 25 == 0:  # some people act for two companies
                other = self.participant_ids[(index * 7 + 3) % len(self.participant_ids)]
                if other != pid:
                    memberships.append(self._membership(user_id, other))
                    self.members[other].append(user_id)
        self.execute_batches(Membership.__table__, memberships)
        self.user_ids = ids

    def _membership(self, user_id, pid, em=False, sa=False):
        return {
            "user_id": user_id,
            "participant_id": pid,
            "is_external_manager": em,
            "is_security_admin": sa,
            "is_active": True,
            "granted_at": self.now,
        }

    def staff(self):
        from askiso.auth.models import User
        from askiso.auth.passwords import hash_password
        from askiso.cases.models import Queue, QueueMember

        pw = hash_password(PASSWORD)
        rows = []
        for i in range(40):
            role = "admin" if i < 2 else "supervisor" if i < 6 else "agent"
            rows.append(
                {
                    "email": f"staff{i:03d}@bench.test",
                    "name": f"Bench Staff {i:03d}",
                    "password_hash": pw,
                    "is_active": True,
                    "staff_role": role,
                    "totp_secret": STAFF_TOTP,
                    "totp_enabled_at": self.now,
                    "created_at": self.now,
                    "notification_prefs": {},
                }
            )
        self.execute_batches(User.__table__, rows)
        self.staff_ids = list(self.db.session.scalars(select(User.id).where(User.staff_role.isnot(None))))
        queues = list(self.db.session.scalars(select(Queue.id)))
        links = [{"queue_id": q, "user_id": s} for s in self.staff_ids for q in queues if self.rng.random() < 0.5]
        self.execute_batches(QueueMember.__table__, links)

    def cases_and_messages(self):
        from askiso.cases.models import RequestType

        types = list(
            self.db.session.execute(select(RequestType.id, RequestType.queue_id, RequestType.default_topic_id))
        )
        weights = zipf_weights(len(self.participant_ids), top=min(5, len(self.participant_ids)), top_share=0.3)
        owners = self.rng.choices(self.participant_ids, weights=weights, k=self.n_cases)
        next_case_id = (self.db.session.scalar(select(func.max(text("id"))).select_from(text("cases"))) or 0) + 1
        self.sequence = {}
        done = 0
        while done < self.n_cases:
            chunk = owners[done : done + BATCH]
            self._insert_chunk(chunk, types, next_case_id + done)
            done += len(chunk)
            self.db.session.commit()
            print(f"  {done:,} / {self.n_cases:,} cases", flush=True)

    def _insert_chunk(self, owners, types, first_id):
        from askiso.cases.models import Attachment, Case, CaseContact, Message

        cases, messages, attachments, contacts = [], [], [], []
        for offset, pid in enumerate(owners):
            case_id = first_id + offset
            cases.append(self._case_row(case_id, pid, types))
            messages += self._message_rows(cases[-1])
            if self.rng.random() < 0.2:
                attachments.append(self._attachment_row(cases[-1]))
            if self.rng.random() < 0.05:
                contacts += self._contact_rows(cases[-1])
        self.execute_batches(Case.__table__, cases)
        self.execute_batches(Message.__table__, messages)
        self.execute_batches(Attachment.__table__, attachments)
        self.execute_batches(CaseContact.__table__, contacts)

    def _case_row(self, case_id, pid, types):
        rng = self.rng
        received = self.now - timedelta(minutes=rng.randint(10, 3 * 365 * 24 * 60))
        year = received.year
        self.sequence[year] = self.sequence.get(year, 0) + 1
        type_id, queue_id, topic_id = rng.choice(types)
        status = rng.choice(STATUSES)
        updated = min(received + timedelta(hours=rng.randint(1, 24 * 20)), self.now)
        return {
            "id": case_id,
            "number": f"AI-{year}-{self.sequence[year]:06d}",
            "participant_id": pid,
            "submitter_id": rng.choice(self.members[pid]),
            "request_type_id": type_id,
            "topic_id": topic_id,
            "subject": self.text.subject(),
            "description": self.text.body(),
            "field_values": {},
            "status": status,
            "priority": rng.choice(PRIORITIES),
            "queue_id": queue_id,
            "assignee_id": rng.choice(self.staff_ids) if status != "new" else None,
            "source": "web",
            "received_at": received,
            "created_at": received,
            "updated_at": updated,
            "first_response_due_at": received + timedelta(hours=9),
            "first_response_at": received + timedelta(hours=rng.randint(1, 30)) if status != "new" else None,
            "resolution_due_at": received + timedelta(days=14),
            "resolved_at": updated if status in ("resolved", "closed") else None,
            "closed_at": updated if status == "closed" else None,
            "version": 1,
        }

    def _message_rows(self, case):
        rng = self.rng
        count = min(int(rng.expovariate(1 / 5)), 60)
        if rng.random() < 0.003:
            count = rng.randint(30, 60)  # a few very long conversations
        rows, at = [], case["received_at"]
        for i in range(count):
            at = at + timedelta(minutes=rng.randint(5, 600))
            staff = i % 2 == 0
            rows.append(
                {
                    "case_id": case["id"],
                    "author_id": rng.choice(self.staff_ids) if staff else case["submitter_id"],
                    "body": self.text.body(),
                    "is_internal": staff and rng.random() < 0.2,
                    "source": "web",
                    "created_at": at,
                }
            )
        return rows

    def _contact_rows(self, case):
        """A colleague of the submitter (same company) following the case, when there is one."""
        colleague = self.rng.choice(self.members[case["participant_id"]])
        if colleague == case["submitter_id"]:
            return []
        return [{"case_id": case["id"], "user_id": colleague, "added_by_id": case["submitter_id"],
                 "added_at": case["received_at"]}]

    def _attachment_row(self, case):
        return {
            "case_id": case["id"],
            "uploaded_by_id": case["submitter_id"],
            "filename": "statement.pdf",
            "stored_name": f"bench{case['id']:012d}",
            "sha256": "0" * 64,
            "size": self.rng.randint(20_000, 5_000_000),
            "content_type": "application/pdf",
            "is_internal": False,
            "created_at": case["received_at"],
        }

    def counters(self):
        from askiso.cases.models import CaseNumberCounter

        for year, last in self.sequence.items():
            row = self.db.session.get(CaseNumberCounter, year)
            if row is None:
                self.db.session.add(CaseNumberCounter(year=year, last=last))
            else:
                row.last = max(row.last, last)
        if self.db.engine.dialect.name == "postgresql":
            self.db.session.execute(
                text("SELECT setval(pg_get_serial_sequence('cases', 'id'), (SELECT max(id) FROM cases))")
            )

    def describe(self):
        """Who the load driver signs in as, and which cases it opens."""
        from askiso.auth.models import User
        from askiso.cases.models import Case, Message

        biggest = max(
            self.members,
            key=lambda pid: (
                self.db.session.scalar(select(func.count(Case.id)).where(Case.participant_id == pid))
                if pid in self.participant_ids[:5]
                else -1
            ),
        )
        manager = self.db.session.get(User, self.managers[biggest])
        long_case = self.db.session.execute(
            select(Case.number)
            .join(Message, Message.case_id == Case.id)
            .where(Case.participant_id == biggest, Case.status.in_(("new", "in_progress", "waiting")))
            .group_by(Case.id, Case.number)
            .order_by(func.count(Message.id).desc())
            .limit(1)
        ).scalar()
        submitter = self.db.session.scalar(select(Case.submitter_id).where(Case.number == long_case))
        return {
            "password": PASSWORD,
            "staff_totp": STAFF_TOTP,
            "participant_user": self.db.session.get(User, submitter).email,
            "external_manager": manager.email,
            "staff": "staff010@bench.test",
            "case_with_30_messages": long_case,
            "biggest_participant": biggest,
            "cases": self.n_cases,
        }


def _plain(value, dialect):
    """A value as the driver takes it (JSON as text; SQLite dates as SQLAlchemy writes them)."""
    if isinstance(value, (dict, list)):
        return json.dumps(value)
    if dialect == "sqlite" and hasattr(value, "isoformat"):
        return value.isoformat(sep=" ")
    return value


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--out", default="bench-results/dataset.json")
    args = parser.parse_args()
    from askiso import create_app
    from askiso.extensions import db

    app = create_app()
    with app.app_context():
        if db.session.scalar(select(func.count()).select_from(text("cases"))):
            raise SystemExit("the database already has cases: generate into an empty database")
        generator = Generator(db, args.cases)
        seconds = generator.run()
        info = generator.describe()
        info["generate_seconds"] = round(seconds, 1)
        info["database"] = db.engine.dialect.name
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(info, indent=2))
    print(json.dumps(info, indent=2))


if __name__ == "__main__":
    main()

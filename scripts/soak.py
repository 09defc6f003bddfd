#!/usr/bin/env python3
"""Soak test of the local scale-out shape (scripts/scaleout.py).

    .venv/bin/python scripts/soak.py [--minutes 10] [--threads 4] [--no-report] [--keep]

Starts the shape, then for the given time a few threads act as people:
participants sign in, file cases with a PDF, reply and search; a soak-only
agent (password and TOTP set here) takes cases, replies and searches. Load is
bounded: every thread pauses between requests. Meanwhile one web instance is
killed (SIGKILL) and started again, one mail worker is stopped (SIGTERM) and
started again, and the SMTP sink is down for 30 seconds.

At the end it checks that every case and reply the app acknowledged is in the
database, that every email in the outbox was sent and arrived in the Maildir
exactly once (counted by Message-ID), that PostgreSQL search finds every case
by its number and by a word of its subject, and that no request failed outside
the restart window. The result is appended to docs/operations.md ("Soak
report") and the exit status is 0 only when every check passed.
"""

import argparse
import collections
import mailbox
import random
import re
import secrets
import signal
import statistics
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import pyotp  # noqa: E402
from scaleout import ROOT, Shape  # noqa: E402
from soakclient import Browser, Journal, UnexpectedResponse  # noqa: E402
from sqlalchemy import create_engine, text  # noqa: E402

PASSWORD = "demo-password-2026"
PARTICIPANTS = ["grace.user@granitestate.test", "henry.user@nutmeg.test", "ruth.user@baystate.test",
                "ethan.manager@granitestate.test", "liam.manager@nutmeg.test", "owen.manager@baystate.test"]
AGENT_EMAIL = "soak.agent@askiso.test"
AGENT_PASSWORD = "Soak agent passphrase " + secrets.token_hex(6)
SOAK_BASE_PORT = 8200  # not scaleout.py's 8100: a trial and a soak can run at once
RESTART_GRACE = 3.0  # seconds after a restarted instance is ready that still count as its window


class Soak:
    def __init__(self, shape, minutes, threads):
        self.shape = shape
        self.seconds = minutes * 60
        self.threads = threads
        self.journal = Journal()
        self.stop = threading.Event()
        self.windows = []  # (start, end) of web restarts
        self.events = []  # (time, text) of disruptions
        self.errors = []  # exceptions the load threads hit
        self.agent_secret = pyotp.random_base32()
        self.engine = None

    # -- set-up ---------------------------------------------------------------------
    def start(self):
        self.shape.start_all()
        self.engine = create_engine(self.shape.database_url)
        state = self.shape.load_state()
        env = self.shape.app_env(state["secret_key"], state["key_prefix"])
        self.shape.flask(env, "users", "create", AGENT_EMAIL, "--name", "Soak Agent", "--staff", "agent",
                         "--password-stdin", stdin=AGENT_PASSWORD + "\n")
        with self.engine.begin() as conn:  # soak-only: a known TOTP secret instead of the enrolment page
            conn.execute(text("UPDATE users SET totp_secret = :s, totp_enabled_at = now() WHERE email = :e"),
                         {"s": self.agent_secret, "e": AGENT_EMAIL})

    # -- load -------------------------------------------------------------------------
    def pause(self, low=0.3, high=1.2):
        self.stop.wait(random.uniform(low, high))  # noqa: S311 (load timing, not security)

    def participant(self, email):
        mine = []
        while not self.stop.is_set():
            browser = Browser(self.shape.url, self.journal)
            try:
                browser.sign_in(email, PASSWORD)
                for _ in range(6):
                    if self.stop.is_set():
                        break
                    self.participant_round(browser, mine)
                browser.sign_out()
            except UnexpectedResponse as exc:
                self.errors.append((time.time(), email, str(exc)))
            self.pause(2, 4)

    def participant_round(self, browser, mine):
        token = secrets.token_hex(5)
        number = browser.submit_case(f"Soak settlement question {token}",
                                     f"Soak test case {token}: please confirm the settlement figures.")
        mine.append(number)
        self.pause()
        browser.reply(random.choice(mine), secrets.token_hex(6))  # noqa: S311
        self.pause()
        browser.search(random.choice([number, token]))  # noqa: S311
        self.pause()

    def agent(self):
        browser = None
        while not self.stop.is_set():
            try:
                if browser is None:
                    browser = Browser(self.shape.url, self.journal)
                    browser.sign_in(AGENT_EMAIL, AGENT_PASSWORD, totp_secret=self.agent_secret)
                self.agent_round(browser)
            except UnexpectedResponse as exc:
                self.errors.append((time.time(), AGENT_EMAIL, str(exc)))
                browser = None
            self.pause(1, 2)

    def agent_round(self, browser):
        with self.journal.lock:
            numbers = list(self.journal.cases)
        if not numbers:
            return
        number = random.choice(numbers[-20:])  # noqa: S311
        page = browser.get(f"/staff/cases/{number}")
        if f"/staff/cases/{number}/take" in page.text:  # not yet assigned to this agent
            browser.submit(f"/staff/cases/{number}", page.text, "/take")
        self.pause()
        browser.reply(number, secrets.token_hex(6), staff=True)
        self.pause()
        browser.get("/staff/cases")
        browser.search(number)

    # -- disruptions ---------------------------------------------------------------
    def disrupt(self, started):
        plan = [(0.25, self.restart_web), (0.5, self.restart_mail_worker), (0.65, self.smtp_outage)]
        for fraction, action in plan:
            if self.stop.wait(max(0.0, started + self.seconds * fraction - time.time())):
                return
            action()

    def note(self, what):
        self.events.append((time.time(), what))
        print(f"[{datetime.now():%H:%M:%S}] {what}", flush=True)

    def restart_web(self):
        port = self.shape.web_ports[1]
        name = f"web-{port}"
        began = time.time()
        self.note(f"kill -KILL {name}")
        self.shape.stop_process(name, signal.SIGKILL)
        self.stop.wait(5)
        self.shape.start_web(port)
        self.windows.append((began, time.time() + RESTART_GRACE))
        self.note(f"{name} started again and ready ({time.time() - began:.1f} s after the kill)")

    def restart_mail_worker(self):
        self.note("kill -TERM mail-1")
        self.shape.stop_process("mail-1", signal.SIGTERM)
        self.shape.start_process("mail-1")
        self.note("mail-1 started again")

    def smtp_outage(self):
        self.note("SMTP sink stopped")
        self.shape.stop_process("smtp", signal.SIGTERM)
        self.stop.wait(30)
        self.shape.start_smtp()
        self.note("SMTP sink started again")

    def run_load(self):
        started = time.time()
        users = PARTICIPANTS[: self.threads]
        workers = [threading.Thread(target=self.participant, args=(u,), daemon=True) for u in users]
        workers.append(threading.Thread(target=self.agent, daemon=True))
        disruptor = threading.Thread(target=self.disrupt, args=(started,), daemon=True)
        for thread in [*workers, disruptor]:
            thread.start()
        self.stop.wait(self.seconds)
        self.stop.set()
        for thread in [*workers, disruptor]:
            thread.join(timeout=120)
        self.note("load stopped")
        return time.time() - started

    # -- checks -----------------------------------------------------------------------
    def wait_drained(self, timeout=420):
        """Until the outbox has nothing left to send and the search queue is empty."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            with self.engine.connect() as conn:
                waiting = conn.scalar(text("SELECT count(*) FROM outbox_emails WHERE status IN ('pending', 'sending')"))
                queued = conn.scalar(text("SELECT count(*) FROM search_queue"))
            if not waiting and not queued:
                return True
            time.sleep(2)
        return False

    def check_data(self):
        with self.engine.connect() as conn:
            rows = dict(conn.execute(text("SELECT number, subject FROM cases")).all())
            missing_cases = [n for n, s in self.journal.cases.items() if rows.get(n) != s]
            missing_replies, duplicate_replies = [], []
            for number, marker in self.journal.replies:
                count = conn.scalar(text(
                    "SELECT count(*) FROM messages m JOIN cases c ON c.id = m.case_id "
                    "WHERE c.number = :n AND m.body LIKE :b"), {"n": number, "b": f"%{marker}%"})
                (missing_replies if count == 0 else duplicate_replies if count > 1 else []).append(marker)
            soak_cases = conn.scalar(text("SELECT count(*) FROM cases WHERE subject LIKE 'Soak settlement%'"))
        return {"missing_cases": missing_cases, "missing_replies": missing_replies,
                "duplicate_replies": duplicate_replies, "cases_in_db": soak_cases}

    def check_mail(self):
        with self.engine.connect() as conn:
            outbox = conn.execute(text("SELECT id, status, headers FROM outbox_emails")).all()
        statuses = collections.Counter(row.status for row in outbox)
        delivered = collections.Counter()
        if (self.shape.maildir / "new").exists():
            for message in mailbox.Maildir(self.shape.maildir, create=False):
                delivered[(message.get("Message-ID") or "").strip()] += 1
        ids = {(row.headers or {}).get("Message-ID", "").strip() for row in outbox}
        not_delivered = [i for i in ids if delivered[i] == 0]
        duplicates = {i: c for i, c in delivered.items() if c > 1}
        strangers = [i for i in delivered if i not in ids]
        return {"outbox": len(outbox), "statuses": dict(statuses), "maildir": sum(delivered.values()),
                "not_delivered": not_delivered, "duplicates": duplicates, "unknown": strangers}

    def check_search(self):
        browser = Browser(self.shape.url, Journal())
        browser.sign_in(AGENT_EMAIL, AGENT_PASSWORD, totp_secret=self.agent_secret)
        not_found = []
        for number, subject in sorted(self.journal.cases.items()):
            token = subject.rsplit(" ", 1)[-1]
            for words in (number, token):
                if number not in browser.search(words).text:
                    not_found.append((number, words))
        return {"searched": len(self.journal.cases), "not_found": not_found}

    def check_requests(self):
        records = self.journal.requests
        failed = [r for r in records if not r.expected]
        in_window = [r for r in failed if any(a - 1 <= r.at <= b for a, b in self.windows)]
        outside = [r for r in failed if r not in in_window]
        durations = sorted(r.seconds for r in records)
        p95 = durations[int(len(durations) * 0.95)] if durations else 0
        kinds = collections.Counter(f"{r.method} {_route(r.path)}" for r in records)
        return {"requests": len(records), "failed_in_window": in_window, "failed_outside": outside,
                "median": statistics.median(durations) if durations else 0, "p95": p95, "kinds": kinds}

    def upstreams(self):
        log = self.shape.dir / "nginx" / "access.log"
        served, retried = collections.Counter(), 0
        for line in log.read_text().splitlines() if log.exists() else []:
            found = re.search(r"upstream=(\S+(?:, \S+)*) upstream_status", line)
            if not found:
                continue
            addresses = found.group(1).split(", ")
            retried += len(addresses) > 1
            served[addresses[-1]] += 1
        return served, retried


def _route(path):
    path = re.sub(r"/cases/[A-Za-z0-9-]+", "/cases/<n>", path)
    return path


def _report(soak, took, data, mail, search, reqs, drained, served, retried, passed):
    statuses = mail["statuses"].items()
    lines = [
        f"\n### {datetime.now(UTC):%Y-%m-%d %H:%M} UTC — {'passed' if passed else 'FAILED'}\n",
        f"`scripts/soak.py --minutes {soak.seconds / 60:g} --threads {soak.threads}`: load for {took / 60:.1f} min "
        f"from {soak.threads} participant threads and one agent (3 gunicorn instances × 2 workers × 4 threads "
        "behind nginx, 2 mail workers, 1 search worker, PostgreSQL, Redis).\n",
        f"- Requests: {reqs['requests']} (median {reqs['median'] * 1000:.0f} ms, p95 {reqs['p95'] * 1000:.0f} ms); "
        f"by instance: {', '.join(f'{k} {v}' for k, v in sorted(served.items()))}; "
        f"{retried} retried by nginx on another instance.",
        f"- Cases acknowledged: {len(soak.journal.cases)} ({data['cases_in_db']} soak cases in the database); "
        f"missing: {len(data['missing_cases'])}.",
        f"- Replies acknowledged: {len(soak.journal.replies)}; missing: {len(data['missing_replies'])}, "
        f"stored twice: {len(data['duplicate_replies'])}.",
        f"- Emails: {mail['outbox']} in the outbox ({', '.join(f'{k} {v}' for k, v in sorted(statuses))}); "
        f"{mail['maildir']} in the Maildir; not delivered: {len(mail['not_delivered'])}, "
        f"delivered more than once: {len(mail['duplicates'])}, unknown: {len(mail['unknown'])}; "
        f"outbox and search queue drained: {'yes' if drained else 'no'}.",
        f"- Search (PostgreSQL): {search['searched']} cases looked up by number and by a subject word; "
        f"not found: {len(search['not_found'])}.",
        f"- Failed requests: {len(reqs['failed_in_window'])} during the web restart window, "
        f"{len(reqs['failed_outside'])} outside it.",
        "- Disruptions: " + "; ".join(
            f"{datetime.fromtimestamp(t, UTC):%H:%M:%S} {what}" for t, what in soak.events) + ".",
    ]
    for record in (reqs["failed_in_window"] + reqs["failed_outside"])[:10]:
        lines.append(f"  - failed: {datetime.fromtimestamp(record.at, UTC):%H:%M:%S} {record.method} "
                     f"{record.path} → {record.status or record.error}")
    return "\n".join(lines) + "\n"


def append_report(section):
    path = ROOT / "docs" / "operations.md"
    content = path.read_text()
    if "## Soak report" not in content:
        content = content.rstrip("\n") + "\n\n## Soak report\n\nWritten by `scripts/soak.py`, newest last.\n"
    path.write_text(content + section)


def soak_shape(state_dir):
    """The scale-out shape the soak builds: its own folder, database and ports (8200-8225)."""
    return Shape(state_dir, db_name="askiso_soak", base_port=SOAK_BASE_PORT)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--threads", type=int, default=4, choices=range(1, len(PARTICIPANTS) + 1))
    parser.add_argument("--dir", type=Path, default=Path("/tmp/askiso-soak"))  # noqa: S108
    parser.add_argument("--no-report", action="store_true", help="do not append to docs/operations.md")
    parser.add_argument("--keep", action="store_true", help="leave the shape running afterwards")
    args = parser.parse_args(argv)
    soak = Soak(soak_shape(args.dir), args.minutes, args.threads)
    try:
        soak.start()
        print(f"shape up at {soak.shape.url}; load for {args.minutes:g} min", flush=True)
        took = soak.run_load()
        drained = soak.wait_drained()
        data, mail, search = soak.check_data(), soak.check_mail(), soak.check_search()
        reqs = soak.check_requests()
        served, retried = soak.upstreams()
    finally:
        if not args.keep:
            soak.shape.stop_all()
        if soak.engine is not None:
            soak.engine.dispose()
    passed = drained and not any([data["missing_cases"], data["missing_replies"], data["duplicate_replies"],
                                  mail["not_delivered"], mail["duplicates"], search["not_found"],
                                  reqs["failed_outside"], set(mail["statuses"]) - {"sent"}])
    section = _report(soak, took, data, mail, search, reqs, drained, served, retried, passed)
    print(section)
    for when, who, what in soak.errors[:20]:
        print(f"load error {datetime.fromtimestamp(when):%H:%M:%S} {who}: {what}")
    if not args.no_report:
        append_report(section)
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())

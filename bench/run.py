"""`make bench`: serve the app with gunicorn and drive it over HTTP on loopback.

Reports, for each scenario, p50/p95/p99 latency at 1 and 8 clients,
throughput, SQL queries per request (X-Query-Count) and worker memory, next to
the floor app (bench/floor.py) running the same queries. Writes
bench-results/report.md and prints it. Not a test: nothing here asserts.
"""

import argparse
import http.client
import json
import os
import re
import signal
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
from pathlib import Path

import pyotp

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench-results"
APP_PORT, FLOOR_PORT = 8811, 8812
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


class Client:
    """One keep-alive HTTP connection with a cookie jar of one session cookie."""

    def __init__(self, port):
        self.port = port
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.cookies = {}

    def request(self, method, path, body=None, headers=None):
        headers = dict(headers or {})
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if isinstance(body, dict):
            body = urllib.parse.urlencode(body, doseq=True)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        started = time.perf_counter()
        try:
            self.conn.request(method, path, body=body, headers=headers)
            response = self.conn.getresponse()
            data = response.read()
        except (http.client.HTTPException, OSError):
            self.conn.close()
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
            raise
        elapsed = time.perf_counter() - started
        for header in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            self.cookies[name] = rest.split(";", 1)[0]
        return response.status, data.decode("utf-8", "replace"), elapsed, response.headers

    def csrf(self, path):
        status, body, *_ = self.request("GET", path)
        match = CSRF.search(body)
        return match.group(1) if match else "", body


def sign_in(port, email, password, totp_secret=None):
    """A client signed in as `email`; stops the run if the sign-in is refused (a scenario measured
    on the sign-in page it was sent back to would look fast and be wrong)."""
    client = Client(port)
    token, _ = client.csrf("/login")
    status, body, *_ = client.request("POST", "/login", {"csrf_token": token, "email": email, "password": password})
    if totp_secret:
        totp = pyotp.TOTP(totp_secret)
        for _attempt in range(2):
            token, _ = client.csrf("/login/two-factor")
            form = {"csrf_token": token, "code": totp.now()}
            status, _, _, headers = client.request("POST", "/login/two-factor", form)
            if status in (302, 303) and "/login" not in (headers.get("Location") or ""):
                break
            # a code is accepted once: an earlier sign-in (another run) may have used this one
            time.sleep(totp.interval - time.time() % totp.interval + 1)
    status, *_ = client.request("GET", "/account/")
    if status != 200:
        raise SystemExit(f"signing in as {email} failed (the account page answered {status})")
    return client


def drive(make_client, step, clients, requests_per_client):
    """Run `step(client)` from `clients` threads; returns what was measured, unsummarized."""
    latencies, statuses, queries, errors = [], {}, [], []
    lock = threading.Lock()

    def worker():
        client = make_client()
        for _ in range(requests_per_client):
            try:
                status, _, elapsed, headers = step(client)
            except Exception as exc:  # noqa: BLE001 - a failed request is counted, not fatal
                with lock:
                    errors.append(repr(exc))
                continue
            with lock:
                latencies.append(elapsed)
                statuses[status] = statuses.get(status, 0) + 1
                if headers.get("X-Query-Count"):
                    queries.append(int(headers["X-Query-Count"]))

    threads = [threading.Thread(target=worker) for _ in range(clients)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return latencies, statuses, queries, errors, time.perf_counter() - started


def merge(runs):
    latencies, statuses, queries, errors, wall = [], {}, [], [], 0.0
    for run_latencies, run_statuses, run_queries, run_errors, run_wall in runs:
        latencies += run_latencies
        for status, n in run_statuses.items():
            statuses[status] = statuses.get(status, 0) + n
        queries += run_queries
        errors += run_errors
        wall += run_wall
    return latencies, statuses, queries, errors, wall


def run_scenario(make_client, step, clients, requests_per_client):
    """Run `step(client)` from `clients` threads; returns latencies and stats."""
    return summarize(*drive(make_client, step, clients, requests_per_client))


def run_paired(make_client, step, floor_client, floor_step, clients, requests_per_client, rounds=4):
    """Our page and its floor in alternating rounds, so that both meet the same machine:
    a busy moment (another process, a frequency change) falls on both, not on one."""
    ours, floor = [], []
    per_round = max(requests_per_client // rounds, 5)
    for _ in range(rounds):
        ours.append(drive(make_client, step, clients, per_round))
        floor.append(drive(floor_client, floor_step, clients, per_round))
    return summarize(*merge(ours)), summarize(*merge(floor))


def summarize(latencies, statuses, queries, errors, wall):
    if not latencies:
        return {"n": 0, "errors": len(errors), "statuses": statuses}
    ordered = sorted(latencies)

    def pct(p):
        return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))] * 1000

    return {
        "n": len(ordered),
        "p50": pct(50),
        "p95": pct(95),
        "p99": pct(99),
        "rps": len(ordered) / wall,
        "queries": statistics.median(queries) if queries else None,
        "statuses": statuses,
        "errors": len(errors),
    }


def start_server(target, port, env, workers=2):
    command = [
        str(ROOT / ".venv/bin/gunicorn"),
        "--config",
        str(ROOT / "gunicorn.conf.py"),
        "--workers",
        str(workers),
        "--bind",
        f"127.0.0.1:{port}",
        "--log-level",
        "warning",
        target,
    ]
    process = subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True)
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz" if "wsgi" in target else "/floor/case/none")
            conn.getresponse().read()
            return process
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise SystemExit(f"{target} did not start on port {port}")


def worker_memory_mb(process):
    """Largest resident size among the gunicorn workers of `process`."""
    try:
        children = subprocess.run(["pgrep", "-P", str(process.pid)], capture_output=True, text=True).stdout.split()
    except FileNotFoundError:
        return None
    sizes = []
    for pid in children:
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue
        match = re.search(r"VmRSS:\s+(\d+) kB", status)
        if match:
            sizes.append(int(match.group(1)) / 1024)
    return max(sizes) if sizes else None


def stop(process):
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=20)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        os.killpg(process.pid, signal.SIGKILL)


def main():
    from bench import scenarios

    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=200, help="requests per scenario at 1 client")
    parser.add_argument("--dataset", default=str(RESULTS / "dataset.json"), help="written by bench.generate")
    parser.add_argument("--port", type=int, default=APP_PORT,
                        help="the app's port on loopback; the floor app takes the next one")
    parser.add_argument("--only", default="", help="comma-separated parts of scenario names to run (default: all)")
    args = parser.parse_args()
    dataset = json.loads(Path(args.dataset).read_text())
    env = dict(
        os.environ,
        QUERY_COUNT_HEADER="1",
        MAIL_SEND_IN_PROCESS="0",
        RATELIMIT_ENABLED="0",
        ACCESS_LOG="0",
        SEARCH_WORK_IN_PROCESS="0",
    )
    scenarios.prepare(dataset)
    app_port, floor_port = args.port, args.port + 1
    app = start_server("wsgi:app", app_port, env)
    floor = start_server("bench.floor:create_floor()", floor_port, env)
    rows = []
    try:
        wanted = [part.strip() for part in args.only.split(",") if part.strip()]
        for name, make_client, step, floor_step in scenarios.build(dataset, app_port, floor_port):
            if wanted and not any(part in name for part in wanted):
                continue
            for clients in (1, 8):
                per_client = max(args.requests // clients, 10)
                if floor_step:
                    result, floor_result = run_paired(
                        make_client, step, lambda: Client(floor_port), floor_step, clients, per_client
                    )
                else:
                    result, floor_result = run_scenario(make_client, step, clients, per_client), None
                rows.append((name, clients, result, floor_result))
                print(format_row(name, clients, result, floor_result), flush=True)
        memory = worker_memory_mb(app)
    finally:
        stop(app)
        stop(floor)
    write_report(rows, memory, dataset)


def format_row(name, clients, r, floor):
    if not r.get("n"):
        return f"| {name} | {clients} | failed: {r} |"
    ratio = f"{r['rps'] / floor['rps']:.0%}" if floor and floor.get("n") else "—"
    ok = sum(v for k, v in r["statuses"].items() if k < 400)
    return (
        f"| {name} | {clients} | {r['p50']:.1f} | {r['p95']:.1f} | {r['p99']:.1f} | {r['rps']:.0f} | "
        f"{ratio} | {r['queries'] if r['queries'] is not None else '—'} | {ok}/{r['n']} |"
    )


def machine_speed():
    """Milliseconds of one core for a fixed pure-Python loop (best of 5): this shared machine's
    speed moves between sessions (and within one), and absolute latencies move with it."""
    best = None
    for _ in range(5):
        started = time.process_time()
        total = 0
        for i in range(2_000_000):
            total += i
        elapsed = (time.process_time() - started) * 1000
        best = elapsed if best is None else min(best, elapsed)
    return best


def write_report(rows, memory, dataset):
    header = (
        "| scenario | clients | p50 ms | p95 ms | p99 ms | req/s | vs floor | SQL/req | ok |\n"
        "|---|---|---|---|---|---|---|---|---|"
    )
    lines = [
        f"# Benchmark — {dataset['cases']:,} cases on {dataset['database']}",
        "",
        f"Taken {time.strftime('%Y-%m-%d %H:%M')} with bench/run.py; gunicorn 2 workers; "
        f"largest worker RSS after the run: {memory:.0f} MB; machine speed: a 2,000,000-step "
        f"Python loop took {machine_speed():.0f} ms of one core (lower is faster)"
        if memory
        else "",
        "",
        header,
        *(format_row(*row) for row in rows),
    ]
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"report-{dataset['database']}.md"
    path.write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    print(f"\nwritten to {path}")


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main()

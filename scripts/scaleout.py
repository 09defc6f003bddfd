#!/usr/bin/env python3
"""Local scale-out trial: the production shape on one machine, no containers.

    .venv/bin/python scripts/scaleout.py start   # build a fresh database and start everything
    .venv/bin/python scripts/scaleout.py status  # which processes are up
    .venv/bin/python scripts/scaleout.py stop    # stop everything this script started

Needs PostgreSQL and Redis running locally and nginx installed
(`apt-get install -y nginx-light`). It starts, each in its own process group:

- an SMTP sink (aiosmtpd) writing every message it accepts to a Maildir,
- three gunicorn instances on 127.0.0.1:8101-8103 (ASKISO_CONFIG=production),
- nginx on 127.0.0.1:8100 balancing over them, retrying another instance
  when one is down (proxy_next_upstream),
- two outbox workers (`flask mail send --loop`) and the single search worker
  (`flask search work --loop`).

Everything lives under the state folder (default /tmp/askiso-scaleout, or
$SCALEOUT_DIR): the shared instance folder and file store, the Maildir, the
generated nginx configuration, one log per process and state.json with the
process ids `stop` uses. The soak test (scripts/soak.py) drives this shape.
"""

import argparse
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = ROOT / ".venv" / "bin"
DEFAULT_DIR = Path(os.environ.get("SCALEOUT_DIR", "/tmp/askiso-scaleout"))  # noqa: S108
PG_ADMIN_URL = os.environ.get("SCALEOUT_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("SCALEOUT_REDIS_URL", "redis://127.0.0.1:6379/0")
DB_NAME = os.environ.get("SCALEOUT_DB", "askiso_scaleout")
PROXY_PORT = 8100
WEB_PORTS = (8101, 8102, 8103)
SMTP_PORT = 8125
MAIL_WORKERS = 2

NGINX_CONF = """\
worker_processes 2;
daemon off;
{user}
pid {dir}/nginx.pid;
error_log {dir}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    log_format upstreams '$time_iso8601 "$request" $status $request_time '
                         'upstream=$upstream_addr upstream_status=$upstream_status';
    access_log {dir}/access.log upstreams;
    client_body_temp_path {dir}/tmp/body;
    proxy_temp_path {dir}/tmp/proxy;
    fastcgi_temp_path {dir}/tmp/fastcgi;
    uwsgi_temp_path {dir}/tmp/uwsgi;
    scgi_temp_path {dir}/tmp/scgi;
    client_max_body_size 110m;
    upstream askiso {{
{servers}
        keepalive 16;
    }}
    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass http://askiso;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $http_host;
            # One trusted hop (TRUSTED_PROXIES=1): replace, never append to, what the client sent.
            proxy_set_header X-Forwarded-For $remote_addr;
            proxy_set_header X-Forwarded-Proto $scheme;
            proxy_set_header X-Forwarded-Host $http_host;
            proxy_connect_timeout 2s;
            proxy_read_timeout 60s;
            # An instance that is down (refused, reset, 502/503/504) is skipped and the
            # request tried on the next one. POSTs are retried only when they never
            # reached an instance (nginx's default for non-idempotent requests).
            proxy_next_upstream error timeout http_502 http_503 http_504;
            proxy_next_upstream_tries 3;
            proxy_next_upstream_timeout 10s;
        }}
    }}
}}
"""


class Shape:
    """The processes of the trial, their environment, and their ids on disk."""

    def __init__(self, state_dir=DEFAULT_DIR, db_name=DB_NAME, pg_admin_url=PG_ADMIN_URL, redis_url=REDIS_URL):
        self.dir = Path(state_dir)
        self.db_name = db_name
        self.pg_admin_url = pg_admin_url
        self.redis_url = redis_url
        self.state_file = self.dir / "state.json"
        self.maildir = self.dir / "maildir"
        self.logs = self.dir / "logs"
        self.url = f"http://127.0.0.1:{PROXY_PORT}"

    # -- configuration -------------------------------------------------------------
    @property
    def database_url(self):
        from sqlalchemy.engine import make_url

        return make_url(self.pg_admin_url).set(database=self.db_name).render_as_string(hide_password=False)

    def load_state(self):
        return json.loads(self.state_file.read_text()) if self.state_file.exists() else {"procs": {}}

    def save_state(self, state):
        tmp = self.state_file.with_suffix(".tmp")
        tmp.write_text(json.dumps(state, indent=2))
        tmp.replace(self.state_file)

    def app_env(self, secret_key, key_prefix):
        env = dict(os.environ)
        env.update(
            ASKISO_CONFIG="production",
            SECRET_KEY=secret_key,
            SESSION_COOKIE_SECURE="0",
            DATABASE_URL=self.database_url,
            REDIS_URL=self.redis_url,
            RATELIMIT_KEY_PREFIX=key_prefix,
            ASKISO_INSTANCE_PATH=str(self.dir / "instance"),
            FILE_STORAGE_DIR=str(self.dir / "instance" / "files"),
            SEARCH_BACKEND="postgres",
            SEARCH_WORK_IN_PROCESS="0",
            MAIL_SEND_IN_PROCESS="0",
            MAIL_SERVER="127.0.0.1",
            MAIL_PORT=str(SMTP_PORT),
            TRUSTED_PROXIES="1",
            ASKISO_EXTERNAL_URL=self.url,
            LOG_JSON="1",
            PYTHONUNBUFFERED="1",
        )
        return env

    def commands(self):
        """name -> argv of every long-running process."""
        flask = [str(VENV_BIN / "flask"), "--app", "wsgi"]
        cmds = {"smtp": [str(VENV_BIN / "python"), "-m", "aiosmtpd", "-n", "-l", f"127.0.0.1:{SMTP_PORT}",
                         "-c", "aiosmtpd.handlers.Mailbox", str(self.maildir)]}
        for port in WEB_PORTS:
            cmds[f"web-{port}"] = [str(VENV_BIN / "gunicorn"), "--config", str(ROOT / "gunicorn.conf.py"),
                                   "--workers", "2", "--threads", "4",
                                   "--bind", f"127.0.0.1:{port}", "--graceful-timeout", "10", "wsgi:app"]
        for n in range(1, MAIL_WORKERS + 1):
            cmds[f"mail-{n}"] = [*flask, "mail", "send", "--loop", "--interval", "1"]
        cmds["search"] = [*flask, "search", "work", "--loop", "--interval", "1"]
        cmds["nginx"] = ["nginx", "-c", str(self.dir / "nginx" / "nginx.conf"), "-p", str(self.dir / "nginx")]
        return cmds

    # -- building ----------------------------------------------------------------
    def prepare(self):
        """A fresh state folder, database (migrated, demo data) and nginx config."""
        if self.state_file.exists() and any(self.alive(n) for n in self.load_state()["procs"]):
            raise SystemExit(f"a trial is already running from {self.dir}; run `stop` first")
        if self.dir.exists():
            shutil.rmtree(self.dir)
        for sub in ("instance/files", "maildir/tmp", "maildir/new", "maildir/cur", "logs", "nginx/tmp", "metrics"):
            (self.dir / sub).mkdir(parents=True, exist_ok=True)
        state = {"secret_key": secrets.token_hex(32), "key_prefix": f"askiso-scaleout-{secrets.token_hex(4)}",
                 "procs": {}, "url": self.url, "database_url": self.database_url}
        self.save_state(state)
        self.check_services()
        self.create_database()
        env = self.app_env(state["secret_key"], state["key_prefix"])
        self.flask(env, "db", "upgrade")
        self.flask(env, "demo", "load", "--force")  # a throwaway trial database in the production shape
        self.write_nginx_conf()
        return state

    def check_services(self):
        import redis
        from sqlalchemy import create_engine, text

        if not shutil.which("nginx"):
            raise SystemExit("nginx is not installed: apt-get install -y nginx-light")
        redis.Redis.from_url(self.redis_url).ping()
        engine = create_engine(self.pg_admin_url)
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        engine.dispose()

    def create_database(self):
        from sqlalchemy import create_engine, text

        admin = create_engine(self.pg_admin_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{self.db_name}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{self.db_name}"'))
        admin.dispose()

    def flask(self, env, *args, stdin=None):
        result = subprocess.run([str(VENV_BIN / "flask"), "--app", "wsgi", *args], cwd=ROOT, env=env,  # noqa: S603
                                input=stdin, capture_output=True, text=True)
        if result.returncode != 0:
            raise SystemExit(f"flask {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
        return result.stdout

    def write_nginx_conf(self):
        nginx_dir = self.dir / "nginx"
        for sub in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
            (nginx_dir / "tmp" / sub).mkdir(parents=True, exist_ok=True)
        servers = "\n".join(f"        server 127.0.0.1:{p} max_fails=1 fail_timeout=5s;" for p in WEB_PORTS)
        user = "user root;" if os.geteuid() == 0 else ""
        (nginx_dir / "nginx.conf").write_text(
            NGINX_CONF.format(dir=nginx_dir, servers=servers, port=PROXY_PORT, user=user))

    # -- processes -----------------------------------------------------------------
    def start_process(self, name):
        state = self.load_state()
        env = self.app_env(state["secret_key"], state["key_prefix"])
        if name.startswith("web-"):
            metrics = self.dir / "metrics" / name
            shutil.rmtree(metrics, ignore_errors=True)
            metrics.mkdir(parents=True)
            env["PROMETHEUS_MULTIPROC_DIR"] = str(metrics)
        log = open(self.logs / f"{name}.log", "ab")
        proc = subprocess.Popen(  # noqa: S603 (our own fixed commands)
            self.commands()[name], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL, start_new_session=True)
        log.close()
        state["procs"][name] = proc.pid
        self.save_state(state)
        return proc.pid

    def alive(self, name):
        pid = self.load_state()["procs"].get(name)
        if not pid:
            return False
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        try:  # a zombie (exited, not yet reaped by its parent) counts as stopped
            return Path(f"/proc/{pid}/stat").read_text().split(") ")[1][0] != "Z"
        except (OSError, IndexError):
            return False

    def stop_process(self, name, sig=signal.SIGTERM, timeout=20):
        """Signal the process group this script started for `name`; wait until it has gone."""
        state = self.load_state()
        pid = state["procs"].get(name)
        if not pid or not self.alive(name):
            state["procs"].pop(name, None)
            self.save_state(state)
            return
        try:
            os.killpg(pid, sig)  # the group id is the pid: start_new_session=True
        except ProcessLookupError:
            pass
        deadline = time.monotonic() + timeout
        while self.alive(name) and time.monotonic() < deadline:
            time.sleep(0.1)
        if self.alive(name):
            os.killpg(pid, signal.SIGKILL)
            while self.alive(name):
                time.sleep(0.1)
        state = self.load_state()
        state["procs"].pop(name, None)
        self.save_state(state)

    def wait_http(self, url, timeout=60):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 (http only)
                    if response.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, OSError):
                pass
            time.sleep(0.2)
        raise SystemExit(f"{url} did not answer 200 within {timeout} s (see {self.logs})")

    def wait_port(self, port, timeout=30):
        import socket

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with socket.socket() as sock:
                sock.settimeout(1)
                if sock.connect_ex(("127.0.0.1", port)) == 0:
                    return
            time.sleep(0.1)
        raise SystemExit(f"nothing listens on port {port} after {timeout} s (see {self.logs})")

    def start_web(self, port):
        self.start_process(f"web-{port}")
        self.wait_http(f"http://127.0.0.1:{port}/readyz")

    def start_smtp(self):
        self.start_process("smtp")
        self.wait_port(SMTP_PORT)

    def start_all(self):
        self.prepare()
        self.start_smtp()
        for port in WEB_PORTS:
            self.start_process(f"web-{port}")
        for port in WEB_PORTS:
            self.wait_http(f"http://127.0.0.1:{port}/readyz")
        self.start_process("nginx")
        self.wait_http(f"{self.url}/readyz")
        for n in range(1, MAIL_WORKERS + 1):
            self.start_process(f"mail-{n}")
        self.start_process("search")

    def stop_all(self):
        order = ["nginx", *(f"web-{p}" for p in WEB_PORTS), *(f"mail-{n}" for n in range(1, MAIL_WORKERS + 1)),
                 "search", "smtp"]
        names = list(self.load_state()["procs"])
        for name in sorted(names, key=lambda n: order.index(n) if n in order else len(order)):
            sig = signal.SIGQUIT if name == "nginx" else signal.SIGTERM  # nginx: QUIT is its graceful stop
            self.stop_process(name, sig)

    def status(self):
        return {name: ("up" if self.alive(name) else "down") for name in self.load_state()["procs"]}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=["start", "stop", "status"])
    parser.add_argument("--dir", type=Path, default=DEFAULT_DIR, help="state folder (default %(default)s)")
    args = parser.parse_args(argv)
    shape = Shape(args.dir)
    if args.command == "start":
        try:
            shape.start_all()
        except BaseException:
            shape.stop_all()
            raise
        print(f"Ask ISO scale-out trial is up: {shape.url}")
        print(f"  3 web instances on 127.0.0.1:{WEB_PORTS[0]}-{WEB_PORTS[-1]}, 2 mail workers, 1 search worker")
        print(f"  mail is delivered to the Maildir {shape.maildir}; logs in {shape.logs}")
        print(f"  database {shape.db_name}; demo accounts' password: demo-password-2026")
        where = "" if args.dir == DEFAULT_DIR else f" --dir {args.dir}"
        print(f"Stop it with: .venv/bin/python scripts/scaleout.py stop{where}")
    elif args.command == "stop":
        if not shape.state_file.exists():
            print("nothing to stop")
            return
        shape.stop_all()
        print("stopped")
    else:
        if not shape.state_file.exists():
            print("not started")
            return
        for name, state in shape.status().items():
            print(f"{name:10} {state}")


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main()

#!/usr/bin/env python3
"""Local scale-out trial: the production shape on one machine, no containers.

    .venv/bin/python scripts/scaleout.py start         # build a fresh database and start everything
    .venv/bin/python scripts/scaleout.py status        # which processes are up
    .venv/bin/python scripts/scaleout.py restart NAME  # stop one process (web-8102, mail-1, ...) and start it again
    .venv/bin/python scripts/scaleout.py stop          # stop everything this script started

Needs PostgreSQL and Redis running locally and nginx installed
(`apt-get install -y nginx-light`). It starts, each in its own process group:

- an SMTP sink (aiosmtpd) writing every message it accepts to a Maildir,
- three gunicorn instances on 127.0.0.1:8101-8103 (ASKISO_CONFIG=production),
  each with its own gunicorn control socket in the state folder,
- nginx on 127.0.0.1:8100 balancing over them, retrying another instance
  when one is down (proxy_next_upstream),
- two outbox workers (`flask mail send --loop`) and the single search worker
  (`flask search work --loop`).

Everything lives under the state folder (default /tmp/askiso-scaleout, or
$SCALEOUT_DIR): the shared instance folder and file store, the Maildir, the
generated nginx configuration, one log per process and state.json with the
process ids, ports and database `stop`, `status` and `restart` use. The soak
test (scripts/soak.py) builds the same shape on ports 8200-8225 with its own
folder and database, so a trial and a soak can run at once; `--dir
/tmp/askiso-soak` points this script at the soak's shape.
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
BASE_PORT = 8100  # nginx; the web instances are the next three ports, the SMTP sink BASE_PORT + 25
WEB_INSTANCES = 3
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

    def __init__(self, state_dir=DEFAULT_DIR, db_name=DB_NAME, pg_admin_url=PG_ADMIN_URL, redis_url=REDIS_URL,
                 base_port=BASE_PORT):
        self.dir = Path(state_dir)
        self.db_name = db_name
        self.pg_admin_url = pg_admin_url
        self.redis_url = redis_url
        self.proxy_port = base_port
        self.web_ports = tuple(base_port + n for n in range(1, WEB_INSTANCES + 1))
        self.smtp_port = base_port + 25
        self.state_file = self.dir / "state.json"
        self.maildir = self.dir / "maildir"
        self.logs = self.dir / "logs"
        self.url = f"http://127.0.0.1:{self.proxy_port}"

    @classmethod
    def from_dir(cls, state_dir):
        """The shape whose state folder this is: its ports and database as `start` recorded them."""
        state_file = Path(state_dir) / "state.json"
        if not state_file.exists():
            return cls(state_dir)
        state = json.loads(state_file.read_text())
        return cls(state_dir, db_name=state.get("db_name", DB_NAME), base_port=state.get("base_port", BASE_PORT))

    @property
    def ports(self):
        return (self.proxy_port, *self.web_ports, self.smtp_port)

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
            MAIL_PORT=str(self.smtp_port),
            TRUSTED_PROXIES="1",
            ASKISO_EXTERNAL_URL=self.url,
            LOG_JSON="1",
            PYTHONUNBUFFERED="1",
        )
        return env

    def commands(self):
        """name -> argv of every long-running process."""
        flask = [str(VENV_BIN / "flask"), "--app", "wsgi"]
        cmds = {"smtp": [str(VENV_BIN / "python"), "-m", "aiosmtpd", "-n", "-l", f"127.0.0.1:{self.smtp_port}",
                         "-c", "aiosmtpd.handlers.Mailbox", str(self.maildir)]}
        for port in self.web_ports:
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
        self.check_ports_free()
        state = {"secret_key": secrets.token_hex(32), "key_prefix": f"askiso-scaleout-{secrets.token_hex(4)}",
                 "procs": {}, "url": self.url, "database_url": self.database_url, "db_name": self.db_name,
                 "base_port": self.proxy_port}
        self.save_state(state)
        self.check_services()
        self.create_database()
        env = self.app_env(state["secret_key"], state["key_prefix"])
        self.flask(env, "db", "upgrade")
        self.flask(env, "demo", "load", "--force")  # a throwaway trial database in the production shape
        self.write_nginx_conf()
        return state

    def check_ports_free(self):
        import socket

        for port in self.ports:
            with socket.socket() as sock:
                if sock.connect_ex(("127.0.0.1", port)) == 0:
                    raise SystemExit(f"port {port} is already in use (another trial or soak? this shape uses "
                                     f"{self.proxy_port}-{self.smtp_port}; scripts/soak.py uses 8200-8225)")

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
        servers = "\n".join(f"        server 127.0.0.1:{p} max_fails=1 fail_timeout=5s;" for p in self.web_ports)
        user = "user root;" if os.geteuid() == 0 else ""
        (nginx_dir / "nginx.conf").write_text(
            NGINX_CONF.format(dir=nginx_dir, servers=servers, port=self.proxy_port, user=user))

    # -- processes -----------------------------------------------------------------
    def process_env(self, name):
        """The environment of one process: the app's, plus a web instance's own metrics folder and control socket."""
        state = self.load_state()
        env = self.app_env(state["secret_key"], state["key_prefix"])
        if name.startswith("web-"):
            env["PROMETHEUS_MULTIPROC_DIR"] = str(self.dir / "metrics" / name)
            # Its own control socket (gunicorn.conf.py): gunicorn's default is one path per user,
            # which every instance of the host would take from the others.
            env["GUNICORN_CONTROL_SOCKET"] = str(self.dir / f"{name}.ctl")
        return env

    def start_process(self, name):
        env = self.process_env(name)
        if "PROMETHEUS_MULTIPROC_DIR" in env:
            metrics = Path(env["PROMETHEUS_MULTIPROC_DIR"])
            shutil.rmtree(metrics, ignore_errors=True)
            metrics.mkdir(parents=True)
        log = open(self.logs / f"{name}.log", "ab")
        proc = subprocess.Popen(  # noqa: S603 (our own fixed commands)
            self.commands()[name], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL, start_new_session=True)
        log.close()
        state = self.load_state()
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
        self.wait_port(self.smtp_port)

    def start_all(self):
        self.prepare()
        self.start_smtp()
        for port in self.web_ports:
            self.start_process(f"web-{port}")
        for port in self.web_ports:
            self.wait_http(f"http://127.0.0.1:{port}/readyz")
        self.start_process("nginx")
        self.wait_http(f"{self.url}/readyz")
        for n in range(1, MAIL_WORKERS + 1):
            self.start_process(f"mail-{n}")
        self.start_process("search")

    def stop_all(self):
        order = ["nginx", *(f"web-{p}" for p in self.web_ports), *(f"mail-{n}" for n in range(1, MAIL_WORKERS + 1)),
                 "search", "smtp"]
        names = list(self.load_state()["procs"])
        for name in sorted(names, key=lambda n: order.index(n) if n in order else len(order)):
            self.stop_process(name, self.stop_signal(name))

    @staticmethod
    def stop_signal(name):
        return signal.SIGQUIT if name == "nginx" else signal.SIGTERM  # nginx: QUIT is its graceful stop

    def restart(self, name):
        """Stop one process gracefully and start it again, waiting until it serves; the data stays."""
        if name not in self.commands():
            raise SystemExit(f"no process {name!r}; one of: {', '.join(self.commands())}")
        if not self.state_file.exists():
            raise SystemExit(f"no trial in {self.dir}; run `start` first")
        self.stop_process(name, self.stop_signal(name))
        if name.startswith("web-"):
            self.start_web(int(name.removeprefix("web-")))
        elif name == "smtp":
            self.start_smtp()
        elif name == "nginx":
            self.start_process(name)
            self.wait_http(f"{self.url}/readyz")
        else:
            self.start_process(name)

    def status(self):
        return {name: ("up" if self.alive(name) else "down") for name in self.load_state()["procs"]}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=["start", "stop", "status", "restart"])
    parser.add_argument("name", nargs="?", help="with restart: the process (web-8102, mail-1, search, smtp, nginx)")
    parser.add_argument("--dir", type=Path, default=DEFAULT_DIR, help="state folder (default %(default)s)")
    args = parser.parse_args(argv)
    if (args.command == "restart") != (args.name is not None):
        parser.error("restart takes the name of one process (see `status`); the other commands take none")
    if args.command == "start":
        shape = Shape(args.dir)
    else:
        shape = Shape.from_dir(args.dir)
    if args.command == "restart":
        shape.restart(args.name)
        print(f"{args.name} restarted")
    elif args.command == "start":
        try:
            shape.start_all()
        except BaseException:
            shape.stop_all()
            raise
        print(f"Ask ISO scale-out trial is up: {shape.url}")
        print(f"  {WEB_INSTANCES} web instances on 127.0.0.1:{shape.web_ports[0]}-{shape.web_ports[-1]}, "
              f"{MAIL_WORKERS} mail workers, 1 search worker")
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

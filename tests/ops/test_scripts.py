"""The operations scripts import, and everything they import is pinned in a requirements file.

A fresh clone gets only what requirements(-dev).txt name: a script that
imports a library which merely happens to be installed here would fail there
(`requests` did, in scripts/soak.py).
"""

import ast
import importlib
import importlib.util
import os
import re
import socket
import subprocess
import sys
from importlib.metadata import packages_distributions
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPTS = sorted((ROOT / "scripts").glob("*.py"))


def _pinned(path):
    """Normalised distribution names a requirements file pins, following `-r` includes."""
    names = set()
    for line in path.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line.startswith("-r"):
            names |= _pinned(path.parent / line[2:].strip())
        elif line:
            names.add(_normalise(re.split(r"[\[=<>~! ]", line, maxsplit=1)[0]))
    return names


def _normalise(name):
    return re.sub(r"[-_.]+", "-", name).lower()


def _imported_modules(path):
    """Top-level names of every module a file imports, at any depth (imports inside functions too)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
    return found


def test_every_library_a_script_imports_is_pinned():
    pinned = _pinned(ROOT / "requirements-dev.txt")
    ours = {p.stem for p in SCRIPTS} | {"askiso", "config", "wsgi", "bench"}
    distributions = packages_distributions()
    unpinned = {}
    for script in SCRIPTS:
        for module in sorted(_imported_modules(script) - ours - set(sys.stdlib_module_names)):
            names = {_normalise(d) for d in distributions.get(module, [module])}
            if not names & pinned:
                unpinned.setdefault(script.name, []).append(module)
    assert unpinned == {}, "imported by scripts/ but pinned in no requirements file"


@pytest.mark.parametrize("script", [p.name for p in SCRIPTS])
def test_script_imports(script, monkeypatch):
    monkeypatch.syspath_prepend(str(ROOT / "scripts"))
    spec = importlib.util.spec_from_file_location(f"_script_{Path(script).stem}", ROOT / "scripts" / script)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # raises ModuleNotFoundError for a missing library
    assert module.__doc__, "every script says what it is for"


def _load(name, monkeypatch):
    monkeypatch.syspath_prepend(str(ROOT / "scripts"))
    return importlib.import_module(name)


def test_a_soak_and_a_trial_share_no_port_folder_or_database(tmp_path, monkeypatch):
    scaleout, soak = _load("scaleout", monkeypatch), _load("soak", monkeypatch)
    trial, soaked = scaleout.Shape(scaleout.DEFAULT_DIR), soak.soak_shape(tmp_path / "soak")
    assert not set(trial.ports) & set(soaked.ports)
    assert trial.db_name != soaked.db_name and trial.dir != soaked.dir


def _recorded_shape(scaleout, state_dir, base_port):
    shape = scaleout.Shape(state_dir, db_name="askiso_elsewhere", base_port=base_port)
    shape.logs.mkdir(parents=True)
    shape.maildir.mkdir()
    shape.save_state({"secret_key": "k", "key_prefix": "p", "procs": {}, "db_name": shape.db_name,
                      "base_port": base_port})
    return shape


def test_each_web_instance_has_its_own_control_socket(tmp_path, monkeypatch):
    scaleout = _load("scaleout", monkeypatch)
    shape = _recorded_shape(scaleout, tmp_path, 8300)
    sockets = [shape.process_env(f"web-{port}")["GUNICORN_CONTROL_SOCKET"] for port in shape.web_ports]
    assert len(set(sockets)) == len(shape.web_ports)
    assert all(Path(s).parent == tmp_path for s in sockets)


@pytest.mark.parametrize("given, disabled, path", [("", True, None), ("/run/askiso/web-1.ctl", False,
                                                                       "/run/askiso/web-1.ctl")])
def test_gunicorn_conf_binds_no_shared_control_socket(given, disabled, path):
    probe = ("import sys; from gunicorn.app.wsgiapp import WSGIApplication; "
             "sys.argv = ['gunicorn', '--config', 'gunicorn.conf.py', 'wsgi:app']; c = WSGIApplication().cfg; "
             "print(c.control_socket_disable, c.control_socket)")
    env = {k: v for k, v in os.environ.items() if k != "GUNICORN_CONTROL_SOCKET"}
    env["GUNICORN_CONTROL_SOCKET"] = given
    out = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, env=env, capture_output=True, text=True,  # noqa: S603
                         check=True).stdout.split()
    assert out[0] == str(disabled)
    if path:
        assert out[1] == path


def test_restart_one_process_of_a_running_shape(tmp_path, monkeypatch):
    scaleout = _load("scaleout", monkeypatch)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        free = probe.getsockname()[1]
    shape = _recorded_shape(scaleout, tmp_path, free - 25)  # the SMTP sink gets the free port
    shape.start_smtp()
    try:
        before = shape.load_state()["procs"]["smtp"]
        again = scaleout.Shape.from_dir(tmp_path)  # what `restart --dir` sees: the recorded ports
        assert (again.smtp_port, again.db_name) == (free, "askiso_elsewhere")
        scaleout.main(["restart", "smtp", "--dir", str(tmp_path)])
        after = shape.load_state()["procs"]["smtp"]
        assert after != before and shape.alive("smtp")
        with socket.create_connection(("127.0.0.1", free), timeout=10) as conn:
            assert conn.recv(100).startswith(b"220")  # the new sink answers
        with pytest.raises(SystemExit, match="no process"):
            scaleout.main(["restart", "web-1", "--dir", str(tmp_path)])
    finally:
        shape.stop_all()
    assert not shape.alive("smtp")

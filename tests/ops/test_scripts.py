"""The operations scripts import, and everything they import is pinned in a requirements file.

A fresh clone gets only what requirements(-dev).txt name: a script that
imports a library which merely happens to be installed here would fail there
(`requests` did, in scripts/soak.py).
"""

import ast
import importlib.util
import re
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

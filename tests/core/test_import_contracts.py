"""The import rules of pyproject.toml [tool.importlinter] hold (import-linter): no import circle,
core depends on no feature, no private reach-ins. CI runs only the test suite, so this test is
what makes a circle fail the build."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
RUN = "from importlinter.cli import lint_imports; raise SystemExit(lint_imports(config_filename={!r}, no_cache=True))"


def _lint(cwd, config):
    return subprocess.run(
        [sys.executable, "-c", RUN.format(config)],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        env={"PYTHONPATH": f"{cwd}:{ROOT}", "PATH": "/usr/bin:/bin"},
    )


def test_the_import_contracts_are_kept():
    result = _lint(ROOT, "pyproject.toml")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_a_circle_or_a_private_reach_in_breaks_them(tmp_path):
    """The contracts can fail: a package with a circle through a function-level import and a
    private name taken from another module."""
    package = tmp_path / "circled"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "a.py").write_text("from circled.b import _hidden\n")
    (package / "b.py").write_text("def _hidden():\n    from circled import a\n    return a\n")
    (tmp_path / "setup.cfg").write_text(
        "[importlinter]\nroot_package = circled\ncontract_types =\n"
        "    acyclic_modules: tests.import_contracts.AcyclicModulesContract\n"
        "    no_private_names: tests.import_contracts.NoPrivateNamesContract\n\n"
        "[importlinter:contract:circles]\nname = circles\ntype = acyclic_modules\npackages =\n    circled\n\n"
        "[importlinter:contract:private]\nname = private\ntype = no_private_names\npackages =\n    circled\n"
    )
    result = _lint(tmp_path, "setup.cfg")
    assert result.returncode != 0, result.stdout + result.stderr
    assert "circled.a <-> circled.b" in result.stdout
    assert "circled.a:1 from circled.b import _hidden" in result.stdout
    assert "2 broken" in result.stdout

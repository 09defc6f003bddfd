"""What a web worker loads at start-up: libraries that only one page or command
needs (issue 11: worker memory) are imported where they are used."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# alembic/Flask-Migrate: `flask db` and tests; zxcvbn: a password check; numpy: the
# reports' business hours and the Whoosh search; ua_parser: the sessions list; segno: two-factor
# enrolment and receipt PDFs;
# fpdf/pypdf: the receipt PDF;
# apispec: the OpenAPI document; whoosh: searches with the Whoosh backend.
LAZY = {"alembic", "flask_migrate", "zxcvbn", "numpy", "ua_parser", "segno", "apispec", "whoosh", "fpdf", "pypdf"}


def _loaded_after_create_app(tmp_path):
    code = (
        "import json, sys\n"
        "from askiso import create_app\n"
        "create_app('testing')\n"
        "print(json.dumps(sorted({name.split('.')[0] for name in sys.modules})))\n"
    )
    env = {**os.environ, "ASKISO_INSTANCE_PATH": str(tmp_path)}
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    return set(json.loads(result.stdout.strip().splitlines()[-1]))


def test_create_app_leaves_single_purpose_libraries_unloaded(tmp_path):
    loaded = _loaded_after_create_app(tmp_path)
    assert "flask" in loaded and "askiso" in loaded  # the probe itself works
    assert not loaded & LAZY, f"imported at start-up: {sorted(loaded & LAZY)}"

#!/usr/bin/env bash
# While nothing is deployed, the schema lives in one initial migration that is
# regenerated from the models. Once a release is out, add migrations instead.
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
rm -f migrations/versions/*.py
ASKISO_INSTANCE_PATH="$tmp" DATABASE_URL="sqlite:///$tmp/regen.db" .venv/bin/flask --app wsgi db migrate -m "initial schema" >/dev/null 2>&1
rm -rf "$tmp"
ls migrations/versions/*.py

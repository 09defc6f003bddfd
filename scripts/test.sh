#!/usr/bin/env bash
# Run the whole suite (unit, integration and browser tests) with the project venv.
# TEST_DATABASE_URL=postgresql+psycopg://... runs it against PostgreSQL.
set -euo pipefail
cd "$(dirname "$0")/.."
export PYTHONDONTWRITEBYTECODE=1
if [ -x /usr/bin/chromium ]; then
  export ASKISO_CHROMIUM=/usr/bin/chromium
fi
exec .venv/bin/python -m pytest -n 2 --dist loadfile "$@"

#!/usr/bin/env bash
# Until 2026-12-02 the schema lived in one initial migration regenerated from
# the models. Since then migrations are added, not regenerated: databases with
# data exist (the benchmark sets), and 7c3f1a2b9d10 holds triggers and a
# backfill that autogenerate cannot write. Add a migration with
#     .venv/bin/flask --app wsgi db migrate -m "what changed"
# and review it; this script only refuses to throw the history away.
set -euo pipefail
cd "$(dirname "$0")/.."
echo "migrations are no longer regenerated: add one with 'flask --app wsgi db migrate -m ...' (see this script)" >&2
exit 1

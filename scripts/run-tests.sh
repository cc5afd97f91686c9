#!/usr/bin/env bash
# Everything `make test` checks: lint and types, the front end's unit tests, the whole Python
# suite on SQLite (browser journey included), then every database test again on PostgreSQL.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin

$BIN/ruff check src tests scripts
$BIN/mypy

scripts/install-browser.sh

if [[ -f web/package.json ]]; then
  # The saved API schema (and so the generated client) must match the app.
  $BIN/python scripts/export_openapi.py web/openapi.json --check
  echo "== eslint and vitest (web) =="
  (cd web && npm run lint --silent && npm test --silent)
fi

echo "== pytest on SQLite =="
# The browser journey must run here (its tools were installed above), never skip.
ATELIER_REQUIRE_BROWSER=1 $BIN/python -m pytest -q

echo "== pytest on PostgreSQL (tests marked db) =="
url=$(scripts/pg-test-server.sh start)
trap 'scripts/pg-test-server.sh stop' EXIT
ATELIER_TEST_DATABASE_URL="$url" $BIN/python -m pytest -q -m "db and not browser" -p no:cacheprovider

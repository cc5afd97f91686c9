#!/usr/bin/env bash
# Builds the front end into the Python package's static folder when its sources changed.
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ ! -f web/package.json ]]; then
  exit 0
fi
stamp=src/atelier/static/.build-stamp
digest=$(find web -path web/node_modules -prune -o -type f -print | LC_ALL=C sort | xargs sha256sum | sha256sum | cut -c1-64)
if [[ -f "$stamp" && "$(cat "$stamp")" == "$digest" ]]; then
  exit 0
fi
echo "building the web front end" >&2
(cd web && npm ci --no-audit --no-fund --loglevel=error && npm run build --silent)
echo "$digest" > "$stamp"

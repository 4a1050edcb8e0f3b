#!/usr/bin/env bash
# The one test command (`npm test`): types, layer rules, then every jest tier against whatever
# stack is up (scripts/stack/up.sh natively, or docker compose up -d). Extra args go to jest.
set -euo pipefail
cd "$(dirname "$0")/.."
echo "== typecheck"
tsc -p tsconfig.json --noEmit
echo "== layer rules (dependency-cruiser)"
depcruise apps libs migrations --config .dependency-cruiser.cjs
echo "== jest (unit + integration)"
exec jest --ci --maxWorkers=2 "$@"

#!/usr/bin/env bash
# The one test command (`npm test`): dependencies and engines if missing, types, layer rules, then
# the alert rules (promtool), then every jest tier against the real engines. Extra args go to jest.
# Engines: scripts/stack/up.sh is idempotent (0.5 s when all answer) and uses any engine already
# answering on its port, e.g. one from `docker compose up -d`; SHARDLINE_TEST_STACK=skip skips it.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -d node_modules ] || npm ci --no-audit --no-fund
if [ "${SHARDLINE_TEST_STACK:-up}" != skip ]; then
  echo "== engines (scripts/stack/up.sh)"
  scripts/stack/up.sh
fi
echo "== typecheck"
tsc -p tsconfig.json --noEmit
echo "== layer rules (dependency-cruiser)"
depcruise apps libs migrations sagas --config .dependency-cruiser.cjs
echo "== alert rules (promtool check rules + promtool test rules)"
if ! command -v promtool >/dev/null 2>&1; then
  scripts/stack/promtool.sh || { echo "promtool is missing and could not be installed: apt-get install prometheus (Debian), or put promtool on PATH" >&2; exit 1; }
fi
promtool check rules ops/prometheus/alerts.yml
promtool test rules ops/prometheus/alerts.test.yml
promtool check config ops/prometheus/prometheus.yml
if ! command -v pt-online-schema-change >/dev/null 2>&1; then
  echo "== pt-online-schema-change (for the online records conversion test)"
  scripts/stack/percona-toolkit.sh || { echo "pt-online-schema-change is missing and could not be installed: apt-get install percona-toolkit (Debian), or put it on PATH" >&2; exit 1; }
fi
echo "== jest (unit + integration)"
exec jest --ci --maxWorkers=2 "$@"

#!/usr/bin/env bash
# `npm start`: brings up what the API needs (MariaDB, Redis), migrates every shard, builds, and runs
# the API in the foreground on SHARDLINE_HTTP_PORT (default 3000). Ctrl-C shuts down gracefully.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -d node_modules ] || npm ci --no-audit --no-fund
scripts/stack/up.sh ${SHARDLINE_START_ENGINES:-mariadb redis}
tsx apps/ops-cli/src/main.ts migrate
nest build api
exec node --enable-source-maps dist/apps/api/main.js

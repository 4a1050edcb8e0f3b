#!/usr/bin/env bash
# `npm start`: the whole system on one machine. Brings the engines up (idempotent), migrates every
# shard, builds every app, then runs them side by side with their output prefixed:
#   api :3000 (writes, reads)   query-api :3001 (cached reads, search, analytics)
#   relay (ops :9464)   projector (ops :9465)   command-intake (ops :9466)   saga-worker (ops :9467)
# Ctrl-C (or SIGTERM) stops them all gracefully; if one exits, the others are stopped too.
# SHARDLINE_START_APPS selects apps (default: all six); SHARDLINE_START_ENGINES selects engines.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -d node_modules ] || npm ci --no-audit --no-fund
scripts/stack/up.sh ${SHARDLINE_START_ENGINES:-}
tsx apps/ops-cli/src/main.ts migrate
# Keys are required (SHARDLINE_AUTH=required): the first start makes a development key with every
# role and saves it in .shardline-dev-key (git-ignored); later starts print it again.
[ "${SHARDLINE_AUTH:-required}" = off ] || tsx apps/ops-cli/src/main.ts keys dev --file .shardline-dev-key
nest build --all

apps=(${SHARDLINE_START_APPS:-api query-api relay projector command-intake saga-worker})
# Development: the workers' ops ports (no keys; loopback by default) open to the compose Prometheus.
export SHARDLINE_RELAY_OPS_HOST=${SHARDLINE_RELAY_OPS_HOST:-0.0.0.0} SHARDLINE_PROJECTOR_OPS_HOST=${SHARDLINE_PROJECTOR_OPS_HOST:-0.0.0.0}
export SHARDLINE_OPS_HOST=${SHARDLINE_OPS_HOST:-0.0.0.0} SHARDLINE_SAGA_OPS_HOST=${SHARDLINE_SAGA_OPS_HOST:-0.0.0.0}
pids=()
for app in "${apps[@]}"; do
  # Each app that creates records leases its own Snowflake worker id in the control database.
  # Each runs with its production node flags (apps/node-flags.cjs).
  node --enable-source-maps $(node apps/node-flags.cjs "$app") "dist/apps/$app/main.js" > >(sed -u "s/^/[$app] /") 2>&1 &
  pids+=($!)
done

stop() {
  trap - INT TERM
  echo "[start] stopping: ${apps[*]}"
  kill -TERM "${pids[@]}" 2>/dev/null || true
  wait "${pids[@]}" 2>/dev/null || true
}
trap 'stop; exit 130' INT TERM
set +e
wait -n "${pids[@]}"
status=$?
echo "[start] an app exited (status $status); stopping the others"
stop
exit "$status"

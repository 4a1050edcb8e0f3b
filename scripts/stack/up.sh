#!/usr/bin/env bash
# Brings the native stack up (installs what is missing, starts what is not running, waits until
# each engine answers). Idempotent; state and logs under .stack/.
#
#   scripts/stack/up.sh [ENGINE...] [--separate-shards] [--serial]
#     ENGINE: mariadb (alias mysql) redis clickhouse kafka elasticsearch (alias es) | all (default)
#     Also from env: STACK_ENGINES="mariadb redis", SHARDLINE_SHARD_SERVERS=separate,
#     SHARDLINE_SHARD_COUNT=4, STACK_KAFKA_HEAP=512m, STACK_ES_HEAP=1g, STACK_TIMEOUT=180 (s per wait).
#
# Installs run one after another (apt/mvn); then the engines start in parallel and are waited for.
set -euo pipefail
ENGINE=stack
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

args=()
serial="${STACK_SERIAL:-0}"
for a in "$@"; do
  case "$a" in
    --separate-shards) export SHARDLINE_SHARD_SERVERS=separate ;;
    --serial) serial=1 ;;
    -h | --help) sed -n '2,12p' "$0"; exit 0 ;;
    -*) die "unknown option $a" ;;
    *) args+=("$a") ;;
  esac
done
select_engines "${args[@]}"
elapsed() { awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }'; }
t0=$EPOCHREALTIME
log "up: ${ENGINES[*]} (state in $STACK_DIR)"

for e in "${ENGINES[@]}"; do
  "$STACK_SCRIPTS/$e.sh" install
done

failed=()
if [[ "$serial" == 1 || ${#ENGINES[@]} -eq 1 ]]; then
  for e in "${ENGINES[@]}"; do
    "$STACK_SCRIPTS/$e.sh" start || failed+=("$e")
  done
else
  declare -A pids=()
  for e in "${ENGINES[@]}"; do
    "$STACK_SCRIPTS/$e.sh" start &
    pids[$e]=$!
  done
  for e in "${ENGINES[@]}"; do
    wait "${pids[$e]}" || failed+=("$e")
  done
fi

echo
"$STACK_SCRIPTS/status.sh" "${ENGINES[@]}" || true
if [[ ${#failed[@]} -gt 0 ]]; then
  die "failed to bring up: ${failed[*]} (after $(elapsed)s; logs in $STACK_LOGS)"
fi
log "all up in $(elapsed)s: ${ENGINES[*]}"

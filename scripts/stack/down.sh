#!/usr/bin/env bash
# Stops what the stack started: Elasticsearch, Kafka, ClickHouse and separate shard servers.
# The machine's default MariaDB (3306) and Redis (6379) keep running unless --all is given.
# Data under .stack/ is kept (delete .stack/ for a clean slate).
#
#   scripts/stack/down.sh [--all] [ENGINE...]
set -euo pipefail
ENGINE=stack
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

all=()
args=()
for a in "$@"; do
  case "$a" in
    --all) all=(--all) ;;
    -h | --help) sed -n '2,6p' "$0"; exit 0 ;;
    -*) die "unknown option $a" ;;
    *) args+=("$a") ;;
  esac
done
select_engines "${args[@]}"
rc=0
# reverse order: consumers of the databases first
for ((i = ${#ENGINES[@]} - 1; i >= 0; i--)); do
  e="${ENGINES[$i]}"
  "$STACK_SCRIPTS/$e.sh" down "${all[@]}" || rc=1
done
exit $rc

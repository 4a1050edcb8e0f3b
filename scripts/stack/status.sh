#!/usr/bin/env bash
# One line per engine: name, up/down, endpoint, pid, resident memory, notes.
# Exits non-zero if any selected engine is down.
#
#   scripts/stack/status.sh [ENGINE...]     (default: $STACK_ENGINES or all)
set -euo pipefail
ENGINE=stack
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

select_engines "$@"
rc=0
down=()
lines=""
for e in "${ENGINES[@]}"; do
  if out="$("$STACK_SCRIPTS/$e.sh" status)"; then :; else rc=1; down+=("$e"); fi
  printf '%s\n' "$out"
  lines+="$out"$'\n'
done
# Total resident memory of the listed processes (each pid once).
total="$(
  printf '%s' "$lines" | sed -n 's/.* pid=\([0-9][0-9]*\) .*/\1/p' | sort -u |
    while read -r p; do awk '/^VmRSS:/ {print $2}' "/proc/$p/status" 2>/dev/null || true; done |
    awk '{s += $1} END {printf "%.1f", s / 1024}'
)"
printf '%-18s %s\n' total "rss=${total}MiB"
if [[ $rc -ne 0 ]]; then
  echo "[stack] down: ${down[*]}" >&2
fi
exit $rc

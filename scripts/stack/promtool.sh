#!/usr/bin/env bash
# promtool (Debian's `prometheus` package) for `npm test`'s check of ops/prometheus: installs it
# only when it is missing. Not an engine: nothing is started.
#
#   scripts/stack/promtool.sh
set -euo pipefail
ENGINE=promtool
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
mkdir -p "$STACK_LOGS"

if command -v promtool >/dev/null 2>&1; then
  log "already installed ($(promtool --version 2>&1 | head -n 1))"
  exit 0
fi
apt_install prometheus
command -v promtool >/dev/null 2>&1 || die "the prometheus package is installed but promtool is not on PATH"
log "installed ($(promtool --version 2>&1 | head -n 1))"

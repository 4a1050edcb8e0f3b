#!/usr/bin/env bash
# pt-online-schema-change (Debian's `percona-toolkit` package) for `ops-cli shards partition-records
# --execute` and its test: installs it only when it is missing. Not an engine: nothing is started.
#
#   scripts/stack/percona-toolkit.sh
set -euo pipefail
ENGINE=percona-toolkit
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
mkdir -p "$STACK_LOGS"

if command -v pt-online-schema-change >/dev/null 2>&1; then
  log "already installed ($(pt-online-schema-change --version 2>&1 | head -n 1))"
  exit 0
fi
apt_install percona-toolkit
command -v pt-online-schema-change >/dev/null 2>&1 || die "the percona-toolkit package is installed but pt-online-schema-change is not on PATH"
log "installed ($(pt-online-schema-change --version 2>&1 | head -n 1))"

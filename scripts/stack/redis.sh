#!/usr/bin/env bash
# Redis (Debian's redis-server) on 127.0.0.1:6379 for caching and BullMQ.
#
#   scripts/stack/redis.sh up|install|start|status|down [--all]
#
# Started with the same flags as the machine's own instance (no persistence), only if nothing
# answers on the port. `down` leaves it running unless --all is given.
# Env: SHARDLINE_REDIS_PORT (6379), STACK_REDIS_LOG (/var/log/redis/ci.log).
set -euo pipefail
ENGINE=redis
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

REDIS_PORT="${SHARDLINE_REDIS_PORT:-6379}"
# A private stack (STACK_DIR + SHARDLINE_REDIS_PORT, e.g. the soak's) keeps its own log.
REDIS_LOG="${STACK_REDIS_LOG:-/var/log/redis/ci.log}"

ping() { [[ "$(redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null)" == PONG ]]; }

install() {
  if ! command -v redis-server >/dev/null || ! command -v redis-cli >/dev/null; then
    apt_install redis-server redis-tools
  fi
}

start() {
  if ping; then
    log "already running (127.0.0.1:$REDIS_PORT)"
    return 0
  fi
  as_root mkdir -p /var/lib/redis /var/log/redis
  log "starting redis-server on 127.0.0.1:$REDIS_PORT"
  as_root redis-server --daemonize yes --bind 127.0.0.1 -::1 --port "$REDIS_PORT" --save "" \
    --appendonly no --dir /var/lib/redis --logfile "$REDIS_LOG" ||
    die "redis-server failed to start; see $REDIS_LOG"
  wait_until "answers PING" "$STACK_TIMEOUT" ping ||
    die "no PONG from 127.0.0.1:$REDIS_PORT within ${STACK_TIMEOUT}s; see $REDIS_LOG"
}

status() {
  if ping; then
    local pid
    pid="$(redis-cli -h 127.0.0.1 -p "$REDIS_PORT" info server 2>/dev/null | sed -n 's/^process_id:\([0-9]*\).*/\1/p')"
    status_line redis up "127.0.0.1:$REDIS_PORT" "$pid" \
      "v$(redis-cli -h 127.0.0.1 -p "$REDIS_PORT" info server | sed -n 's/^redis_version:\([^\r]*\).*/\1/p')"
  else
    status_line redis down "127.0.0.1:$REDIS_PORT" ""
    return 1
  fi
}

down() {
  if [[ "${1:-}" != --all ]]; then
    log "leaving the machine's redis on :$REDIS_PORT running (use --all to stop it)"
    return 0
  fi
  if ping; then
    log "shutting down (--all)"
    redis-cli -h 127.0.0.1 -p "$REDIS_PORT" shutdown nosave >/dev/null 2>&1 || true
    wait_until "stopped" "$STACK_TIMEOUT" bash -c "! redis-cli -h 127.0.0.1 -p $REDIS_PORT ping" ||
      die "still answering after ${STACK_TIMEOUT}s"
  else
    log "not running"
  fi
}

cmd="${1:-up}"
shift || true
case "$cmd" in
  install) install ;;
  start) start ;;
  up) install && start ;;
  status) status ;;
  down | stop) down "$@" ;;
  *) die "usage: $0 up|install|start|status|down [--all]" ;;
esac

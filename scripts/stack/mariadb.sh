#!/usr/bin/env bash
# MariaDB (Debian's mariadb-server) for the shard databases and the control database.
#
#   scripts/stack/mariadb.sh up|install|start|status|down [--all]
#   scripts/stack/mariadb.sh start-shard N | stop-shard N | kill-shard N
#
# Default (SHARDLINE_SHARD_SERVERS=single): the machine's server on 127.0.0.1:3306 holds
# data_db_0..data_db_{N-1} and shardline_control (root, no password, over TCP).
# SHARDLINE_SHARD_SERVERS=separate: additionally one mariadbd per shard on
# 127.0.0.1:$((SHARDLINE_SHARD_BASE_PORT + i)) (3307..3310), each holding its data_db_i, with its
# datadir under .stack/mariadb/shard-i, so a test can stop one shard's server.
#
# Sizing (bench/scale measured why: with the 128 MiB default pool, id lookups slowed 2x between
# 250 thousand and 3.5 million records): the InnoDB buffer pool and redo log are sized for the
# machine, never lowered. The default server gets SHARDLINE_MARIADB_BUFFER_POOL (default 25 % of
# RAM: it shares the machine with Elasticsearch, ClickHouse, Kafka and the apps) and
# SHARDLINE_MARIADB_REDO_LOG (default 1G), set at runtime (both are dynamic in MariaDB 10.11), so
# an already running server is sized too; each separate shard server gets
# SHARDLINE_MARIADB_SHARD_BUFFER_POOL (default 12.5 % of RAM / shard count) and a redo log of a
# quarter of that (≥ 128M) in its my.cnf. Sizes take K/M/G suffixes. README "Production sizing"
# gives the figures for dedicated shard servers.
set -euo pipefail
ENGINE=mariadb
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

SHARD_COUNT="${SHARDLINE_SHARD_COUNT:-4}"
SHARD_BASE_PORT="${SHARDLINE_SHARD_BASE_PORT:-3307}"
MYSQL_PORT="${SHARDLINE_MYSQL_PORT:-3306}"
CONTROL_DB="${SHARDLINE_CONTROL_DB:-shardline_control}"
MIN_CONNECTIONS=1000
MDB_DIR="$STACK_DIR/mariadb"
MODE_FILE="$MDB_DIR/shard-servers"
CHUNK=$((128 * 1024 * 1024)) # the buffer pool grows in chunks of innodb_buffer_pool_chunk_size (128M)

# bytes SIZE: "4G", "512M", "1073741824" -> bytes.
bytes() { numfmt --from=iec "${1^^}" 2>/dev/null || die "not a size: '$1' (use e.g. 4G, 512M)"; }
mem_total() { awk '/^MemTotal:/ {print $2 * 1024}' /proc/meminfo; }
# share_of_ram NUM DEN: NUM/DEN of the machine's memory, rounded down to whole chunks, at least one chunk.
share_of_ram() {
  local b=$(($(mem_total) * $1 / $2 / CHUNK * CHUNK))
  echo $((b < CHUNK ? CHUNK : b))
}
BUFFER_POOL="$(bytes "${SHARDLINE_MARIADB_BUFFER_POOL:-$(share_of_ram 1 4)}")"
REDO_LOG="$(bytes "${SHARDLINE_MARIADB_REDO_LOG:-1G}")"
SHARD_BUFFER_POOL="$(bytes "${SHARDLINE_MARIADB_SHARD_BUFFER_POOL:-$(share_of_ram 1 $((8 * SHARD_COUNT)))}")"
SHARD_REDO_LOG=$((SHARD_BUFFER_POOL / 4 < CHUNK ? CHUNK : SHARD_BUFFER_POOL / 4))

[[ "$SHARD_COUNT" =~ ^[1-9][0-9]*$ ]] || die "SHARDLINE_SHARD_COUNT must be a positive integer, got '$SHARD_COUNT'"

shard_mode() {
  if [[ -n "${SHARDLINE_SHARD_SERVERS:-}" ]]; then
    echo "$SHARDLINE_SHARD_SERVERS"
  elif [[ -s "$MODE_FILE" ]]; then
    cat "$MODE_FILE"
  else
    echo single
  fi
}

mysqld_bin() {
  local b
  for b in /usr/sbin/mariadbd /usr/sbin/mysqld; do [[ -x "$b" ]] && { echo "$b"; return; }; done
  return 1
}

install() {
  if ! mysqld_bin >/dev/null || ! command -v mysql >/dev/null || ! command -v mysqladmin >/dev/null; then
    apt_install mariadb-server mariadb-client
  fi
  mysqld_bin >/dev/null || die "mariadbd not found after installing mariadb-server"
}

# ---- the machine's default server (127.0.0.1:3306) -------------------------------------------

default_ping() { mysqladmin --connect-timeout=2 -uroot ping >/dev/null 2>&1 || tcp_ping "$MYSQL_PORT"; }
tcp_ping() { mysqladmin --connect-timeout=2 --protocol=tcp -h127.0.0.1 -P"$1" -uroot ping >/dev/null 2>&1; }
tcp_sql() { mysql --connect-timeout=5 --protocol=tcp -h127.0.0.1 -P"$1" -uroot -N -B -e "$2"; }

# At least MIN_CONNECTIONS, at runtime (SET GLOBAL): also for a server that was already running.
raise_max_connections() {
  local port="$1" max
  max="$(tcp_sql "$port" 'SELECT @@GLOBAL.max_connections')"
  if ((max < MIN_CONNECTIONS)); then
    tcp_sql "$port" "SET GLOBAL max_connections = $MIN_CONNECTIONS" >/dev/null
    log "max_connections $max -> $MIN_CONNECTIONS"
  fi
}

# size_innodb PORT POOL REDO: raise the buffer pool and the redo log at runtime (never lower them:
# the machine's own config, or an operator, may have chosen more).
size_innodb() {
  local port="$1" pool="$2" redo="$3" cur
  cur="$(tcp_sql "$port" 'SELECT @@GLOBAL.innodb_buffer_pool_size')"
  if ((cur < pool)); then
    tcp_sql "$port" "SET GLOBAL innodb_buffer_pool_size = $pool" >/dev/null
    log "innodb_buffer_pool_size $(numfmt --to=iec "$cur") -> $(numfmt --to=iec "$pool") (resized online)"
  fi
  cur="$(tcp_sql "$port" 'SELECT @@GLOBAL.innodb_log_file_size')"
  if ((cur < redo)); then
    if tcp_sql "$port" "SET GLOBAL innodb_log_file_size = $redo" >/dev/null 2>&1; then
      log "innodb_log_file_size $(numfmt --to=iec "$cur") -> $(numfmt --to=iec "$redo")"
    else
      warn "innodb_log_file_size is $(numfmt --to=iec "$cur") and cannot change at runtime on this server (MariaDB < 10.11?): set it to $(numfmt --to=iec "$redo") in its config"
    fi
  fi
}

start_default() {
  if default_ping; then
    log "server already running (127.0.0.1:$MYSQL_PORT)"
  else
    local datadir
    datadir="$(my_print_defaults mysqld mariadbd server 2>/dev/null | sed -n 's/^--datadir=//p' | tail -n1)"
    datadir="${datadir:-/var/lib/mysql}"
    as_root install -d -o mysql -g mysql -m 0755 /run/mysqld
    as_root install -d -o mysql -g adm -m 2750 /var/log/mysql 2>/dev/null || as_root mkdir -p /var/log/mysql
    if [[ ! -d "$datadir/mysql" ]]; then
      log "initialising $datadir (mariadb-install-db)"
      as_root mysql_install_db --user=mysql --datadir="$datadir" --skip-test-db \
        >"$STACK_LOGS/mariadb-install-db.log" 2>&1 ||
        die "mysql_install_db failed (see $STACK_LOGS/mariadb-install-db.log)"
    fi
    log "starting $(mysqld_bin) (machine default config, port $MYSQL_PORT)"
    as_root start-stop-daemon --start --oknodo --background --pidfile /run/mysqld/mysqld.pid \
      --exec "$(mysqld_bin)" -- --user=mysql
    wait_until "server answers mysqladmin ping" "$STACK_TIMEOUT" default_ping ||
      die "server did not answer 'mysqladmin ping' within ${STACK_TIMEOUT}s; see /var/log/mysql/error.log (or the log-error set in /etc/mysql)"
  fi
  # root without password over TCP 127.0.0.1 (Debian's default root@localhost is unix_socket only).
  if ! tcp_sql "$MYSQL_PORT" 'SELECT 1' >/dev/null 2>&1; then
    log "enabling passwordless root over TCP from 127.0.0.1 (local dev/test stack)"
    mysql -uroot -e "CREATE USER IF NOT EXISTS 'root'@'127.0.0.1' IDENTIFIED BY '';
      GRANT ALL PRIVILEGES ON *.* TO 'root'@'127.0.0.1' WITH GRANT OPTION;
      CREATE USER IF NOT EXISTS 'root'@'::1' IDENTIFIED BY '';
      GRANT ALL PRIVILEGES ON *.* TO 'root'@'::1' WITH GRANT OPTION;
      ALTER USER 'root'@'localhost' IDENTIFIED VIA unix_socket OR mysql_native_password USING PASSWORD('');
      FLUSH PRIVILEGES;" || die "could not set up root access (mysql -uroot over the socket failed)"
    tcp_sql "$MYSQL_PORT" 'SELECT 1' >/dev/null || die "root still cannot log in over TCP 127.0.0.1:$MYSQL_PORT"
  fi
  local sql="CREATE DATABASE IF NOT EXISTS \`$CONTROL_DB\` CHARACTER SET utf8mb4;" i
  for ((i = 0; i < SHARD_COUNT; i++)); do
    sql+="CREATE DATABASE IF NOT EXISTS \`data_db_$i\` CHARACTER SET utf8mb4;"
  done
  tcp_sql "$MYSQL_PORT" "$sql" || die "could not create the databases on 127.0.0.1:$MYSQL_PORT"
  # Every app instance keeps its write connections open (ShardDatabases.warmUp: poolMax writers +
  # 2 readers per shard, ~40 with the defaults), and the test suite runs several instances at once;
  # the server default of 151 is too few. Raised at runtime only (the machine's config is left as is).
  raise_max_connections "$MYSQL_PORT"
  size_innodb "$MYSQL_PORT" "$BUFFER_POOL" "$REDO_LOG"
  log "databases ready on 127.0.0.1:$MYSQL_PORT: $CONTROL_DB data_db_0..data_db_$((SHARD_COUNT - 1))"
}

# ---- separate shard servers (127.0.0.1:3307..) ------------------------------------------------

shard_dir() { echo "$MDB_DIR/shard-$1"; }
shard_port() { echo $((SHARD_BASE_PORT + $1)); }
shard_ping() { mysqladmin --connect-timeout=2 --socket="$(shard_dir "$1")/mysqld.sock" -uroot ping >/dev/null 2>&1; }
check_shard_index() {
  [[ "${1:-}" =~ ^[0-9]+$ ]] || die "shard index required (0..$((SHARD_COUNT - 1)))"
}

write_shard_cnf() {
  local i="$1" dir user=mysql
  dir="$(shard_dir "$i")"
  mkdir -p "$dir/data" "$dir/tmp"
  # mariadbd drops to the mysql user; fall back to root if it cannot reach the repo's path.
  if user_can_reach mysql "$dir"; then
    chown -R mysql:mysql "$dir"
    touch "$STACK_LOGS/mariadb-shard-$i.err" && chown mysql:mysql "$STACK_LOGS/mariadb-shard-$i.err"
  else
    user=root
  fi
  cat >"$dir/my.cnf" <<EOF
# Generated by scripts/stack/mariadb.sh: shard $i's own server (SHARDLINE_SHARD_SERVERS=separate).
[mysqld]
user = $user
datadir = $dir/data
tmpdir = $dir/tmp
socket = $dir/mysqld.sock
pid-file = $dir/mysqld.pid
port = $(shard_port "$i")
bind-address = 127.0.0.1
skip-name-resolve
character-set-server = utf8mb4
collation-server = utf8mb4_general_ci
log-error = $STACK_LOGS/mariadb-shard-$i.err
innodb_buffer_pool_size = $SHARD_BUFFER_POOL
innodb_log_file_size = $SHARD_REDO_LOG
performance_schema = OFF
max_connections = 1000
EOF
}

start_shard() {
  local i="$1" dir port
  dir="$(shard_dir "$i")"
  port="$(shard_port "$i")"
  ENGINE="mariadb-shard-$i"
  if shard_ping "$i"; then
    log "already running (127.0.0.1:$port)"
  else
    if port_open "$port"; then
      die "port $port is taken by another process (pid $(port_pid "$port")); cannot start shard $i's server"
    fi
    write_shard_cnf "$i"
    if [[ ! -d "$dir/data/mysql" ]]; then
      log "initialising $dir/data"
      mysql_install_db --defaults-file="$dir/my.cnf" --auth-root-authentication-method=normal \
        --skip-test-db >"$STACK_LOGS/mariadb-shard-$i-install.log" 2>&1 ||
        die "mysql_install_db failed (see $STACK_LOGS/mariadb-shard-$i-install.log)"
    fi
    log "starting mariadbd on 127.0.0.1:$port"
    start-stop-daemon --start --background --pidfile "$dir/mysqld.pid" \
      --exec "$(mysqld_bin)" -- --defaults-file="$dir/my.cnf"
    wait_until "answers mysqladmin ping" "$STACK_TIMEOUT" shard_ping "$i" ||
      die "did not answer within ${STACK_TIMEOUT}s; see $STACK_LOGS/mariadb-shard-$i.err"
  fi
  if ! tcp_sql "$port" 'SELECT 1' >/dev/null 2>&1; then
    mysql --socket="$dir/mysqld.sock" -uroot -e "CREATE USER IF NOT EXISTS 'root'@'127.0.0.1' IDENTIFIED BY '';
      GRANT ALL PRIVILEGES ON *.* TO 'root'@'127.0.0.1' WITH GRANT OPTION; FLUSH PRIVILEGES;" ||
      die "could not grant root@127.0.0.1"
  fi
  tcp_sql "$port" "CREATE DATABASE IF NOT EXISTS \`data_db_$i\` CHARACTER SET utf8mb4;" ||
    die "could not create data_db_$i on 127.0.0.1:$port"
  raise_max_connections "$port"
  size_innodb "$port" "$SHARD_BUFFER_POOL" "$SHARD_REDO_LOG"
  log "data_db_$i ready on 127.0.0.1:$port"
}

stop_shard() {
  local i="$1" dir pid
  dir="$(shard_dir "$i")"
  ENGINE="mariadb-shard-$i"
  if ! pid_alive "$dir/mysqld.pid"; then
    log "not running"
    return 0
  fi
  pid="$(cat "$dir/mysqld.pid")"
  log "shutting down (pid $pid)"
  mysqladmin --socket="$dir/mysqld.sock" -uroot shutdown >/dev/null 2>&1 || kill -TERM "$pid" 2>/dev/null || true
  wait_until "stopped" "$STACK_TIMEOUT" bash -c "! kill -0 $pid 2>/dev/null" || {
    warn "still running after ${STACK_TIMEOUT}s; SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
  }
}

kill_shard() {
  local i="$1" dir pid
  dir="$(shard_dir "$i")"
  ENGINE="mariadb-shard-$i"
  pid_alive "$dir/mysqld.pid" || { log "not running"; return 0; }
  pid="$(cat "$dir/mysqld.pid")"
  log "SIGKILL pid $pid (simulated crash)"
  kill -KILL "$pid"
  wait_until "gone" 30 bash -c "! kill -0 $pid 2>/dev/null" || die "pid $pid survived SIGKILL"
}

running_shards() {
  local d
  for d in "$MDB_DIR"/shard-*; do
    [[ -d "$d" ]] && pid_alive "$d/mysqld.pid" && echo "${d##*-}"
  done
  return 0
}

# ---- commands --------------------------------------------------------------------------------

start() {
  local mode i
  # `up` without SHARDLINE_SHARD_SERVERS means the default (single); status remembers the last up.
  mode="${SHARDLINE_SHARD_SERVERS:-single}"
  case "$mode" in single | separate) ;; *) die "SHARDLINE_SHARD_SERVERS must be 'single' or 'separate', got '$mode'" ;; esac
  mkdir -p "$MDB_DIR"
  start_default
  if [[ "$mode" == separate ]]; then
    for ((i = 0; i < SHARD_COUNT; i++)); do (start_shard "$i"); done
  fi
  echo "$mode" >"$MODE_FILE"
}

status() {
  local rc=0 mode i pid port shards
  mode="$(shard_mode)"
  if default_ping; then
    pid="$(port_pid "$MYSQL_PORT")"
    status_line mariadb up "127.0.0.1:$MYSQL_PORT" "$pid" "shard-servers=$mode"
  else
    status_line mariadb down "127.0.0.1:$MYSQL_PORT" "" "shard-servers=$mode"
    rc=1
  fi
  shards=" $(running_shards | tr '\n' ' ') "
  for ((i = 0; i < SHARD_COUNT; i++)); do
    port="$(shard_port "$i")"
    if shard_ping "$i"; then
      status_line "mariadb-shard-$i" up "127.0.0.1:$port" "$(cat "$(shard_dir "$i")/mysqld.pid")" "data_db_$i"
    elif [[ "$mode" == separate ]]; then
      status_line "mariadb-shard-$i" down "127.0.0.1:$port" "" "data_db_$i"
      rc=1
    elif [[ "$shards" == *" $i "* ]]; then
      status_line "mariadb-shard-$i" down "127.0.0.1:$port" "$(cat "$(shard_dir "$i")/mysqld.pid")" "not answering"
    fi
  done
  return $rc
}

down() {
  local i
  for i in $(running_shards); do (stop_shard "$i"); done
  rm -f "$MODE_FILE"
  if [[ "${1:-}" == --all ]]; then
    if default_ping; then
      log "shutting down the default server (--all)"
      mysqladmin -uroot shutdown >/dev/null 2>&1 || mysqladmin --protocol=tcp -h127.0.0.1 -P"$MYSQL_PORT" -uroot shutdown
      wait_until "default server stopped" "$STACK_TIMEOUT" bash -c "! mysqladmin --connect-timeout=1 -uroot ping" ||
        die "default server still answers after ${STACK_TIMEOUT}s"
    fi
  else
    log "leaving the machine's default server on :$MYSQL_PORT running (use --all to stop it)"
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
  start-shard) check_shard_index "${1:-}"; install; start_shard "$1" ;;
  stop-shard) check_shard_index "${1:-}"; stop_shard "$1" ;;
  kill-shard) check_shard_index "${1:-}"; kill_shard "$1" ;;
  *) die "usage: $0 up|install|start|status|down [--all]|start-shard N|stop-shard N|kill-shard N" ;;
esac

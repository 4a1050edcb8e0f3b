# Shared helpers for scripts/stack/*.sh (sourced, not executed).
# shellcheck disable=SC2034  # ENGINE, JAVA_HOME_DETECTED, ... are used by the scripts that source this
# Everything the native stack owns lives under $STACK_DIR (default: <repo>/.stack, git-ignored).

STACK_SCRIPTS="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$STACK_SCRIPTS/../.." && pwd)"
STACK_DIR="${STACK_DIR:-$REPO_ROOT/.stack}"
STACK_LOGS="$STACK_DIR/logs"
# Seconds each wait may take before the step fails.
STACK_TIMEOUT="${STACK_TIMEOUT:-180}"
# Seconds one apt-get or mvn run may take (downloads on a cold machine).
STACK_INSTALL_TIMEOUT="${STACK_INSTALL_TIMEOUT:-1200}"
ALL_ENGINES=(mariadb redis clickhouse kafka elasticsearch)

ENGINE="${ENGINE:-stack}"
log() { printf '[%s] %s\n' "$ENGINE" "$*"; }
warn() { printf '[%s] WARNING: %s\n' "$ENGINE" "$*" >&2; }
die() {
  printf '[%s] ERROR: %s\n' "$ENGINE" "$*" >&2
  exit 1
}

# as_root CMD...: run as root (we usually are; use sudo otherwise).
as_root() {
  if [[ $EUID -eq 0 ]]; then "$@"; else sudo -n "$@"; fi
}

# apt_install PKG...: install Debian packages that are missing (apt-get update once if needed).
apt_install() {
  local missing=() p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  [[ ${#missing[@]} -eq 0 ]] && return 0
  log "apt-get install ${missing[*]}"
  local apt=(timeout "$STACK_INSTALL_TIMEOUT" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends
    -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold)
  # Package postinst scripts may try to start services; with no init system that is harmless.
  if ! as_root "${apt[@]}" "${missing[@]}" >"$STACK_LOGS/apt-$ENGINE.log" 2>&1; then
    log "apt-get install failed; running apt-get update and retrying"
    as_root timeout "$STACK_INSTALL_TIMEOUT" env DEBIAN_FRONTEND=noninteractive apt-get update -q >>"$STACK_LOGS/apt-$ENGINE.log" 2>&1 ||
      die "apt-get update failed (see $STACK_LOGS/apt-$ENGINE.log)"
    as_root "${apt[@]}" "${missing[@]}" >>"$STACK_LOGS/apt-$ENGINE.log" 2>&1 ||
      die "apt-get install ${missing[*]} failed (see $STACK_LOGS/apt-$ENGINE.log)"
  fi
}

# ensure_java: a JDK/JRE >= 17 and Maven (for the engines fetched from Maven Central).
ensure_java() {
  command -v java >/dev/null 2>&1 || apt_install openjdk-17-jre-headless
  command -v mvn >/dev/null 2>&1 || apt_install maven
  JAVA_BIN="$(readlink -f "$(command -v java)")"
  JAVA_HOME_DETECTED="${JAVA_BIN%/bin/java}"
  local major
  major="$("$JAVA_BIN" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p')"
  [[ "${major%%.*}" -ge 17 ]] 2>/dev/null || die "Java >= 17 needed, found '$major' at $JAVA_BIN"
}

# mvn_fetch POM DEST: copy the pom's dependencies (from ~/.m2, downloading from Maven Central once).
mvn_fetch() {
  local pom="$1" dest="$2"
  mkdir -p "$dest"
  log "resolving $(basename "$(dirname "$pom")") artifacts with Maven (cached in ~/.m2)"
  timeout "$STACK_INSTALL_TIMEOUT" mvn -B -q -f "$pom" dependency:copy-dependencies -DoutputDirectory="$dest" \
    >"$STACK_LOGS/mvn-$ENGINE.log" 2>&1 || {
    tail -n 30 "$STACK_LOGS/mvn-$ENGINE.log" >&2
    die "mvn dependency:copy-dependencies failed for $pom (see $STACK_LOGS/mvn-$ENGINE.log)"
  }
}

# pom_prop POM NAME: value of <NAME> in the pom's <properties>.
pom_prop() { sed -n "s:.*<$2>\(.*\)</$2>.*:\1:p" "$1" | head -n1; }

# wait_until DESCRIPTION TIMEOUT_S CMD...: poll CMD every second until it succeeds.
wait_until() {
  local what="$1" timeout="$2" start=$SECONDS
  shift 2
  while ! "$@" >/dev/null 2>&1; do
    if ((SECONDS - start >= timeout)); then
      return 1
    fi
    sleep 1
  done
  log "$what after $((SECONDS - start))s"
}

# port_open PORT [HOST]: something accepts TCP connections there.
port_open() {
  timeout 2 bash -c "exec 3<>/dev/tcp/${2:-127.0.0.1}/$1" 2>/dev/null
}

# port_pid PORT: pid of the process listening on 127.0.0.1/any:PORT (empty if none/unknown).
port_pid() {
  ss -Hltnp "sport = :$1" 2>/dev/null | sed -n 's/.*pid=\([0-9]*\).*/\1/p' | head -n1
}

# pid_alive PIDFILE: the pid in the file is a running process.
pid_alive() {
  [[ -s "$1" ]] && kill -0 "$(cat "$1")" 2>/dev/null
}

# rss_mib PID: resident memory of PID in MiB (one decimal), or '-'.
rss_mib() {
  local kb
  kb="$(awk '/^VmRSS:/ {print $2}' "/proc/$1/status" 2>/dev/null || true)"
  [[ -n "$kb" ]] && awk -v kb="$kb" 'BEGIN { printf "%.1f", kb / 1024 }' || echo -
}

# status_line NAME STATE ENDPOINT PID [EXTRA]: the uniform one-line status format.
status_line() {
  local pid="${4:-}" rss=-
  [[ -n "$pid" ]] && rss="$(rss_mib "$pid")"
  [[ "$rss" != - ]] && rss="${rss}MiB"
  printf '%-18s %-5s %-22s pid=%-8s rss=%-10s %s\n' "$1" "$2" "$3" "${pid:--}" "$rss" "${5:-}"
}

# stop_pid NAME PIDFILE [GRACE_S]: SIGTERM, wait, then SIGKILL; removes the pid file.
stop_pid() {
  local name="$1" pidfile="$2" grace="${3:-60}" pid
  if ! pid_alive "$pidfile"; then
    rm -f "$pidfile"
    log "$name is not running"
    return 0
  fi
  pid="$(cat "$pidfile")"
  log "stopping $name (pid $pid)"
  kill -TERM "$pid" 2>/dev/null || true
  local start=$SECONDS
  while kill -0 "$pid" 2>/dev/null; do
    if ((SECONDS - start >= grace)); then
      warn "$name (pid $pid) did not stop within ${grace}s; sending SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
      sleep 1
      break
    fi
    sleep 0.5
  done
  rm -f "$pidfile"
  log "$name stopped"
}

# user_can_reach USER PATH: USER may traverse every directory down to PATH.
user_can_reach() { runuser -u "$1" -- test -x "$2" 2>/dev/null; }

# log_since FILE OFFSET: FILE's content from byte OFFSET on (what this start appended).
log_since() { tail -c +"$(($2 + 1))" "$1" 2>/dev/null; }
file_size() { stat -c %s "$1" 2>/dev/null || echo 0; }

mkdir -p "$STACK_DIR" "$STACK_LOGS"

# select_engines ARG...: sets ENGINES from the arguments, else $STACK_ENGINES, else all.
# Accepts aliases (mysql -> mariadb, es -> elasticsearch, ch -> clickhouse) and commas.
select_engines() {
  local raw=("$@") e
  if [[ ${#raw[@]} -eq 0 && -n "${STACK_ENGINES:-}" ]]; then
    read -r -a raw <<<"${STACK_ENGINES//,/ }"
  fi
  [[ ${#raw[@]} -eq 0 ]] && raw=(all)
  ENGINES=()
  for e in "${raw[@]//,/ }"; do
    case "$e" in
      all) ENGINES+=("${ALL_ENGINES[@]}") ;;
      mariadb | mysql) ENGINES+=(mariadb) ;;
      redis) ENGINES+=(redis) ;;
      kafka) ENGINES+=(kafka) ;;
      elasticsearch | es) ENGINES+=(elasticsearch) ;;
      clickhouse | ch) ENGINES+=(clickhouse) ;;
      *) die "unknown engine '$e' (known: ${ALL_ENGINES[*]}, or all)" ;;
    esac
  done
  # de-duplicate, keeping the canonical order
  local ordered=()
  for e in "${ALL_ENGINES[@]}"; do
    [[ " ${ENGINES[*]} " == *" $e "* ]] && ordered+=("$e")
  done
  ENGINES=("${ordered[@]}")
}

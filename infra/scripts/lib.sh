# Shared helpers for the infra scripts: step messages, timing, port checks, waiting.
# Sourced (never run) by setup.sh, services.sh, start.sh, test.sh and bench.sh.
# shellcheck shell=bash

[[ -n "${AIP_LIB_LOADED:-}" ]] && return 0
AIP_LIB_LOADED=1

AIP_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
export AIP_ROOT

# Messages go to stderr so that a script's stdout stays usable (e.g. `setup.sh` prints exports).
aip_log() { printf '[aip] %s\n' "$*" >&2; }
aip_step() { printf '[aip] ==> %s\n' "$*" >&2; }
aip_skip() { printf '[aip]     skip: %s\n' "$*" >&2; }
aip_warn() { printf '[aip] WARNING: %s\n' "$*" >&2; }
aip_die() {
  printf '[aip] ERROR: %s\n' "$*" >&2
  exit 1
}

# Seconds since the epoch with millisecond precision, for step timings.
aip_now() { date +%s.%3N; }
aip_elapsed() { awk -v a="$1" -v b="$(aip_now)" 'BEGIN { printf "%.1fs", b - a }'; }

aip_have() { command -v "$1" >/dev/null 2>&1; }

# True when something accepts TCP connections on 127.0.0.1:<port>.
aip_port_busy() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# Fails with a clear message naming the variable when a port we are about to bind is taken:
# a leftover server on a fixed port would otherwise answer our readiness checks and hide the error.
aip_require_free_port() {
  local port="$1" name="$2"
  if aip_port_busy "$port"; then
    aip_die "port $port ($name) on 127.0.0.1 is already in use; stop what listens there or set $name to a free port"
  fi
}

# Prints the last lines of a service log, indented, for error messages.
aip_log_tail() {
  local file="$1"
  if [[ -s "$file" ]]; then
    printf '[aip] --- last lines of %s ---\n' "$file" >&2
    tail -n "${AIP_LOG_TAIL_LINES:-25}" "$file" | sed 's/^/[aip]   | /' >&2
  else
    printf '[aip] (log %s is empty)\n' "$file" >&2
  fi
}

# aip_wait_until <timeout-seconds> <pid-or-empty> <log> <description> <command...>
# Runs the probe command every 0.5 s until it succeeds. Fails early (with the log's tail) when the
# watched process dies, and after the timeout.
aip_wait_until() {
  local timeout="$1" pid="$2" log="$3" what="$4"
  shift 4
  local deadline=$((SECONDS + timeout))
  until "$@" >/dev/null 2>&1; do
    if [[ -n "$pid" ]] && ! kill -0 "$pid" 2>/dev/null; then
      aip_log_tail "$log"
      aip_die "$what exited before it became ready (log: $log)"
    fi
    if ((SECONDS >= deadline)); then
      aip_log_tail "$log"
      aip_die "$what was not ready after ${timeout}s (log: $log); raise AIP_SERVICE_TIMEOUT if the machine is just slow"
    fi
    sleep 0.5
  done
}

# Sends SIGTERM, waits up to <grace> seconds, then SIGKILL. Quiet when the process is already gone.
aip_stop_pid() {
  local pid="$1" what="$2" grace="${3:-15}"
  [[ -n "$pid" ]] || return 0
  kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM "$pid" 2>/dev/null || true
  local deadline=$((SECONDS + grace))
  while kill -0 "$pid" 2>/dev/null; do
    if ((SECONDS >= deadline)); then
      aip_log "$what (pid $pid) still running ${grace}s after SIGTERM; sending SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
      break
    fi
    sleep 0.2
  done
  # Reap it when it is our child, so no zombie lingers; harmless otherwise.
  wait "$pid" 2>/dev/null || true
}

#!/usr/bin/env bash
# Dev and test services on loopback: the Temporal dev server, PostgreSQL and SeaweedFS (S3). Each
# start function checks its ports are free, starts the service with its data and log under a given
# folder, waits until it really answers (timeout AIP_SERVICE_TIMEOUT, default 90 s) and fails with
# the log's tail otherwise. aip_services_stop stops whatever this shell started; callers run it
# from an EXIT trap.
#
#   source infra/scripts/services.sh   functions for other scripts (test.sh, bench.sh, start.sh)
#   bash infra/scripts/services.sh up [DIR]   a dev stack in the foreground until Ctrl-C
#                                             (data in DIR, default .aip/services)
#
# Ports (all on 127.0.0.1), dev defaults in brackets (test.sh/bench.sh use other defaults, see below):
#   AIP_TEMPORAL_PORT [7233]  AIP_TEMPORAL_UI_PORT [port+1000]
#   AIP_POSTGRES_PORT [55432] AIP_POSTGRES_USER [aip] (trust auth)
#   AIP_S3_PORT [8333]  AIP_WEED_MASTER_PORT [9333]  AIP_WEED_VOLUME_PORT [8380]  AIP_WEED_FILER_PORT [8888]
#   SeaweedFS's gRPC ports are its HTTP ports + AIP_WEED_GRPC_OFFSET [10000]. The volume server
#   leaves its default 8080, which is AIP's API port.
# Needs the set-up's PATH (temporal and weed come from the shared virtualenv) and, for PostgreSQL,
# AIP_PG_BIN (setup.sh --for-tests exports it).
# shellcheck shell=bash
set -euo pipefail
# shellcheck source=infra/scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

: "${AIP_SERVICE_TIMEOUT:=90}"
# AIP_SERVICE_PORTS=test (set by test.sh and bench.sh) picks defaults off the dev stack's ports, so
# a test run works beside a running dev stack.
if [[ "${AIP_SERVICE_PORTS:-dev}" == test ]]; then
  : "${AIP_TEMPORAL_PORT:=17233}"
  : "${AIP_POSTGRES_PORT:=56432}"
  : "${AIP_S3_PORT:=18334}"
  : "${AIP_WEED_MASTER_PORT:=19334}"
  : "${AIP_WEED_VOLUME_PORT:=18381}"
  : "${AIP_WEED_FILER_PORT:=18889}"
fi
: "${AIP_TEMPORAL_PORT:=7233}"
: "${AIP_POSTGRES_PORT:=55432}"
: "${AIP_POSTGRES_USER:=aip}"
: "${AIP_S3_PORT:=8333}"
: "${AIP_WEED_MASTER_PORT:=9333}"
: "${AIP_WEED_VOLUME_PORT:=8380}"
: "${AIP_WEED_FILER_PORT:=8888}"
: "${AIP_WEED_GRPC_OFFSET:=10000}"

AIP_TEMPORAL_PID=""
AIP_WEED_PID=""
AIP_POSTGRES_DATA=""

# --- Temporal ---------------------------------------------------------------------------------
# AIP's search attributes (workflows/src/temporal/search-attributes.ts), all Keyword: registered at
# the dev server's start (the API and the workers also register any that are missing).
AIP_TEMPORAL_SEARCH_ATTRIBUTES=(AipRunId AipFlowchartId AipOwner AipNodeId AipStageState)

# aip_temporal_launch <dir> [--headless]: starts the dev server (SQLite at AIP_TEMPORAL_DB, default
# <dir>/temporal.db) with AIP's search attributes; aip_temporal_wait waits for its default namespace.
aip_temporal_launch() {
  local dir="$1" headless="${2:-}"
  local ui_port="${AIP_TEMPORAL_UI_PORT:-$((AIP_TEMPORAL_PORT + 1000))}"
  aip_have temporal || aip_die "the temporal CLI is not on PATH (run infra/scripts/setup.sh first)"
  aip_require_free_port "$AIP_TEMPORAL_PORT" AIP_TEMPORAL_PORT
  local args=(server start-dev --db-filename "${AIP_TEMPORAL_DB:-$dir/temporal.db}"
    --port "$AIP_TEMPORAL_PORT" --ip 127.0.0.1 --log-level warn)
  local attribute
  for attribute in "${AIP_TEMPORAL_SEARCH_ATTRIBUTES[@]}"; do args+=(--search-attribute "$attribute=Keyword"); done
  if [[ "$headless" == --headless ]]; then
    args+=(--headless)
  else
    aip_require_free_port "$ui_port" AIP_TEMPORAL_UI_PORT
    args+=(--ui-port "$ui_port" --ui-disable-news-fetch)
  fi
  mkdir -p "$dir"
  aip_step "starting Temporal dev server on 127.0.0.1:$AIP_TEMPORAL_PORT${headless:+ (headless)} (log $dir/temporal.log)"
  temporal "${args[@]}" </dev/null >"$dir/temporal.log" 2>&1 &
  AIP_TEMPORAL_PID=$!
  AIP_TEMPORAL_LOG="$dir/temporal.log"
}

aip_temporal_wait() {
  local t0
  t0="$(aip_now)"
  aip_wait_until "$AIP_SERVICE_TIMEOUT" "$AIP_TEMPORAL_PID" "$AIP_TEMPORAL_LOG" "Temporal dev server" \
    temporal operator namespace describe --namespace default --address "127.0.0.1:$AIP_TEMPORAL_PORT"
  aip_log "Temporal ready at 127.0.0.1:$AIP_TEMPORAL_PORT in $(aip_elapsed "$t0")"
}

aip_temporal_start() {
  aip_temporal_launch "$@"
  aip_temporal_wait
}

aip_temporal_stop() {
  [[ -n "$AIP_TEMPORAL_PID" ]] || return 0
  aip_step "stopping Temporal dev server (pid $AIP_TEMPORAL_PID)"
  aip_stop_pid "$AIP_TEMPORAL_PID" "Temporal dev server"
  AIP_TEMPORAL_PID=""
}

# --- PostgreSQL -------------------------------------------------------------------------------
# The server refuses to run as root, so as root it runs as the `postgres` OS user.
aip_pg() {
  local tool="$1"
  shift
  [[ -n "${AIP_PG_BIN:-}" && -x "$AIP_PG_BIN/$tool" ]] ||
    aip_die "PostgreSQL's $tool not found in AIP_PG_BIN=${AIP_PG_BIN:-<unset>} (run infra/scripts/setup.sh --for-tests)"
  if ((EUID == 0)); then
    # From /: the postgres user may not be allowed into the clone's folder.
    (cd / && runuser -u postgres -- "$AIP_PG_BIN/$tool" "$@")
  else
    "$AIP_PG_BIN/$tool" "$@"
  fi
}

# aip_postgres_start <dir> [database...]: initdb on first use (superuser AIP_POSTGRES_USER, trust
# auth, loopback only), start, wait (pg_ctl -w), create the databases. Socket in <dir>/postgres.
# AIP_POSTGRES_FAST=1 turns off fsync & co (for throwaway test data).
aip_postgres_start() {
  local dir="$1"
  shift
  local base="$dir/postgres" port="$AIP_POSTGRES_PORT" user="$AIP_POSTGRES_USER"
  local data="$base/data" log="$base/postgres.log"
  aip_require_free_port "$port" AIP_POSTGRES_PORT
  mkdir -p "$base"
  if ((EUID == 0)); then
    chown postgres: "$base"
    # The postgres user must be able to reach its folder through every parent.
    local parent="$dir"
    while [[ "$parent" != / ]]; do
      chmod o+x "$parent" 2>/dev/null || true
      parent="$(dirname "$parent")"
    done
  fi
  if [[ ! -f "$data/PG_VERSION" ]]; then
    aip_step "initdb $data (superuser $user, trust auth)"
    aip_pg initdb -D "$data" -U "$user" --auth=trust --encoding=UTF8 --no-locale --no-sync >"$base/initdb.log" 2>&1 ||
      {
        aip_log_tail "$base/initdb.log"
        aip_die "initdb failed for $data"
      }
  fi
  local options="-p $port -k $base -c listen_addresses=127.0.0.1"
  if [[ "${AIP_POSTGRES_FAST:-0}" == 1 ]]; then
    options+=" -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
  fi
  aip_step "starting PostgreSQL on 127.0.0.1:$port (log $log)"
  local t0
  t0="$(aip_now)"
  # Set before starting: a server that was slow to come up must still be stopped on exit.
  AIP_POSTGRES_DATA="$data"
  aip_pg pg_ctl start -D "$data" -l "$log" -o "$options" -w -t "$AIP_SERVICE_TIMEOUT" >/dev/null || {
    aip_log_tail "$log"
    aip_die "PostgreSQL did not start on 127.0.0.1:$port within ${AIP_SERVICE_TIMEOUT}s (data $data)"
  }
  local db
  for db in "$@"; do
    if [[ -z "$(aip_psql postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$db'")" ]]; then
      aip_psql postgres -qc "CREATE DATABASE \"$db\"" || aip_die "could not create database $db"
    fi
  done
  aip_log "PostgreSQL ready at 127.0.0.1:$port in $(aip_elapsed "$t0")${*:+ (databases: $*)}"
}

# aip_psql <database> <psql args...>: psql over TCP as AIP_POSTGRES_USER.
aip_psql() {
  local db="$1"
  shift
  "$AIP_PG_BIN/psql" -X -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$AIP_POSTGRES_PORT" -U "$AIP_POSTGRES_USER" -d "$db" "$@"
}

aip_postgres_stop() {
  [[ -n "$AIP_POSTGRES_DATA" ]] || return 0
  if aip_pg pg_ctl status -D "$AIP_POSTGRES_DATA" >/dev/null 2>&1; then
    aip_step "stopping PostgreSQL ($AIP_POSTGRES_DATA)"
    aip_pg pg_ctl stop -D "$AIP_POSTGRES_DATA" -m fast -w -t 30 >/dev/null ||
      aip_warn "pg_ctl stop failed for $AIP_POSTGRES_DATA"
  fi
  AIP_POSTGRES_DATA=""
}

# --- SeaweedFS (S3) ---------------------------------------------------------------------------
# Master, volume server, filer and S3 gateway in one process; no S3 identities are configured, so
# any access key is accepted (tests and the dev stack only).
aip_s3_launch() {
  local dir="$1/seaweedfs" offset="$AIP_WEED_GRPC_OFFSET" name port
  aip_have weed || aip_die "SeaweedFS's weed is not on PATH (run infra/scripts/setup.sh first)"
  for name in AIP_S3_PORT AIP_WEED_MASTER_PORT AIP_WEED_VOLUME_PORT AIP_WEED_FILER_PORT; do
    port="${!name}"
    aip_require_free_port "$port" "$name"
    aip_require_free_port "$((port + offset))" "$name+AIP_WEED_GRPC_OFFSET"
  done
  mkdir -p "$dir"
  aip_step "starting SeaweedFS S3 on 127.0.0.1:$AIP_S3_PORT (log $dir/weed.log)"
  weed server -dir="$dir" -ip=127.0.0.1 -ip.bind=127.0.0.1 \
    -master.port="$AIP_WEED_MASTER_PORT" -master.port.grpc="$((AIP_WEED_MASTER_PORT + offset))" \
    -master.volumeSizeLimitMB=256 \
    -volume.port="$AIP_WEED_VOLUME_PORT" -volume.port.grpc="$((AIP_WEED_VOLUME_PORT + offset))" \
    -volume.preStopSeconds=0 -volume.max=0 \
    -filer -filer.port="$AIP_WEED_FILER_PORT" -filer.port.grpc="$((AIP_WEED_FILER_PORT + offset))" \
    -s3 -s3.port="$AIP_S3_PORT" -s3.port.grpc="$((AIP_S3_PORT + offset))" \
    -s3.port.iceberg=0 -s3.port.lance=0 \
    </dev/null >"$dir/weed.log" 2>&1 &
  AIP_WEED_PID=$!
  AIP_WEED_LOG="$dir/weed.log"
}

# Ready = a bucket can be created and an object written and read back (the S3 port opens before
# the volume server has registered with the master).
aip_s3_probe() {
  local url="http://127.0.0.1:$AIP_S3_PORT/aip-readiness-probe"
  curl -sf -o /dev/null -X PUT "$url" &&
    curl -sf -o /dev/null -X PUT --data-binary ok "$url/probe.txt" &&
    [[ "$(curl -sf "$url/probe.txt")" == ok ]] &&
    curl -sf -o /dev/null -X DELETE "$url/probe.txt" &&
    curl -sf -o /dev/null -X DELETE "$url"
}

aip_s3_wait() {
  aip_have curl || aip_die "curl is needed to check SeaweedFS's readiness (apt-get install curl)"
  local t0
  t0="$(aip_now)"
  aip_wait_until "$AIP_SERVICE_TIMEOUT" "$AIP_WEED_PID" "$AIP_WEED_LOG" "SeaweedFS" aip_s3_probe
  aip_log "SeaweedFS S3 ready at http://127.0.0.1:$AIP_S3_PORT in $(aip_elapsed "$t0")"
}

aip_s3_start() {
  aip_s3_launch "$@"
  aip_s3_wait
}

aip_s3_stop() {
  [[ -n "$AIP_WEED_PID" ]] || return 0
  aip_step "stopping SeaweedFS (pid $AIP_WEED_PID)"
  # Its filer waits ~15 s for the S3 gateway's subscriptions to end on SIGTERM; every write is
  # already written to its files by then (SIGKILL loses nothing the kernel has), so wait briefly.
  aip_stop_pid "$AIP_WEED_PID" SeaweedFS "${AIP_WEED_STOP_GRACE:-3}"
  AIP_WEED_PID=""
}

# --- all together -----------------------------------------------------------------------------
# aip_services_start <dir> <postgres database> [--headless]: all three, the slow ones launched
# first so that their start-ups overlap; exports the variables tests and the platform read.
aip_services_start() {
  local dir="$1" database="$2" headless="${3:-}"
  aip_temporal_launch "$dir" "$headless"
  aip_s3_launch "$dir"
  aip_postgres_start "$dir" "$database"
  aip_temporal_wait
  aip_s3_wait
  export TEMPORAL_ADDRESS="127.0.0.1:$AIP_TEMPORAL_PORT"
  export AIP_TEST_POSTGRES_URL="postgres://$AIP_POSTGRES_USER@127.0.0.1:$AIP_POSTGRES_PORT/$database"
  export AIP_TEST_S3_ENDPOINT="http://127.0.0.1:$AIP_S3_PORT"
}

aip_services_stop() {
  # Signal both servers first so that their shutdowns overlap with each other and PostgreSQL's.
  local pid
  for pid in "$AIP_WEED_PID" "$AIP_TEMPORAL_PID"; do
    if [[ -n "$pid" ]]; then kill -TERM "$pid" 2>/dev/null || true; fi
  done
  aip_s3_stop
  aip_temporal_stop
  aip_postgres_stop
}

aip_services_main() {
  [[ "${1:-}" == up ]] || aip_die "usage: bash infra/scripts/services.sh up [DIR]"
  local dir="${2:-$AIP_ROOT/.aip/services}"
  # shellcheck source=infra/scripts/setup.sh
  source "$(dirname "${BASH_SOURCE[0]}")/setup.sh" --for-tests
  trap "trap '' INT TERM; aip_services_stop" EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
  aip_services_start "$dir" aip
  aip_log "services up; Ctrl-C stops them:"
  printf 'export TEMPORAL_ADDRESS=%s\nexport AIP_TEST_POSTGRES_URL=%s\nexport AIP_TEST_S3_ENDPOINT=%s\n' \
    "$TEMPORAL_ADDRESS" "$AIP_TEST_POSTGRES_URL" "$AIP_TEST_S3_ENDPOINT"
  # Returns when a service dies (or on Ctrl-C, through the traps).
  wait -n "$AIP_TEMPORAL_PID" "$AIP_WEED_PID" || true
  aip_die "a service exited unexpectedly; see the logs in $dir"
}

if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
  aip_services_main "$@"
fi

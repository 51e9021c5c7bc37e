#!/usr/bin/env bash
# `npm start`: the embedded all-in-one platform. Set-up, then the Temporal dev server with its Web UI
# (SQLite in $AIP_HOME/temporal.db) unless TEMPORAL_ADDRESS names another server or one already
# listens on the address, then infra/src/main.ts (API + web app + workers; it prints the URLs and
# the access token). Ctrl-C (or SIGTERM) stops the platform, then the Temporal server it started.
# Arguments are passed to main.ts.
#
# Environment: AIP_HOME [.aip under the repository], TEMPORAL_ADDRESS [127.0.0.1:$AIP_TEMPORAL_PORT],
# AIP_TEMPORAL_PORT [7233], AIP_TEMPORAL_UI_PORT [port+1000]; everything else is read by main.ts.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

# `source` hands the caller's arguments to the sourced file when given none: keep them for main.ts.
platform_args=("$@")
set --
# shellcheck source=infra/scripts/setup.sh
source infra/scripts/setup.sh
# shellcheck source=infra/scripts/services.sh
source infra/scripts/services.sh

[[ -f infra/src/main.ts ]] || aip_die "infra/src/main.ts (the all-in-one process) is missing"

export AIP_HOME="${AIP_HOME:-$AIP_ROOT/.aip}"
mkdir -p "$AIP_HOME/logs"

platform_pid=""
# shellcheck disable=SC2317 # runs from the EXIT trap
shutdown() {
  local status=$?
  # A second Ctrl-C (or the signal that reaches the whole process group) must not cut the clean-up short.
  trap '' INT TERM
  if [[ -n "$platform_pid" ]]; then aip_stop_pid "$platform_pid" "AIP platform" 30; fi
  aip_temporal_stop
  exit "$status"
}
trap shutdown EXIT
# Forwarded by shutdown(): `wait` below returns as soon as a trapped signal arrives.
trap 'exit 130' INT
trap 'exit 143' TERM

temporal_address="${TEMPORAL_ADDRESS:-127.0.0.1:$AIP_TEMPORAL_PORT}"
temporal_host="${temporal_address%:*}"
temporal_port="${temporal_address##*:}"
if [[ "$temporal_host" != 127.0.0.1 && "$temporal_host" != localhost ]]; then
  aip_log "using the Temporal server at $temporal_address"
elif aip_port_busy "$temporal_port"; then
  aip_log "a Temporal server already listens on $temporal_address; using it"
else
  AIP_TEMPORAL_PORT="$temporal_port"
  AIP_TEMPORAL_DB="$AIP_HOME/temporal.db"
  aip_temporal_start "$AIP_HOME/logs"
  temporal_address="127.0.0.1:$temporal_port"
  aip_log "Temporal Web UI: http://127.0.0.1:${AIP_TEMPORAL_UI_PORT:-$((temporal_port + 1000))}"
fi
export TEMPORAL_ADDRESS="$temporal_address"

aip_step "starting the AIP platform (tsx infra/src/main.ts)"
# `node --import tsx` rather than `npx tsx`: one process, so the SIGTERM sent on shutdown reaches
# the platform itself (npx would die and leave it orphaned).
node --import tsx infra/src/main.ts "${platform_args[@]}" &
platform_pid=$!
status=0
wait "$platform_pid" || status=$?
platform_pid=""
exit "$status"

#!/usr/bin/env bash
# `npm run bench`: set-up, the same throwaway services as the tests (same test ports and variables:
# TEMPORAL_ADDRESS, AIP_TEST_POSTGRES_URL, AIP_TEST_S3_ENDPOINT), then infra/bench/run.ts with
# the arguments given. The services stop on exit.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

# shellcheck source=infra/scripts/setup.sh
source infra/scripts/setup.sh --for-tests
AIP_SERVICE_PORTS="test"
# shellcheck source=infra/scripts/services.sh
source infra/scripts/services.sh

[[ -f infra/bench/run.ts ]] || aip_die "infra/bench/run.ts (the benchmark) is missing"

bench_dir=""
# shellcheck disable=SC2317 # runs from the EXIT trap
cleanup() {
  local status=$?
  # A second Ctrl-C (or the signal that reaches the whole process group) must not cut the clean-up short.
  trap '' INT TERM
  aip_services_stop
  if [[ -n "$bench_dir" ]]; then rm -rf "$bench_dir"; fi
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

bench_dir="$(mktemp -d "${TMPDIR:-/tmp}/aip-bench.XXXXXX")"
aip_services_start "$bench_dir" aip_bench --headless
aip_step "npx tsx infra/bench/run.ts $*"
npx tsx infra/bench/run.ts "$@"

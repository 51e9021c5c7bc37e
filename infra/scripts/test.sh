#!/usr/bin/env bash
# The whole test run (`npm test`, CI's `.ci/run`): set-up, then Temporal (headless), PostgreSQL and
# SeaweedFS on fixed test ports with throwaway data, then the suites in order:
#   tsc      npx tsc -p tsconfig.json --noEmit
#   audit    bash infra/scripts/audit.sh                (npm audit and pip-audit: known advisories in the
#                                                       pinned dependencies; skipped with a warning when the
#                                                       advisory services are unreachable, see its header)
#   infra-lint  bash infra/scripts/lint-infra.sh        (cfn-lint on infra/aws/*.yaml, hadolint on every
#                                                       Dockerfile, dclint on docker-compose.yml)
#   ruff     ruff check trainer
#   pytest   python -m pytest trainer/tests -q
#   vitest   npx vitest run --project unit [ARGS...]   (every component's TS tests)
#   e2e      npx vitest run --project e2e               (the end-to-end test under infra/test/, alone)
# Every suite runs even when an earlier one failed; a summary line per suite ends the output and
# the exit status is non-zero when any failed. The services stop on exit, whatever happens.
#
# Interface:
#   npm test                          everything
#   npm test -- ARGS...               only vitest, with ARGS (e.g. `npm test -- serving`,
#                                     `npm test -- infra/test -t "end to end"`)
#   AIP_TEST_SUITES=ruff,pytest npm test   choose suites explicitly (comma-separated)
#   npm test -- --services-only       start the services, check each answers, print the exports, stop
#   AIP_KEEP_TEST_DIR=1               keep the services' data and logs after the run
# Test ports (change them when they collide): AIP_TEMPORAL_PORT [17233], AIP_POSTGRES_PORT [56432],
# AIP_S3_PORT [18334], AIP_WEED_MASTER_PORT [19334], AIP_WEED_VOLUME_PORT [18381],
# AIP_WEED_FILER_PORT [18889] (SeaweedFS gRPC: each + 10000).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

export AIP_POSTGRES_FAST=1

services_only=0
vitest_args=()
for arg in "$@"; do
  case "$arg" in
    --services-only) services_only=1 ;;
    *) vitest_args+=("$arg") ;;
  esac
done
if ((${#vitest_args[@]} > 0)); then
  suites="${AIP_TEST_SUITES:-vitest}"
else
  suites="${AIP_TEST_SUITES:-tsc,audit,infra-lint,ruff,pytest,vitest,e2e}"
fi
if ((services_only)); then suites=""; fi

# shellcheck source=infra/scripts/setup.sh
source infra/scripts/setup.sh --for-tests
# Test ports, off the dev stack's defaults so tests can run beside a running dev stack.
AIP_SERVICE_PORTS="test"
# shellcheck source=infra/scripts/services.sh
source infra/scripts/services.sh

wants() { [[ ",$suites," == *",$1,"* ]]; }

test_dir=""
# shellcheck disable=SC2317 # runs from the EXIT trap
cleanup() {
  local status=$?
  # A second Ctrl-C (or the signal that reaches the whole process group) must not cut the clean-up short.
  trap '' INT TERM
  aip_services_stop
  if [[ -n "$test_dir" ]]; then
    if [[ "${AIP_KEEP_TEST_DIR:-0}" == 1 || $status -ne 0 && "${CI:-}" == true ]]; then
      aip_log "service data and logs kept in $test_dir"
    else
      rm -rf "$test_dir"
    fi
  fi
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

if ((services_only)) || wants pytest || wants vitest || wants e2e; then
  test_dir="$(mktemp -d "${TMPDIR:-/tmp}/aip-test.XXXXXX")"
  aip_services_start "$test_dir" aip_test --headless
  aip_log "TEMPORAL_ADDRESS=$TEMPORAL_ADDRESS AIP_TEST_POSTGRES_URL=$AIP_TEST_POSTGRES_URL AIP_TEST_S3_ENDPOINT=$AIP_TEST_S3_ENDPOINT"
fi

if ((services_only)); then
  aip_step "checking each service answers"
  temporal operator cluster health --address "$TEMPORAL_ADDRESS" >&2
  aip_psql aip_test -tAc 'SELECT version()' >&2
  aip_s3_probe && aip_log "S3: bucket create / put / get / delete OK"
  printf 'export %s=%q\n' TEMPORAL_ADDRESS "$TEMPORAL_ADDRESS" AIP_TEST_POSTGRES_URL "$AIP_TEST_POSTGRES_URL" \
    AIP_TEST_S3_ENDPOINT "$AIP_TEST_S3_ENDPOINT" AIP_PYTHON "$AIP_PYTHON" PYTHONPATH "$PYTHONPATH"
  exit 0
fi

summary=()
failed=0
run_suite() {
  local name="$1" t0 status=0
  shift
  aip_step "suite $name: $*"
  t0="$(aip_now)"
  "$@" || status=$?
  if ((status == 0)); then
    summary+=("PASS  $name ($(aip_elapsed "$t0"))")
  else
    summary+=("FAIL  $name (exit $status, $(aip_elapsed "$t0"))")
    failed=1
  fi
}

wants tsc && run_suite tsc npx tsc -p tsconfig.json --noEmit
wants audit && run_suite audit bash infra/scripts/audit.sh
wants infra-lint && run_suite infra-lint bash infra/scripts/lint-infra.sh
wants ruff && run_suite ruff "$AIP_VENV/bin/ruff" check trainer
wants pytest && run_suite pytest "$AIP_PYTHON" -m pytest trainer/tests -q
if ((${#vitest_args[@]} > 0)); then
  wants vitest && run_suite vitest npx vitest run "${vitest_args[@]}"
else
  wants vitest && run_suite vitest npx vitest run --project unit
  wants e2e && run_suite e2e npx vitest run --project e2e
fi

aip_log "summary:"
for line in "${summary[@]}"; do aip_log "  $line"; done
((${#summary[@]} > 0)) || aip_die "no suite selected (AIP_TEST_SUITES=$suites; known: tsc,audit,infra-lint,ruff,pytest,vitest,e2e)"
# The closing line in the plain form CI systems read: suites passed and failed.
failures="$(printf '%s\n' "${summary[@]}" | grep -c '^FAIL' || true)"
echo "suites: $((${#summary[@]} - failures)) passed, $failures failed"
exit "$failed"

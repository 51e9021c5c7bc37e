#!/usr/bin/env bash
# Dependency audit (`npm run audit`, and the `audit` suite of infra/scripts/test.sh):
#   npm      npm audit --audit-level=high over package-lock.json (the root lock file holds every
#            workspace's packages); high and critical advisories count
#   python   pip-audit over the trainer's pins (trainer/requirements.txt, --no-deps: nothing is
#            installed, the pins are what set-up installs); PyPI's advisories carry no severity, so
#            every one counts
# A counted advisory fails the audit unless security/audit-exceptions.json lists its id (GHSA-…,
# PYSEC-…, CVE-…; any alias) with the reason it is accepted. An advisory service that cannot be
# reached is said plainly ("npm advisory service unreachable: <reason>; audit skipped") and does not
# fail the audit, unless AIP_AUDIT_REQUIRED=1. (This workplace's registry mirror answers npm's bulk
# advisory request with 405 and PyPI's per-version JSON with 404, so both are skipped here.)
#
# Interface:
#   npm run audit                      both
#   npm run audit -- npm               one of them (npm, python)
#   AIP_AUDIT_REQUIRED=1               an unreachable advisory service fails the audit
#   AIP_AUDIT_EXCEPTIONS=FILE          another exceptions file
# Exit status: 0 when nothing counted is left (or a service was unreachable), 1 otherwise.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

parts=("$@")
((${#parts[@]} > 0)) || parts=(npm python)
exceptions="${AIP_AUDIT_EXCEPTIONS:-security/audit-exceptions.json}"

# test.sh has run the set-up already (AIP_VENV is exported); alone, set up what is missing.
if [[ -z "${AIP_VENV:-}" ]]; then
  # `source` hands this script's arguments to the sourced file when given none.
  set --
  # shellcheck source=infra/scripts/setup.sh
  source infra/scripts/setup.sh
else
  # shellcheck source=infra/scripts/lib.sh
  source infra/scripts/lib.sh
fi

[[ -f "$exceptions" ]] || aip_die "$exceptions is missing (advisory id → reason; {} when none is accepted)"

work="$(mktemp -d "${TMPDIR:-/tmp}/aip-audit.XXXXXX")"
# shellcheck disable=SC2317 # runs from the EXIT trap
cleanup() { rm -rf "$work"; }
trap cleanup EXIT

failed=0

# run_tool <prefix> <command...>: stdout, stderr and exit status to <prefix>.json/.err/.status.
run_tool() {
  local prefix="$1" status=0
  shift
  "$@" >"$prefix.json" 2>"$prefix.err" || status=$?
  echo "$status" >"$prefix.status"
}

# judge <npm|python> <label> <prefix>: reads the tool's output (infra/src/audit.ts) and says what it means.
judge() {
  local tool="$1" label="$2" prefix="$3" status=0 reason
  reason="$(npx tsx infra/src/audit.ts "$tool" "$exceptions" "$prefix")" || status=$?
  case "$status" in
    0) aip_log "$label audit: clean" ;;
    75)
      if [[ "${AIP_AUDIT_REQUIRED:-0}" == 1 ]]; then
        aip_warn "$label advisory service unreachable: $reason; AIP_AUDIT_REQUIRED=1, so the audit fails"
        failed=1
      else
        aip_warn "$label advisory service unreachable: $reason; audit skipped"
      fi
      ;;
    *)
      aip_log "$label audit: FAILED"
      failed=1
      ;;
  esac
}

audit_npm() {
  aip_step "npm audit --audit-level=high (package-lock.json, every workspace)"
  run_tool "$work/npm" npm audit --audit-level=high --json
  judge npm npm "$work/npm"
}

audit_python() {
  local requirements=trainer/requirements.txt pip_audit="$AIP_VENV/bin/pip-audit"
  [[ -x "$pip_audit" ]] || aip_die "$pip_audit is missing: $requirements pins pip-audit; run the set-up again (bash infra/scripts/setup.sh)"
  aip_step "pip-audit -r $requirements (the pins alone)"
  # --disable-pip with --no-deps audits the pins as written instead of installing them to resolve.
  run_tool "$work/python" "$pip_audit" --requirement "$requirements" --no-deps --disable-pip \
    --format json --progress-spinner off
  judge python PyPI "$work/python"
}

for part in "${parts[@]}"; do
  case "$part" in
    npm) audit_npm ;;
    python) audit_python ;;
    *) aip_die "audit.sh: unknown part $part (expected npm or python)" ;;
  esac
done
exit "$failed"

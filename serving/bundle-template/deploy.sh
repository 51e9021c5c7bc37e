#!/usr/bin/env bash
# Start this bundle's inference service (POST /aip) on port 10086, or $PORT.
#   With Docker when `docker info` works: builds the image and runs it detached (restarts with Docker).
#     When AIP_SERVING_IMAGE names the general AIP serving image (aip-serving), runs that image with
#     this folder mounted read-only at /bundle instead: no build.
#   Otherwise with Node.js >= 20.9 in the foreground: installs the runtime dependencies once, then runs.
# AIP_DEPLOY=docker|node forces one way; AIP_CONTAINER names the image and container (default aip-bundle).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")"
PORT="${PORT:-10086}"
CONTAINER="${AIP_CONTAINER:-aip-bundle}"
mode="${AIP_DEPLOY:-auto}"

if [ "$mode" = auto ]; then
  if command -v docker >/dev/null 2>&1 && docker info >/dev/null 2>&1; then mode=docker; else mode=node; fi
fi

case "$mode" in
  docker)
    if [ -n "${AIP_SERVING_IMAGE:-}" ]; then
      # The image holds the runtime and its dependencies; the models and pipeline.json stay here.
      echo "deploy.sh: running $AIP_SERVING_IMAGE with $PWD mounted read-only at /bundle"
      docker rm -f "$CONTAINER" >/dev/null 2>&1 || true
      docker run -d --init --restart unless-stopped --name "$CONTAINER" -p "$PORT:10086" \
        --mount "type=bind,source=$PWD,target=/bundle,readonly" "$AIP_SERVING_IMAGE" >/dev/null
    else
      echo "deploy.sh: building Docker image $CONTAINER"
      docker build -t "$CONTAINER" .
      docker rm -f "$CONTAINER" >/dev/null 2>&1 || true
      docker run -d --init --restart unless-stopped --name "$CONTAINER" -p "$PORT:10086" "$CONTAINER" >/dev/null
    fi
    echo "deploy.sh: serving on http://localhost:$PORT/aip (container $CONTAINER;" \
      "logs: docker logs -f $CONTAINER; stop: docker rm -f $CONTAINER)"
    ;;
  node)
    if ! command -v node >/dev/null 2>&1; then
      echo "deploy.sh: neither a working Docker nor Node.js was found; install one of them (Node.js >= 20.9)" >&2
      exit 1
    fi
    if ! node -e 'const [a, b] = process.versions.node.split(".").map(Number); process.exit(a > 20 || (a === 20 && b >= 9) ? 0 : 1)'; then
      echo "deploy.sh: Node.js >= 20.9 is required, found $(node --version)" >&2
      exit 1
    fi
    if [ ! -d node_modules ]; then
      echo "deploy.sh: installing runtime dependencies into $PWD/node_modules"
      # The CPU runtime ships with onnxruntime-node; skip its optional CUDA download.
      ONNXRUNTIME_NODE_INSTALL=skip npm install --omit=dev --no-audit --no-fund
    fi
    echo "deploy.sh: serving on http://localhost:$PORT/aip (Ctrl-C stops)"
    export PORT AIP_BUNDLE_DIR="$PWD"
    exec node server.mjs
    ;;
  *)
    echo "deploy.sh: AIP_DEPLOY must be docker or node, got \"$mode\"" >&2
    exit 1
    ;;
esac

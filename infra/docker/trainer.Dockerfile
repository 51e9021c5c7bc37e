# syntax=docker/dockerfile:1
# The trainer on a CUDA PyTorch base, in two targets. Build from the repository root:
#   docker build -f infra/docker/trainer.Dockerfile --target trainer    -t aip-trainer .
#   docker build -f infra/docker/trainer.Dockerfile --target gpu-worker -t aip-worker .
#
# trainer     Python only: what an AWS Batch job runs. No ENTRYPOINT, so a job's command is the
#             whole argument list. The Batch executor submits each job with the command
#               ["python", "-m", "aip_trainer", "batch", "s3://<bucket>/<prefix>runs/<run>/stages/<node>/batch/job.json"]
#             (containerOverrides.command); the job definition of infra/aws/aip-batch.yaml
#             defaults to the same command with the URL as the parameter `job`, for jobs
#             submitted by hand. Exit status 2 is a user error, which Batch does not retry.
# gpu-worker  trainer plus Node.js and the platform: the Temporal worker that runs training on
#             its host's GPUs (docker-compose.yml's `gpu-worker`), and the orchestration worker
#             too, whose evaluation step runs the trainer (on CPU).
#
# Why a pytorch/pytorch base: its torch is built for the CUDA and cuDNN inside the image, the
# largest and most fragile part of a GPU image. PYTORCH_IMAGE must carry exactly the torch that
# trainer/requirements.txt pins: the build checks that, then installs the other pins with the
# base's torch as a constraint, so pip keeps it (one torch, the base's) instead of installing
# PyPI's on top. A mismatch stops the build with a message naming both versions; pick the
# pytorch/pytorch tag of the pinned version (torch X.Y.Z → X.Y.Z-cudaA.B-cudnnN-runtime). The
# default's CUDA 13.2 is the build PyPI's torch 2.15.0 wheel uses (what tests run on); GPU hosts
# need an NVIDIA driver new enough for it, which comes in through the NVIDIA container runtime.
# (Written without a Docker engine at hand: checked by hadolint and by reading, not by building.)
ARG PYTORCH_IMAGE=pytorch/pytorch:2.15.0-cuda13.2-cudnn9-runtime
ARG NODE_IMAGE=node:20.20.2-bookworm-slim

FROM ${NODE_IMAGE} AS node

# --- trainer ------------------------------------------------------------------------------------
FROM ${PYTORCH_IMAGE} AS trainer
SHELL ["/bin/bash", "-o", "pipefail", "-c"]
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1
WORKDIR /app/trainer

COPY trainer/requirements.txt trainer/pyproject.toml ./
# 1. The base's Python and torch must be the ones the trainer is pinned to (pyproject.toml's
#    requires-python, requirements.txt's torch). torch's installed version may carry a local label
#    (2.15.0+cu132: the CUDA it was built for); the pin names the release, so the label is ignored.
# 2. base-constraints.txt holds the installed torch exactly, label included: pip may not replace
#    it (`torch==2.15.0` accepts 2.15.0+cu132, PEP 440), and fails rather than pick another torch.
# 3. Only the runtime dependencies are installed: pyproject.toml's [project].dependencies, the
#    same exact pins as requirements.txt, which also lists the test tools.
# 4. torch is checked again afterwards. (No `pip check`: it also judges the base's own packages.)
RUN python -c 'import sys; v = "%d.%d" % sys.version_info[:2]; sys.exit(None if v == "3.11" else f"the base image has Python {v}; the trainer needs 3.11 (trainer/pyproject.toml requires-python)")' \
  && pin="$(sed -n 's/^torch==//p' requirements.txt)" \
  && python -c 'import sys; from importlib.metadata import version; have = version("torch"); sys.exit(None if have.split("+")[0] == sys.argv[1] else f"PYTORCH_IMAGE has torch {have}; trainer/requirements.txt pins torch=={sys.argv[1]}: use the pytorch/pytorch tag of that version")' "$pin" \
  && python -c 'from importlib.metadata import version; print("torch==" + version("torch"))' > /tmp/base-constraints.txt \
  && python -c 'import tomllib; print("\n".join(tomllib.load(open("pyproject.toml", "rb"))["project"]["dependencies"]))' > /tmp/runtime-requirements.txt \
  && pip install --no-cache-dir --constraint /tmp/base-constraints.txt --requirement /tmp/runtime-requirements.txt \
  && python -c 'import sys; from importlib.metadata import version; want = open("/tmp/base-constraints.txt").read().strip(); sys.exit(None if "torch==" + version("torch") == want else f"pip replaced the base image torch ({want})")' \
  && python -c 'import torch, torchvision; print("torch", torch.__version__, "torchvision", torchvision.__version__, "CUDA", torch.version.cuda)' \
  && rm /tmp/base-constraints.txt /tmp/runtime-requirements.txt

# The trainer runs from source (python -m aip_trainer with PYTHONPATH), as in the embedded set-up.
COPY trainer/ ./
# uid 1000 (group 1000): the base may already have such a user (Ubuntu 24.04 images do); numeric
# USER so that runtimes enforcing non-root can verify it. HOME is writable for caches.
RUN (getent passwd 1000 >/dev/null || useradd --uid 1000 --user-group --no-create-home --home-dir /home/aip aip) \
  && mkdir -p /home/aip /var/lib/aip && chown 1000:1000 /home/aip /var/lib/aip
# The NVIDIA runtime mounts the CUDA driver (compute) and nvidia-smi/NVML (utility: the GPU worker
# lists its GPUs with nvidia-smi). Which GPUs a container sees is the runtime's choice (Compose's
# device reservation, a Batch job's GPU requirement); this file does not set NVIDIA_VISIBLE_DEVICES.
ENV PYTHONPATH=/app/trainer HOME=/home/aip NVIDIA_DRIVER_CAPABILITIES=compute,utility
USER 1000:1000
WORKDIR /home/aip
CMD ["python", "-m", "aip_trainer", "--help"]

# --- gpu-worker ---------------------------------------------------------------------------------
FROM trainer AS gpu-worker
# Root (uid 0) for the installs below; the final USER is uid 1000 again.
USER 0:0
# Node.js from the official image: a glibc build that needs glibc 2.28 or newer, which the
# Ubuntu-based PyTorch images have.
COPY --from=node /usr/local/bin/node /usr/local/bin/node
COPY --from=node /usr/local/lib/node_modules /usr/local/lib/node_modules
RUN ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm \
  && ln -s ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx \
  && node --version && npm --version

# onnxruntime-node's install script would download GPU binaries; its CPU build is in the package.
ENV ONNXRUNTIME_NODE_INSTALL=skip
WORKDIR /app
# Manifests first, so the dependency layer is rebuilt only when they change. Dev dependencies stay:
# tsx runs the sources and esbuild builds the serving runtime.
COPY package.json package-lock.json .npmrc ./
COPY datasets-spec/package.json datasets-spec/
COPY workflows/package.json workflows/
COPY activities/package.json activities/
COPY api/package.json api/
COPY web/package.json web/
COPY serving/package.json serving/
COPY platform/package.json platform/
COPY infra/package.json infra/
RUN npm ci --no-audit --no-fund && npm cache clean --force

COPY . .
RUN npm run build -w serving

# AIP_PYTHON: the base's interpreter, which holds torch. AIP_HEALTH_PORT: /healthz, /readyz and
# /metrics of the worker (unpublished; the health check and a Prometheus scraper use it).
ENV AIP_PYTHON=python AIP_HOME=/var/lib/aip AIP_WORKER_ROLES=gpu AIP_HEALTH_PORT=8081
USER 1000:1000
EXPOSE 8081
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + process.env.AIP_HEALTH_PORT + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# node --import tsx (not npx): PID 1 (or the init's child) is the worker itself, so SIGTERM reaches it.
CMD ["node", "--import", "tsx", "infra/src/worker.ts"]

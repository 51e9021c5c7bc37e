# syntax=docker/dockerfile:1
# The worker image (docker-compose.yml's `worker` and `gpu-worker`): Python 3.11 with the trainer's
# exact pins (trainer/requirements.txt) plus Node 20 for the Temporal worker that runs it. Build
# from the repository root:
#   docker build -f infra/docker/trainer.Dockerfile -t aip-worker .
# (Written without a Docker engine at hand: checked by reading, not by building.)
#
# Why not a pytorch/pytorch CUDA base: its torch would differ from the pinned one, and pip would
# install the pinned torch on top (two copies). PyPI's Linux torch wheels bring their own CUDA
# runtime (nvidia-* wheels); the host's NVIDIA driver comes in through the NVIDIA container
# runtime (`deploy.resources.reservations.devices` in docker-compose.yml). The same image runs
# training on CPU where no GPU is reserved (the orchestration worker evaluates models with it).
FROM node:20-bookworm-slim AS node

FROM python:3.11-slim-bookworm
# Node.js from the official image: both are Debian bookworm, so the binary's libc matches.
COPY --from=node /usr/local/bin/node /usr/local/bin/node
COPY --from=node /usr/local/lib/node_modules /usr/local/lib/node_modules
RUN ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm \
  && ln -s ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx \
  && node --version && npm --version

ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 PYTHONUNBUFFERED=1
COPY trainer/requirements.txt /tmp/requirements.txt
RUN pip install -r /tmp/requirements.txt

ENV ONNXRUNTIME_NODE_INSTALL=skip
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
COPY datasets-spec/package.json datasets-spec/
COPY workflows/package.json workflows/
COPY activities/package.json activities/
COPY api/package.json api/
COPY web/package.json web/
COPY serving/package.json serving/
COPY platform/package.json platform/
COPY infra/package.json infra/
RUN npm ci --no-audit --no-fund

COPY . .
RUN npm run build -w serving --if-present

# The trainer runs from source (python -m aip_trainer), as in the embedded set-up.
ENV AIP_PYTHON=/usr/local/bin/python PYTHONPATH=/app/trainer AIP_HOME=/var/lib/aip \
  NVIDIA_VISIBLE_DEVICES=all NVIDIA_DRIVER_CAPABILITIES=compute,utility
RUN useradd --create-home --uid 1000 aip && mkdir -p /var/lib/aip && chown aip:aip /var/lib/aip
USER aip
CMD ["node", "--import", "tsx", "infra/src/worker.ts"]

# syntax=docker/dockerfile:1
# aip-serving: the general serving runtime for deployment bundles. It holds the runtime every
# bundle carries (server.mjs, built from serving/) and its dependencies at the bundle template's
# pins (fastify, sharp, onnxruntime-node's CPU build); a bundle's pipeline.json and models/ come
# from /bundle. Build from the repository root:
#   docker build -f infra/docker/serving.Dockerfile -t aip-serving .
# Use it with a bundle folder mounted read-only (what a bundle's deploy.sh does when
# AIP_SERVING_IMAGE names this image; no image build per bundle):
#   docker run -d -p 10086:10086 --mount type=bind,source="$PWD",target=/bundle,readonly aip-serving
# or copied in: `FROM aip-serving` + `COPY . /bundle`. POST /aip and GET /healthz on port 10086.
# The bundle's own server.mjs is not used: serve a bundle with the image of the AIP release that
# made it (pipeline.json carries a format version, which the runtime checks).
# (Written without a Docker engine at hand: checked by hadolint and by reading, not by building.)
ARG NODE_IMAGE=node:20.20.2-bookworm-slim

# --- build: server.mjs from serving/src -----------------------------------------------------------
FROM ${NODE_IMAGE} AS build
# No install scripts: nothing here runs the native packages, and onnxruntime-node's would download.
ENV ONNXRUNTIME_NODE_INSTALL=skip
WORKDIR /src
# npm ci checks the lock file against every workspace's manifest, so all of them come in; only the
# serving workspace's packages and the root's tools (esbuild) are installed.
COPY package.json package-lock.json .npmrc ./
COPY datasets-spec/package.json datasets-spec/
COPY workflows/package.json workflows/
COPY activities/package.json activities/
COPY api/package.json api/
COPY web/package.json web/
COPY serving/package.json serving/
COPY platform/package.json platform/
COPY infra/package.json infra/
RUN npm ci --workspace serving --include-workspace-root --ignore-scripts --no-audit --no-fund
COPY serving/ serving/
RUN npm run build -w serving

# --- runtime ----------------------------------------------------------------------------------------
FROM ${NODE_IMAGE}
ENV NODE_ENV=production ONNXRUNTIME_NODE_INSTALL=skip
WORKDIR /app
# The bundle template's manifest and lock file: the same runtime dependencies, at the same exact
# versions, that a bundle installs when it is deployed without this image.
COPY serving/bundle-template/package.json serving/bundle-template/package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /src/serving/dist/server.mjs ./server.mjs

ENV AIP_BUNDLE_DIR=/bundle PORT=10086
EXPOSE 10086
# uid 1000 is the base image's `node` user; numeric so that runtimes enforcing non-root can
# verify it.
USER 1000:1000
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 10086) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "/app/server.mjs"]

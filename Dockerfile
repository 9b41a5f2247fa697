# syntax=docker/dockerfile:1
# One image for every role: `kelemetry operator`, `kelemetry run --config FILE`, `kelemetry synth`.
# Three stages: TypeScript is compiled to JavaScript (`npm run build`), production dependencies are
# installed on their own, and the final image carries only those two: no tsx, no compiler, no dev
# dependencies, no transpiling at start-up.
# Base: Node 24, a supported LTS (the code also runs on Node 20 and 22). Pin a digest for releases:
#   docker build --build-arg NODE_IMAGE=node:24-slim@sha256:… .
# The local build without a container engine (npm run env -- images; envtest/images/kelemetry.ts) makes
# the same layout: /usr/local/bin/node, /app/{dist,node_modules,crds,package.json}, uid 1000, this entrypoint.
ARG NODE_IMAGE=node:24-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY scripts/build.js ./scripts/
COPY cli ./cli
COPY runtime ./runtime
COPY plugin ./plugin
COPY app ./app
COPY api ./api
COPY operator ./operator
COPY manifests ./manifests
RUN node scripts/build.js

FROM ${NODE_IMAGE} AS deps
WORKDIR /src
COPY package.json package-lock.json ./
# Type declarations, TypeScript sources and source maps are never loaded from node_modules at run time
# (about 70 MiB); the same find runs in the local build (envtest/images/kelemetry.ts pruneArgs).
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund \
 && find node_modules -type f \( -name '*.ts' -o -name '*.mts' -o -name '*.cts' -o -name '*.map' \) -delete

FROM ${NODE_IMAGE}
LABEL org.opencontainers.image.title="kelemetry" \
      org.opencontainers.image.description="Control-plane tracing for Kubernetes" \
      org.opencontainers.image.licenses="Apache-2.0"
ENV NODE_ENV=production
WORKDIR /app
# Files stay owned by root and read-only to the process: nothing is written to the image at run time,
# so a read-only root filesystem works (the rendered pods set readOnlyRootFilesystem: true).
COPY package.json package-lock.json ./
COPY --from=deps /src/node_modules ./node_modules
COPY --from=build /src/dist ./dist
COPY crds ./crds
# uid 1000 (`node` in the node images), as the rendered pod security contexts expect.
USER 1000:1000
ENTRYPOINT ["node", "/app/dist/cli/main.js"]

# One image for every role: `kelemetry operator`, `kelemetry run --config FILE`, `kelemetry synth`.
# Two stages: TypeScript is compiled to JavaScript (`npm run build`), and the image carries only the
# compiled code and production dependencies: no tsx, no compiler, no transpiling at start-up.
# Base: Node 24, a supported LTS (the code also runs on Node 20 and 22; CI here runs Node 20).
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

FROM ${NODE_IMAGE}
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force
COPY --from=build /src/dist ./dist
COPY crds ./crds
# uid 1000 (`node`), as the rendered pod security contexts expect; nothing is written to the image at
# run time, so a read-only root filesystem works.
USER 1000:1000
ENTRYPOINT ["node", "/app/dist/cli/main.js"]

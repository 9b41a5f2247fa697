# One image for every role: `kelemetry operator`, `kelemetry run --config FILE`, `kelemetry synth`.
# TypeScript runs through tsx (a runtime dependency), so there is no build stage.
FROM node:20-slim
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev && npm cache clean --force
COPY bin ./bin
COPY cli ./cli
COPY runtime ./runtime
COPY plugin ./plugin
COPY operator ./operator
COPY manifests ./manifests
COPY crds ./crds
RUN ln -s /app/bin/kelemetry.js /usr/local/bin/kelemetry
# uid 1000 (`node`), as the rendered pod security contexts expect.
USER node
ENTRYPOINT ["kelemetry"]

# syntax=docker/dockerfile:1
# taskres serve as a container: multi-stage, production dependencies only, non-root.
#
#   docker build -t taskres:0.1.0 .
#   docker run --rm -p 8080:8080 taskres:0.1.0                       # the seed tasks
#   docker run --rm -p 8080:8080 -v "$PWD/tasks.json:/tasks/tasks.json:ro" taskres:0.1.0 --tasks /tasks/tasks.json
#
# See docs/deploy.md. The base image is pinned by its full version tag (the Node 24 that CI tests);
# pin it by digest too for byte-for-byte rebuilds: --build-arg NODE_IMAGE=node:24.21.0-bookworm-slim@sha256:...
# Both stages use the same image: isolated-vm is a native addon, built for (or picked for) the
# exact Node that runs it.
ARG NODE_IMAGE=node:24.21.0-bookworm-slim

FROM ${NODE_IMAGE} AS build
# isolated-vm's install script compiles from source where its package has no binary for this Node
# (node-gyp: python3, make, g++). It ships one for Node 24, so this is the fallback; npm also
# tries isolated-vm 5 (for Node 20), whose compile fails quickly on Node 24 and is dropped.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
# Dependencies first, so that a change of source reuses this layer.
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsup.config.ts ./
COPY src ./src
COPY bench ./bench
COPY bin ./bin
COPY examples ./examples
# Build with the dev dependencies, then drop them (npm ci --omit=dev, without installing twice
# or compiling isolated-vm again). The benchmark is not part of the image, as it is not part of
# the package. `doctor` starts a real sandbox: the build fails here if the image cannot run
# resource functions.
RUN npm run build \
 && npm prune --omit=dev --no-audit --no-fund \
 && rm -f dist/bench.js dist/bench.js.map dist/soak.js dist/soak.js.map \
 && node bin/taskres.js doctor

FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production
WORKDIR /app
# Owned by root and not writable by the user the server runs as: the process cannot change its
# own code. The server writes nothing but temp files (/tmp).
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/bin ./bin
COPY --from=build /app/examples ./examples
# The image's `node` user, by number, so that Kubernetes' runAsNonRoot can verify it.
USER 1000:1000
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:8080/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["node", "bin/taskres.js", "serve", "--host", "0.0.0.0", "--port", "8080"]
CMD ["--tasks", "examples/seed-tasks.json"]

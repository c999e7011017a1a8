# flux-bot: `docker build -t flux-bot .` then `docker run --env-file .env -p 3000:3000 -v flux-data:/data flux-bot`.
# `npm run verify:image` performs these steps on a machine without a container engine (see README).

# Node 22 LTS. (On 24, 24.22 or later: 24.19.0–24.21.x can abort a process using better-sqlite3 12 as it exits,
# SIGABRT in Statement::~Statement, a Node bug fixed in 24.22.0.)

# 1. Compile TypeScript to dist/ with the dev dependencies (tsc).
FROM node:22-bookworm-slim AS build
WORKDIR /app
# better-sqlite3 and sharp download prebuilt binaries; the compiler is the fallback when none matches.
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build

# 2. Production dependencies only, installed from the lock file (native modules built here, not in the final image).
FROM node:22-bookworm-slim AS deps
WORKDIR /app
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund

# 3. The runtime: no compiler, no dev dependencies, not root, an init process that forwards SIGTERM.
FROM node:22-bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends tini && rm -rf /var/lib/apt/lists/* \
  && mkdir -p /data && chown node:node /data
WORKDIR /app
ENV NODE_ENV=production DATA_DIR=/data PORT=3000 HOST=0.0.0.0
COPY --from=deps /app/node_modules ./node_modules
COPY package.json ./
COPY --from=build /app/dist ./dist
USER node
VOLUME ["/data"]
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/livez').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# node itself, not npm (npm does not forward SIGTERM, so a deploy would kill in-flight deliveries).
ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["node", "dist/main.js"]

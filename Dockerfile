# syntax=docker/dockerfile:1
# One image for the production topology (see docker-compose.yml): `serve` runs an API instance,
# `worker` a task worker, `all` both in one process. Production needs DATABASE_URL (PostgreSQL),
# REDIS_URL and JWT_SECRET; files go to DATA_DIR (a volume shared by every container) or to S3
# (S3_BUCKET…) when the containers run on several hosts.
FROM node:20-bookworm-slim AS build
WORKDIR /app

# argon2's prebuilt binary crashes some machines as it loads (a segmentation fault on this
# project's CI machine): its install script tests it and builds argon2 from source when it does
# not load, as `npm ci` does outside Docker. The compilers for that stay in this stage.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*

# Dependencies first, so that a change to the code does not reinstall them. The other install
# scripts are not needed: sharp ships prebuilt binaries, esbuild (tsx) its platform package.
# node-gyp builds against the base image's own Node headers where it has them, instead of
# downloading them from nodejs.org (a build host may reach only the npm registry).
COPY package.json package-lock.json ./
RUN if [ -f /usr/local/include/node/node.h ]; then export npm_config_nodedir=/usr/local; fi \
 && npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm rebuild argon2 && npm cache clean --force

# The Prisma client is generated from the schema. Prisma's CLI downloads its schema engine from
# binaries.prisma.sh for this; the server itself runs no engine (Prisma 7's query compiler).
COPY prisma ./prisma
COPY prisma.config.ts tsconfig.json ./
COPY scripts ./scripts
RUN node scripts/prisma.mjs generate

COPY src ./src
COPY schema.graphql ./
# One compiled module: nothing is compiled at start, and the process holds less memory.
RUN node scripts/build.mjs

FROM node:20-bookworm-slim
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=4000 \
    DATA_DIR=/data
WORKDIR /app
COPY --from=build /app /app

RUN mkdir -p /data && chown node:node /data
USER node
VOLUME ["/data"]
EXPOSE 4000
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||4000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
ENTRYPOINT ["node", "--enable-source-maps", "dist/main.mjs"]
CMD ["serve"]

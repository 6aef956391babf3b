# syntax=docker/dockerfile:1
# One image for the production topology (see docker-compose.yml): `serve` runs an API instance,
# `worker` a task worker, `all` both in one process. Production needs DATABASE_URL (PostgreSQL),
# REDIS_URL and JWT_SECRET; files go to DATA_DIR (a volume shared by every container) or to S3
# (S3_BUCKET…) when the containers run on several hosts.
FROM node:20-bookworm-slim

ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=4000 \
    DATA_DIR=/data
WORKDIR /app

# Dependencies first, so that a change to the code does not reinstall them. Their install scripts
# are not needed: argon2 and sharp ship prebuilt binaries, esbuild (tsx) its platform package.
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force

# The Prisma client is generated from the schema (no engine download: Prisma 7's query compiler).
COPY prisma ./prisma
COPY prisma.config.ts tsconfig.json ./
COPY scripts ./scripts
RUN node scripts/prisma.mjs generate

COPY src ./src
COPY schema.graphql ./
# One compiled module: nothing is compiled at start, and the process holds less memory.
RUN node scripts/build.mjs

RUN mkdir -p /data && chown node:node /data
USER node
VOLUME ["/data"]
EXPOSE 4000
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||4000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
ENTRYPOINT ["node", "--enable-source-maps", "dist/main.mjs"]
CMD ["serve"]

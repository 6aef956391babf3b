// Assembles the application: database, pub/sub, storage, auth, and the HTTP server.
import { join } from 'node:path';
import type { Config } from './config.js';
import type { Deps } from './context.js';
import type { Database } from './db.js';
import { createLogger, type Logger } from './logger.js';
import { ensureAdmin } from './modules/auth/auth.service.js';
import { createPasswordHasher } from './modules/auth/passwords.js';
import { createTokenSigner } from './modules/auth/tokens.js';
import { purgeExpired } from './modules/idempotency/idempotency.service.js';
import { createLimits } from './modules/limits/limits.service.js';
import { createBus, type RealtimeBus } from './realtime/pubsub.js';
import { Redis } from 'ioredis';
import { createHttpServer, type HttpServer } from './server.js';
import { createLocalStorage } from './storage/index.js';

export interface App {
  deps: Deps;
  db: Database;
  http: HttpServer;
  close(): Promise<void>;
}

export interface AppOptions {
  /** The database to serve (see openConfiguredDatabase). */
  db: Database;
  log?: Logger;
  /** Close that database when the app closes (tests keep and drop their own). */
  ownsDb?: boolean;
}

export async function createApp(config: Config, opts: AppOptions): Promise<App> {
  const log = opts.log ?? createLogger(config.LOG_LEVEL);
  const { db, ownsDb = false } = opts;
  let bus: RealtimeBus | undefined;
  let redis: Redis | undefined;
  try {
    bus = createBus(config.REDIS_URL, config.REDIS_PREFIX);
    // Rate limits fail fast (to their in-memory insurance) rather than queue while Redis is away.
    redis = config.REDIS_URL ? new Redis(config.REDIS_URL, { enableOfflineQueue: false, maxRetriesPerRequest: 1 }) : undefined;
    redis?.on('error', (err) => log.warn({ err: err.message }, 'redis (rate limits) error'));
    const deps: Deps = {
      config,
      prisma: db.prisma,
      hasher: createPasswordHasher(config.ARGON2_MEMORY_KIB),
      tokens: createTokenSigner(config.jwtSecret, config.ACCESS_TOKEN_TTL),
      pubsub: bus.pubsub,
      storage: createLocalStorage(join(config.dataDir, 'files')),
      limits: createLimits({
        redis,
        prisma: db.prisma,
        prefix: config.REDIS_PREFIX,
        tiers: config.tierLimits,
        apiPerMinute: config.RATE_LIMIT_API_PER_MINUTE,
      }),
      log,
    };
    await ensureAdmin(deps);
    const http = createHttpServer(deps, { ping: db.ping });
    const purge = setInterval(() => {
      purgeExpired(deps).catch((err) => log.warn({ err }, 'purging idempotency keys failed'));
    }, 3600_000).unref();
    const b = bus;
    const r = redis;
    return {
      deps,
      db,
      http,
      close: async () => {
        clearInterval(purge);
        deps.limits.close();
        await http.close();
        await b.close();
        r?.disconnect();
        if (ownsDb) await db.close();
      },
    };
  } catch (err) {
    await bus?.close();
    redis?.disconnect();
    if (ownsDb) await db.close();
    throw err;
  }
}

// Assembles the application: database, pub/sub, storage, auth, and the HTTP server.
import { join } from 'node:path';
import type { Config } from './config.js';
import type { Deps } from './context.js';
import { openDatabase, type Database } from './db.js';
import { createLogger, type Logger } from './logger.js';
import { ensureAdmin } from './modules/auth/auth.service.js';
import { createPasswordHasher } from './modules/auth/passwords.js';
import { createTokenSigner } from './modules/auth/tokens.js';
import { createBus, type RealtimeBus } from './realtime/pubsub.js';
import { createHttpServer, type HttpServer } from './server.js';
import { createLocalStorage } from './storage/index.js';

export interface App {
  deps: Deps;
  db: Database;
  http: HttpServer;
  close(): Promise<void>;
}

export interface AppOptions {
  log?: Logger;
  /** Use this database instead of opening one from the configuration. */
  db?: Database;
  /** Close that database with the app (default: only when the app opened it). */
  ownsDb?: boolean;
}

export async function createApp(config: Config, opts: AppOptions = {}): Promise<App> {
  const log = opts.log ?? createLogger(config.LOG_LEVEL);
  const ownsDb = opts.ownsDb ?? !opts.db;
  const db =
    opts.db ??
    (await openDatabase({
      url: config.DATABASE_URL,
      dataDir: join(config.dataDir, 'pglite'),
      migrate: !config.DATABASE_URL || config.MIGRATE_ON_START,
      log,
    }));
  let bus: RealtimeBus | undefined;
  try {
    bus = createBus(config.REDIS_URL, config.REDIS_PREFIX);
    const deps: Deps = {
      config,
      prisma: db.prisma,
      hasher: createPasswordHasher(config.ARGON2_MEMORY_KIB),
      tokens: createTokenSigner(config.jwtSecret, config.ACCESS_TOKEN_TTL),
      pubsub: bus.pubsub,
      storage: createLocalStorage(join(config.dataDir, 'files')),
      log,
    };
    await ensureAdmin(deps);
    const http = createHttpServer(deps, { ping: db.ping });
    const b = bus;
    return {
      deps,
      db,
      http,
      close: async () => {
        await http.close();
        await b.close();
        if (ownsDb) await db.close();
      },
    };
  } catch (err) {
    await bus?.close();
    if (ownsDb) await db.close();
    throw err;
  }
}

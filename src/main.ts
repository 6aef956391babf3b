// Entry point: `serve` (API), `worker` (background jobs), or both in one process (default).
import { ConfigError, loadConfig } from './config.js';
import { createLogger } from './logger.js';

const role = process.argv[2] ?? 'all';
if (!['all', 'serve', 'worker'].includes(role)) {
  console.error(`usage: main.ts [serve|worker|all]   (got "${role}")`);
  process.exit(2);
}

let config;
try {
  config = loadConfig();
} catch (err) {
  if (err instanceof ConfigError) {
    console.error(err.message);
    process.exit(2);
  }
  throw err;
}
if (role === 'worker' && !config.REDIS_URL) {
  // API processes hand tasks to workers through Redis. Without it a worker would only take back
  // the tasks other processes are running (the in-process queue resumes them at start).
  console.error('invalid configuration: REDIS_URL: required by the worker role (API processes hand it tasks through Redis); without Redis, `all` (npm start) runs the API and the tasks in one process');
  process.exit(2);
}
const log = createLogger(config.LOG_LEVEL, { role });
if (role === 'serve' && !config.REDIS_URL && config.DATABASE_URL) {
  log.warn('no REDIS_URL: this process runs its tasks itself and takes back at start the tasks left running in the database; run one process per database this way, or set REDIS_URL for several');
}
// A failed background call (a Redis publish during an outage…) is logged, not fatal.
process.on('unhandledRejection', (err) => log.error({ err }, 'unhandled rejection'));

// Open the database while the rest of the application loads: start-up is mostly these two.
const { openConfiguredDatabase } = await import('./db.js');
const dbReady = openConfiguredDatabase(config, log);
dbReady.catch(() => {}); // awaited below; this only avoids an unhandled-rejection report meanwhile
const { createApp } = await import('./app.js');
const { DirectoryInUseError } = await import('./lib/dir-lock.js');
const { connectionProblem } = await import('./lib/prisma-errors.js');
/** Errors an operator fixes outside the code, said in one line rather than with a stack. */
const startFailed = (err: unknown): never => {
  // Another process has the embedded database: as a configuration error is.
  if (err instanceof DirectoryInUseError) {
    console.error(err.message);
    process.exit(2);
  }
  // A database that cannot be reached or refuses us (a wrong DATABASE_URL, PostgreSQL not
  // started, credentials refused), or a Redis that cannot be reached.
  const problem = connectionProblem(err);
  if (problem !== null) {
    log.fatal({ err: problem }, 'start-up failed: the database or Redis cannot be used');
    process.exit(1);
  }
  throw err;
};
const db = await dbReady.catch(startFailed);
const app = await createApp(config, { log, db, ownsDb: true, role: role as 'all' | 'serve' | 'worker' }).catch(async (err: unknown) => {
  await db.close().catch(() => {});
  return startFailed(err);
});
if (role !== 'worker') {
  const url = await app.http.listen(config.PORT, config.HOST);
  log.info({ url: `${url}/graphql`, database: app.db.kind, redis: Boolean(config.REDIS_URL) }, 'server listening');
} else {
  log.info({ queue: app.deps.queue.kind }, 'worker started');
}
// PostgreSQL is connected on first use: a database that cannot be reached is said at start.
if (app.db.kind === 'postgres') app.db.ping().catch((err: unknown) => log.error({ err: err instanceof Error ? err.message : String(err) }, 'the database cannot be reached; requests answer 503 until it can'));

let stopping = false;
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, async () => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    const force = setTimeout(() => process.exit(1), (config.SHUTDOWN_GRACE + 5) * 1000);
    force.unref();
    try {
      await app.close();
      log.info('stopped');
      process.exit(0);
    } catch (err) {
      log.error({ err }, 'shutdown failed');
      process.exit(1);
    }
  });
}

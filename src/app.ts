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
import { createQueue, type Queue } from './jobs/queue.js';
import { startWebhookWorker } from './modules/webhooks/webhooks.worker.js';
import { createRegistry } from './providers/registry.js';
import { startTaskWorker, type TaskWorker } from './modules/tasks/tasks.worker.js';
import { Redis } from 'ioredis';
import { createLeases } from './realtime/leases.js';
import { createKeyUsage } from './modules/apikeys/key-usage.js';
import { createHttpServer, type HttpServer } from './server.js';
import { createLocalStorage } from './storage/index.js';
import { createMetrics, type Metrics } from './lib/metrics.js';
import { logConnectionErrors } from './lib/connection-log.js';

export interface App {
  deps: Deps;
  db: Database;
  http: HttpServer;
  /** Where Prometheus scrapes this process (METRICS_PORT set). */
  metricsUrl?: string;
  close(): Promise<void>;
}

export interface AppOptions {
  /** `serve` answers requests, `worker` runs tasks, `all` both (default). Without Redis the
   * queue is in process, so tasks always run where they are created. */
  role?: 'all' | 'serve' | 'worker';
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
  let queue: Queue | undefined;
  let webhookQueue: Queue | undefined;
  let webhooks: { close(): Promise<void> } | undefined;
  let worker: TaskWorker | undefined;
  let metrics: Metrics | undefined;
  try {
    if (config.METRICS_PORT !== undefined) metrics = createMetrics({ role: opts.role ?? 'all' });
    bus = createBus(config.REDIS_URL, config.REDIS_PREFIX, undefined, log);
    // Rate limits fail fast (to their insurance: memory for minute windows, the database for
    // quotas) rather than queue while Redis is away, or wait on one that stopped answering.
    // Autopipelining: the rate-limit calls of the requests that arrive in one turn of the event
    // loop go out in one write, which halved Redis's CPU per request and cut the API process's
    // (bench/api-overhead.ts, BENCHMARKS.md P1).
    redis = config.REDIS_URL ? new Redis(config.REDIS_URL, { enableOfflineQueue: false, maxRetriesPerRequest: 1, commandTimeout: 500, enableAutoPipelining: true }) : undefined;
    if (redis) logConnectionErrors(redis, log, {}, 'redis (rate limits)');
    const deps: Deps = {
      config,
      prisma: db.prisma,
      sql: db.sql,
      hasher: createPasswordHasher(config.ARGON2_MEMORY_KIB),
      tokens: createTokenSigner(config.jwtSecret, config.ACCESS_TOKEN_TTL),
      pubsub: bus.pubsub,
      storage: config.S3_BUCKET
        ? // The AWS SDK is loaded only when S3 is configured (it adds ~20 MB to a process).
          (await import('./storage/s3.js')).createS3Storage({
            bucket: config.S3_BUCKET,
            region: config.S3_REGION,
            endpoint: config.S3_ENDPOINT,
            accessKeyId: config.S3_ACCESS_KEY_ID,
            secretAccessKey: config.S3_SECRET_ACCESS_KEY,
            prefix: config.S3_PREFIX,
            forcePathStyle: config.S3_FORCE_PATH_STYLE ?? Boolean(config.S3_ENDPOINT),
          })
        : createLocalStorage(join(config.dataDir, 'files')),
      queue: (queue = createQueue('tasks', {
        redisUrl: config.REDIS_URL,
        prefix: config.REDIS_PREFIX,
        lockMs: config.TASK_LOCK_MS,
        backoffMs: config.TASK_BACKOFF_MS,
        log,
      })),
      webhookQueue: (webhookQueue = createQueue('webhooks', {
        redisUrl: config.REDIS_URL,
        prefix: config.REDIS_PREFIX,
        lockMs: 60_000,
        backoffMs: 5_000,
        log,
      })),
      registry: createRegistry({ backends: config.PROVIDERS, routes: config.MODEL_PROVIDERS, demoDelayMs: config.DEMO_DELAY_MS }),
      limits: createLimits({
        redis,
        prisma: db.prisma,
        prefix: config.REDIS_PREFIX,
        tiers: config.tierLimits,
        apiPerMinute: config.RATE_LIMIT_API_PER_MINUTE,
      }),
      leases: createLeases({ redis, prefix: config.REDIS_PREFIX, log }),
      keyUsage: createKeyUsage(db.prisma, log),
      log,
      metrics,
    };
    await ensureAdmin(deps);
    const role = opts.role ?? 'all';
    if (role !== 'serve' || deps.queue.kind === 'memory') {
      if (deps.queue.kind === 'memory') await resumeInProcessTasks(deps);
      worker = startTaskWorker(deps);
      webhooks = startWebhookWorker(deps);
    }
    const http = createHttpServer(deps, { ping: db.ping });
    let metricsUrl: string | undefined;
    if (metrics) {
      const q = deps.queue;
      metrics.gauge('genhub_queue_waiting_jobs', 'Task jobs waiting in the queue (BullMQ: shared by every process)', () => q.waiting());
      metrics.gauge(
        'genhub_tasks_active',
        'Tasks queued and running in the database, by status (shared by every process)',
        async () => {
          const rows = await db.prisma.$queryRaw<{ status: string; n: number }[]>`
            SELECT s.status, (SELECT count(*)::int FROM tasks t WHERE t.status = s.status::"TaskStatus") AS n
            FROM (VALUES ('queued'), ('running')) AS s(status)`;
          return Object.fromEntries(rows.map((r) => [r.status, r.n]));
        },
        'status',
      );
      if (redis) {
        const r = redis;
        metrics.gauge('genhub_redis_connected', 'Whether this process has its Redis connection ready (1) or not (0)', () => (r.status === 'ready' ? 1 : 0));
      }
      metricsUrl = await metrics.listen(config.METRICS_PORT!, config.METRICS_HOST);
      log.info({ url: metricsUrl }, 'metrics listening');
    }
    const purge = setInterval(() => {
      purgeExpired(deps).catch((err) => log.warn({ err }, 'purging idempotency keys failed'));
    }, 3600_000).unref();
    const b = bus;
    const r = redis;
    return {
      deps,
      db,
      http,
      metricsUrl,
      close: async () => {
        clearInterval(purge);
        await metrics?.close();
        deps.limits.close();
        await http.close();
        await deps.keyUsage.close();
        await worker?.close();
        await webhooks?.close();
        await deps.queue.close();
        await deps.webhookQueue.close();
        await b.close();
        r?.disconnect();
        if (ownsDb) await db.close();
      },
    };
  } catch (err) {
    await metrics?.close();
    await worker?.close();
    await webhooks?.close();
    await queue?.close();
    await webhookQueue?.close();
    await bus?.close();
    redis?.disconnect();
    if (ownsDb) await db.close();
    throw err;
  }
}

/**
 * Without Redis the queue lives in this process: tasks that were queued or running when it last
 * stopped are queued again, oldest first.
 */
async function resumeInProcessTasks(deps: Deps) {
  await deps.prisma.task.updateMany({ where: { status: 'running' }, data: { status: 'queued', progressMessage: 'Resumed after a restart' } });
  const pending = await deps.prisma.task.findMany({ where: { status: 'queued' }, select: { id: true }, orderBy: { id: 'asc' } });
  for (const t of pending) await deps.queue.add(String(t.id));
  if (pending.length) deps.log.info({ tasks: pending.length }, 'resumed queued tasks');
}

// The queue port: named queues of job ids, with two adapters. BullMQ when REDIS_URL is set
// (jobs survive restarts, any number of worker processes, stalled jobs of a dead worker go back
// to the queue); an in-process runner otherwise. Handlers own retries: they throw RetryLater to
// be run again after a delay, and anything else they throw is retried with backoff.
import { Queue as BullQueue, Worker as BullWorker, DelayedError, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import type { Logger } from '../logger.js';
import { TimedOut, within } from '../lib/promise.js';
import { logConnectionErrors } from '../lib/connection-log.js';

export type Handler = (id: string) => Promise<void>;

/** Thrown by a handler to be run again after `delayMs`. */
export class RetryLater extends Error {
  constructor(
    readonly delayMs: number,
    message = 'retry later',
  ) {
    super(message);
    this.name = 'RetryLater';
  }
}

export interface Queue {
  readonly kind: 'bullmq' | 'memory';
  readonly name: string;
  /** Adds a job; adding an id that is already waiting or running does nothing. */
  add(id: string, opts?: { delayMs?: number }): Promise<void>;
  /** Removes a job that has not started (best effort). */
  remove(id: string): Promise<void>;
  /** Starts running jobs in this process. */
  process(handler: Handler, concurrency: number): void;
  /** Takes no new jobs in this process (shutting down); running ones go on. */
  stopFetching(): Promise<void>;
  /** Jobs waiting or delayed. */
  waiting(): Promise<number>;
  close(): Promise<void>;
}

export interface QueueOptions {
  redisUrl?: string;
  prefix: string;
  /** Milliseconds a worker holds a job before it counts as stalled (its process died). */
  lockMs: number;
  /** Backoff of unexpected handler errors: delay × 2^(attempt-1). */
  backoffMs: number;
  log: Logger;
  /**
   * How long `add` waits for Redis before it gives up (BullMQ only); the add itself goes on and
   * is sent when Redis is back. Once Redis has been down longer than this, adds are refused at
   * once. Callers commit their job to the database first and a sweeper queues it again, so a
   * request does not hang on an unreachable Redis.
   */
  addWaitMs?: number;
}

/**
 * Adds every id at once (one pipeline on BullMQ) for the sweepers: how many the queue did not
 * take and the first one's reason, for one log line however many failed.
 */
export async function addAll(queue: Queue, ids: string[]): Promise<{ failed: number; reason?: string }> {
  const added = await Promise.allSettled(ids.map((id) => queue.add(id)));
  const failed = added.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
  return { failed: failed.length, reason: (failed[0]?.reason as Error | undefined)?.message };
}

/** BullMQ refuses numeric and colon-bearing custom ids. */
const jobIdOf = (name: string, id: string) => `${name}-${id}`;

export function createQueue(name: string, o: QueueOptions): Queue {
  return o.redisUrl ? bullQueue(name, o) : memoryQueue(name, o);
}

function bullQueue(name: string, o: QueueOptions): Queue {
  const addWaitMs = o.addWaitMs ?? 3000;
  const connection = new Redis(o.redisUrl!, { maxRetriesPerRequest: null });
  logConnectionErrors(connection, o.log, { queue: name }, 'queue redis');
  // Since when the connection has been down. A brief drop (a Redis restart) is ridden out: adds
  // wait in ioredis's offline queue and go out on reconnection. Once it has been down longer than
  // an add may wait, adds are refused at once instead of piling up there for the whole outage.
  // A Redis that stopped answering on an open connection (a hung server, a network partition)
  // gives no event: an add that timed out marks it, and the next answer clears it.
  let downSince: number | null = null;
  let stalled = false;
  connection.on('ready', () => ((downSince = null), (stalled = false)));
  connection.on('close', () => (downSince ??= Date.now()));
  const prefix = `${o.prefix}bull`;
  const queue = new BullQueue(name, {
    connection,
    prefix,
    defaultJobOptions: {
      // Handlers decide when to give up; this only bounds runaway failures.
      attempts: 50,
      backoff: { type: 'exponential', delay: o.backoffMs },
      removeOnComplete: true,
      removeOnFail: { age: 24 * 3600 },
    },
  });
  // The connection's own listener above logs its errors; without a listener here too BullMQ
  // prints each again to the console, once per reconnection attempt while Redis is away.
  queue.on('error', () => {});
  let worker: BullWorker | undefined;
  let workerConnection: Redis | undefined;
  // Adds without a delay made in the same turn of the event loop go to Redis together, in one
  // pipeline (BullMQ's addBulk): a busy API instance makes one round trip for many tasks.
  let batch: { id: string; done: (err?: unknown) => void }[] | null = null;
  const flush = () => {
    const jobs = batch!;
    batch = null;
    const one = (j: (typeof jobs)[number]) => queue.add(name, { id: j.id }, { jobId: jobIdOf(name, j.id) }).then(() => j.done(), (err) => j.done(err ?? new Error('adding a job failed')));
    if (jobs.length === 1) return void one(jobs[0]!);
    queue.addBulk(jobs.map((j) => ({ name, data: { id: j.id }, opts: { jobId: jobIdOf(name, j.id) } }))).then(
      () => jobs.forEach((j) => j.done()),
      // A pipeline is not a transaction: some may be in. Each is added again on its own (an id
      // already in the queue is ignored), so one job's trouble fails only its own caller.
      () => jobs.forEach((j) => void one(j)),
    );
  };
  return {
    kind: 'bullmq',
    name,
    async add(id, opts = {}) {
      if (downSince !== null && Date.now() - downSince > addWaitMs) throw new TimedOut(`Redis has been unreachable for ${Date.now() - downSince} ms: the ${name} job ${id} was not sent`);
      if (stalled) throw new TimedOut(`Redis has not answered an add for over ${addWaitMs} ms: the ${name} job ${id} was not sent`);
      const added: Promise<unknown> =
        opts.delayMs && opts.delayMs > 0
          ? queue.add(name, { id }, { jobId: jobIdOf(name, id), delay: opts.delayMs })
          : new Promise<void>((resolve, reject) => {
              if (!batch) {
                batch = [];
                setImmediate(flush);
              }
              batch.push({ id, done: (err) => (err ? reject(err) : resolve()) });
            });
      added.then(() => (stalled = false), () => {});
      await within(added, addWaitMs, `Redis did not take the ${name} job ${id} within ${addWaitMs} ms`).catch((err: unknown) => {
        if (err instanceof TimedOut) stalled = true;
        throw err;
      });
    },
    async remove(id) {
      const job = await queue.getJob(jobIdOf(name, id));
      if (job && ((await job.isWaiting()) || (await job.isDelayed()))) await job.remove().catch(() => {});
    },
    process(handler, concurrency) {
      worker = new BullWorker(
        name,
        async (job: Job<{ id: string }>, token?: string) => {
          try {
            await handler(job.data.id);
          } catch (err) {
            if (err instanceof RetryLater) {
              // Back to the queue after the delay, without counting as a failure.
              await job.moveToDelayed(Date.now() + err.delayMs, token);
              throw new DelayedError(); // BullMQ's signal that the processor moved the job
            }
            throw err;
          }
        },
        {
          connection: (workerConnection = connection.duplicate()),
          prefix,
          concurrency,
          lockDuration: o.lockMs,
          stalledInterval: Math.max(1000, Math.floor(o.lockMs / 2)),
          // A job whose worker died goes back to the queue; handlers count attempts themselves.
          maxStalledCount: 50,
          autorun: true,
        },
      );
      logConnectionErrors(worker, o.log, { queue: name }, 'queue worker', { backOn: workerConnection });
      worker.on('failed', (job, err) => o.log.warn({ err: err.message, queue: name, id: job?.data.id }, 'job failed; retrying with backoff'));
      worker.on('stalled', (jobId) => o.log.warn({ queue: name, jobId }, 'job stalled (its worker stopped); back to the queue'));
    },
    async stopFetching() {
      await worker?.pause(true);
    },
    async waiting() {
      const c = await queue.getJobCounts('wait', 'delayed', 'prioritized');
      return (c.wait ?? 0) + (c.delayed ?? 0) + (c.prioritized ?? 0);
    },
    async close() {
      await worker?.close();
      await queue.close();
      // BullMQ leaves connections it was given open.
      workerConnection?.disconnect();
      connection.disconnect();
    },
  };
}

function memoryQueue(name: string, o: QueueOptions): Queue {
  const ready: string[] = [];
  const known = new Set<string>();
  const timers = new Map<string, NodeJS.Timeout>();
  const failures = new Map<string, number>();
  let handler: Handler | undefined;
  let concurrency = 1;
  let running = 0;
  let closed = false;
  const idle: (() => void)[] = [];

  const pump = () => {
    while (!closed && handler && running < concurrency && ready.length) {
      const id = ready.shift()!;
      running++;
      void handler(id)
        .then(
          () => {
            known.delete(id);
            failures.delete(id);
          },
          (err) => {
            if (closed) return known.delete(id);
            let delay: number;
            if (err instanceof RetryLater) delay = err.delayMs;
            else {
              const n = (failures.get(id) ?? 0) + 1;
              failures.set(id, n);
              delay = o.backoffMs * 2 ** Math.min(n - 1, 10);
              o.log.warn({ err: (err as Error).message, queue: name, id }, 'job failed; retrying with backoff');
            }
            later(id, delay);
          },
        )
        .finally(() => {
          running--;
          if (running === 0) idle.splice(0).forEach((f) => f());
          pump();
        });
    }
  };
  const later = (id: string, delay: number) => {
    const t = setTimeout(() => {
      timers.delete(id);
      ready.push(id);
      pump();
    }, delay);
    t.unref();
    timers.set(id, t);
  };

  return {
    kind: 'memory',
    name,
    async add(id, opts = {}) {
      if (closed || known.has(id)) return;
      known.add(id);
      if (opts.delayMs && opts.delayMs > 0) later(id, opts.delayMs);
      else {
        ready.push(id);
        pump();
      }
    },
    async remove(id) {
      const i = ready.indexOf(id);
      if (i >= 0) ready.splice(i, 1);
      const t = timers.get(id);
      if (t) clearTimeout(t);
      timers.delete(id);
      if (i >= 0 || t) known.delete(id);
    },
    process(h, c) {
      handler = h;
      concurrency = c;
      pump();
    },
    async stopFetching() {
      handler = undefined;
    },
    async waiting() {
      return ready.length + timers.size;
    },
    async close() {
      closed = true;
      for (const t of timers.values()) clearTimeout(t);
      timers.clear();
      ready.length = 0;
      if (running > 0) await new Promise<void>((r) => idle.push(r));
    },
  };
}

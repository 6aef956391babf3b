// P4: subscriber latency. An API process (src/main.ts serve, Redis pub/sub) holds N graphql-ws
// subscribers, each following its own task with taskUpdated(id). This process publishes task
// progress on Redis the way workers do, R events per second per task, and every subscriber
// measures publish → receive time (one clock: both ends run on this machine's monotonic time).
//
// Usage: node --import tsx bench/subscription-latency.ts [subscribers=1000] [eventsPerSecond=10] [seconds=10]
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { loadConfig } from '../src/config.js';
import { openDatabase } from '../src/db.js';
import { startSession } from '../src/modules/auth/auth.service.js';
import { createTokenSigner } from '../src/modules/auth/tokens.js';
import { createBus } from '../src/realtime/pubsub.js';
import { freshDatabase, percentile, REDIS, spawnRole } from './common.js';

const n = Number(process.argv[2] ?? 1000);
const rate = Number(process.argv[3] ?? 10);
const seconds = Number(process.argv[4] ?? 10);

const db = await freshDatabase('p4');
const prefix = `genhub-bench-p4-${Date.now()}:`;
const env = { DATABASE_URL: db.url, MIGRATE_ON_START: 'true', REDIS_URL: REDIS, REDIS_PREFIX: prefix, JWT_SECRET: 'l'.repeat(40), PORT: '4870', HOST: '127.0.0.1', DATA_DIR: '/tmp/genhub-bench-p4', RATE_LIMIT_API_PER_MINUTE: '100000' };
const server = await spawnRole('serve', env);
const database = await openDatabase({ url: db.url, poolSize: 10 });
const config = loadConfig(env);
const deps = { prisma: database.prisma, config, tokens: createTokenSigner(config.jwtSecret, 3600) };

// Users, their sessions and one running task each.
await database.prisma.user.createMany({ data: Array.from({ length: n }, (_, i) => ({ username: `p4user${i}` })) });
const users = await database.prisma.user.findMany({ orderBy: { id: 'asc' } });
await database.prisma.task.createMany({
  data: users.map((u) => ({ userId: u.id, kind: 'image_generate' as const, modelId: 'sd15', input: {}, status: 'running' as const })),
});
const tasks = await database.prisma.task.findMany({ orderBy: { id: 'asc' } });
const tokens: string[] = [];
for (const u of users) tokens.push((await startSession(deps as any, u, {})).accessToken);

const latencies: number[] = [];
let received = 0;
const clients: Client[] = [];
let subscribed = 0;
const rssBefore = process.memoryUsage().rss;
await Promise.all(
  tasks.map(
    (task, i) =>
      new Promise<void>((ready, fail) => {
        const client = createClient({ url: 'ws://127.0.0.1:4870/graphql', webSocketImpl: WebSocket, connectionParams: { Authorization: `Bearer ${tokens[i]}` }, lazy: false, retryAttempts: 0 });
        clients.push(client);
        let first = true;
        client.subscribe<any>(
          { query: `subscription { taskUpdated(id: "${task.id}") { progress progressMessage } }` },
          {
            next: (m) => {
              if (first) {
                first = false;
                subscribed++;
                return ready();
              }
              if (process.env.BENCH_DEBUG) console.error(JSON.stringify(m));
              const sent = Number(m.data?.taskUpdated.progressMessage);
              latencies.push(performance.timeOrigin + performance.now() - sent);
              received++;
            },
            error: (e) => { if (process.env.BENCH_DEBUG) console.error('error', e); fail(e); },
            complete: () => { if (process.env.BENCH_DEBUG) console.error('complete'); },
          },
        );
      }),
  ),
);
console.error(`${subscribed} subscribers ready`);

const bus = createBus(REDIS, prefix);
// This process's own event-loop delay: what of the latency is the receiving side's.
const loop = monitorEventLoopDelay({ resolution: 1 });
loop.enable();
const interval = 1000 / rate;
// Each task publishes at its own phase within the interval, as independent workers do, in
// slices of 5 ms: a burst of every event at the same instant would measure queueing of the burst.
const slices = Math.max(1, Math.floor(interval / 5));
const t0 = performance.now();
let published = 0;
for (let tick = 0; tick < seconds * rate; tick++) {
  for (let s = 0; s < slices; s++) {
    const due = t0 + tick * interval + (s * interval) / slices;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    for (let i = s; i < tasks.length; i += slices) {
      const task = tasks[i]!;
      bus.pubsub.publish('task:updated', task.id, { ...task, progress: tick % 100, progressMessage: String(performance.timeOrigin + performance.now()) });
      published++;
    }
  }
}
await new Promise((r) => setTimeout(r, 1000));
loop.disable();
const sorted = [...latencies].sort((a, b) => a - b);
console.log(`\nP4 subscriber latency — ${n} graphql-ws subscribers (taskUpdated), ${rate} events/s each for ${seconds} s, Redis pub/sub, one API process\n`);
console.log('| subscribers | events/s each | published | received | lost | p50 (ms) | p95 (ms) | p99 (ms) | max (ms) |');
console.log('|---|---|---|---|---|---|---|---|---|');
console.log(`| ${n} | ${rate} | ${published} | ${received} | ${published - received} | ${percentile(sorted, 50).toFixed(1)} | ${percentile(sorted, 95).toFixed(1)} | ${percentile(sorted, 99).toFixed(1)} | ${sorted.at(-1)!.toFixed(1)} |`);
console.error(`bench client event-loop delay: p50 ${(loop.percentile(50) / 1e6).toFixed(1)} ms, p99 ${(loop.percentile(99) / 1e6).toFixed(1)} ms, max ${(loop.max / 1e6).toFixed(1)} ms`);
console.error(`bench client RSS grew ${Math.round((process.memoryUsage().rss - rssBefore) / 1e6)} MB`);

for (const c of clients) await c.dispose();
await bus.close();
await server.stop();
await database.close();
await db.drop();
process.exit(0);

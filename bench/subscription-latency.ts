// P4: subscriber latency. An API process (src/main.ts serve, Redis pub/sub) holds N graphql-ws
// subscribers, each following its own task with taskUpdated(id). A publisher process publishes
// task progress on Redis the way workers do, R events per second per task, and every subscriber
// measures publish → receive time (both processes read this machine's clock).
//
// The subscribers are graphql-ws clients (the graphql-ws library), or with `raw` plain WebSockets
// speaking the same protocol (graphql-transport-ws: connection_init, subscribe, then every `next`
// parsed as JSON), which cost the two shared cores less than the library's client machinery.
//
// The publisher runs for a warm-up first (3 s by default) and then for the measured seconds; the
// table shows the two apart. The warm-up is where a fresh process pays for compiling its hot paths
// and growing its young generation: most of the late events of a run fell in its first 2–3 s.
//
// Usage: node --import tsx bench/subscription-latency.ts [subscribers=1000] [eventsPerSecond=10] [seconds=10] [client=graphql-ws|raw] [warmupSeconds=3]
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { loadConfig } from '../src/config.js';
import { openDatabase } from '../src/db.js';
import { startSession } from '../src/modules/auth/auth.service.js';
import { createTokenSigner } from '../src/modules/auth/tokens.js';
import { cpuMeter, freshDatabase, freshDataDir, machineProbe, percentile, probeLine, REDIS, spawnRole } from './common.js';

const n = Number(process.argv[2] ?? 1000);
const rate = Number(process.argv[3] ?? 10);
const seconds = Number(process.argv[4] ?? 10);
const raw = process.argv[5] === 'raw';
const warmup = Number(process.argv[6] ?? 3);

const probeBefore = machineProbe();
const db = await freshDatabase('p4');
const prefix = `genhub-bench-p4-${Date.now()}:`;
const env = { DATABASE_URL: db.url, MIGRATE_ON_START: 'true', REDIS_URL: REDIS, REDIS_PREFIX: prefix, JWT_SECRET: 'l'.repeat(40), PORT: '4870', HOST: '127.0.0.1', DATA_DIR: freshDataDir('p4'), RATE_LIMIT_API_PER_MINUTE: '100000' };
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

/** Each event's publish time and latency, in the order received. */
const publishedAt: number[] = [];
const latencies: number[] = [];
let received = 0;
const clients: Client[] = [];
let subscribed = 0;
const rssBefore = process.memoryUsage().rss;
const query = (taskId: number) => `subscription { taskUpdated(id: "${taskId}") { progress progressMessage } }`;
const measure = (progressMessage: string) => {
  const at = Number(progressMessage);
  publishedAt.push(at);
  latencies.push(performance.timeOrigin + performance.now() - at);
  received++;
};
/** A plain WebSocket client of the graphql-transport-ws protocol; resolves at the first event. */
const rawSubscriber = (taskId: number, token: string, sockets: WebSocket[]) =>
  new Promise<void>((ready, fail) => {
    const ws = new WebSocket('ws://127.0.0.1:4870/graphql', 'graphql-transport-ws');
    sockets.push(ws);
    let first = true;
    ws.on('open', () => ws.send(JSON.stringify({ type: 'connection_init', payload: { Authorization: `Bearer ${token}` } })));
    ws.on('message', (data) => {
      const m = JSON.parse(String(data));
      if (m.type === 'connection_ack') return ws.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: query(taskId) } }));
      if (m.type === 'next') {
        if (first) {
          first = false;
          subscribed++;
          return ready();
        }
        return measure(m.payload.data.taskUpdated.progressMessage);
      }
      if (m.type === 'error' || m.type === 'complete') fail(new Error(JSON.stringify(m)));
    });
    ws.on('error', fail);
  });
const sockets: WebSocket[] = [];
await Promise.all(
  tasks.map(
    (task, i) =>
      raw ? rawSubscriber(task.id, tokens[i]!, sockets) :
      new Promise<void>((ready, fail) => {
        const client = createClient({ url: 'ws://127.0.0.1:4870/graphql', webSocketImpl: WebSocket, connectionParams: { Authorization: `Bearer ${tokens[i]}` }, lazy: false, retryAttempts: 0 });
        clients.push(client);
        let first = true;
        client.subscribe<any>(
          { query: query(task.id) },
          {
            next: (m) => {
              if (first) {
                first = false;
                subscribed++;
                return ready();
              }
              if (process.env.BENCH_DEBUG) console.error(JSON.stringify(m));
              measure(m.data?.taskUpdated.progressMessage);
            },
            error: (e) => { if (process.env.BENCH_DEBUG) console.error('error', e); fail(e); },
            complete: () => { if (process.env.BENCH_DEBUG) console.error('complete'); },
          },
        );
      }),
  ),
);
console.error(`${subscribed} subscribers ready`);

// The publisher runs in a process of its own (bench/progress-publisher.ts), as workers do.
const tasksFile = join(mkdtempSync(join(tmpdir(), 'genhub-p4-')), 'tasks.json');
writeFileSync(tasksFile, JSON.stringify(tasks));
// This process's own event-loop delay: what of the latency is the receiving side's.
const loop = monitorEventLoopDelay({ resolution: 1 });
loop.enable();
const publisher = spawn(process.execPath, ['--import', 'tsx', new URL('./progress-publisher.ts', import.meta.url).pathname, tasksFile, prefix, String(rate), String(warmup + seconds)], { stdio: ['ignore', 'pipe', 'inherit'] });
let publisherOut = '';
// CPU over the measured window: from the end of the warm-up (counted from the publisher's first
// event) to the publisher's exit.
let meter: ReturnType<typeof cpuMeter> = null;
let warmTimer: NodeJS.Timeout | undefined;
publisher.stdout!.on('data', (d: Buffer) => {
  const first = !publisherOut.includes('start ');
  publisherOut += d;
  if (first && publisherOut.includes('start ')) warmTimer = setTimeout(() => (meter = cpuMeter({ 'API process': server.proc.pid })), warmup * 1000);
});
const publisherCode = await new Promise<number | null>((resolve) => publisher.on('exit', resolve));
clearTimeout(warmTimer);
const cpu = meter ? (meter as () => Record<string, number>)() : null;
const published = Number(/published (\d+)/.exec(publisherOut)?.[1] ?? NaN);
if (publisherCode !== 0 || !Number.isFinite(published)) throw new Error(`publisher exited ${publisherCode}: ${publisherOut}`);
await new Promise((r) => setTimeout(r, 1000));
loop.disable();
const start = Number(/start ([\d.]+)/.exec(publisherOut)?.[1] ?? NaN);
const measuredFrom = start + warmup * 1000;
const split = { warm: [] as number[], measured: [] as number[] };
for (let i = 0; i < latencies.length; i++) (publishedAt[i]! < measuredFrom ? split.warm : split.measured).push(latencies[i]!);
const row = (label: string, values: number[]) => {
  const sorted = values.sort((a, b) => a - b);
  return `| ${label} | ${sorted.length} | ${percentile(sorted, 50).toFixed(1)} | ${percentile(sorted, 95).toFixed(1)} | ${percentile(sorted, 99).toFixed(1)} | ${sorted.at(-1)!.toFixed(1)} |`;
};
console.log(`\nP4 subscriber latency — ${n} ${raw ? 'plain WebSocket (graphql-transport-ws)' : 'graphql-ws'} subscribers (taskUpdated), ${rate} events/s each for ${warmup} s of warm-up and ${seconds} s measured, Redis pub/sub, one API process\n`);
console.log(`published ${published}, received ${received}, lost ${published - received}\n`);
console.log('| events published in | received | p50 (ms) | p95 (ms) | p99 (ms) | max (ms) |');
console.log('|---|---|---|---|---|---|');
if (split.warm.length) console.log(row(`warm-up (first ${warmup} s)`, split.warm));
console.log(row(`measured (${seconds} s)`, split.measured));
if (cpu) {
  // Per 1,000 events received in the measured window; the kernel parts, `(sys)`, are included in each total.
  const per = (k: string) => (((cpu[k] ?? 0) * 1000 * 1000) / split.measured.length).toFixed(0);
  console.log(`\nCPU per 1,000 events received in the measured window (ms), from /proc: API process ${per('API process')} (kernel ${per('API process (sys)')}), bench client ${per('self')}, redis ${per('redis')}`);
}
console.log(probeLine(probeBefore));
console.error(`bench client event-loop delay: p50 ${(loop.percentile(50) / 1e6).toFixed(1)} ms, p99 ${(loop.percentile(99) / 1e6).toFixed(1)} ms, max ${(loop.max / 1e6).toFixed(1)} ms`);
console.error(`bench client RSS grew ${Math.round((process.memoryUsage().rss - rssBefore) / 1e6)} MB`);

for (const c of clients) await c.dispose();
for (const ws of sockets) ws.close();
await server.stop();
await database.close();
await db.drop();
process.exit(0);

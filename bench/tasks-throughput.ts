// P3: tasks per second end to end on BullMQ with a zero-delay demo provider. Separate worker
// processes run the tasks (claim, provider, assets, capture, usage). Tasks are created either
// in this process, which is then the API (`direct`: createTask, as a resolver calls it:
// validation, limits, hold and task row in one statement, then the queue), or over HTTP (`http`:
// GraphQL mutations with API keys from this process, 64 at a time over 64 keep-alive connections,
// to an API process of its own). The HTTP client is undici's Pool: it shares the two cores with
// the API and the workers, and costs about a fifth less CPU per request than node:http's
// (BENCH_CLIENT=node runs node:http's, for comparison).
// Counts what succeeded and checks the ledger: nothing lost, nothing charged twice.
//
// Usage: node --import tsx bench/tasks-throughput.ts [tasks=2000] [workers=2] [concurrency=32] [kind=text|image] [create=direct|http]
import { rmSync } from 'node:fs';
import http from 'node:http';
import { Pool } from 'undici';
import { loadConfig } from '../src/config.js';
import { createApp } from '../src/app.js';
import { openDatabase } from '../src/db.js';
import { createLogger } from '../src/logger.js';
import { createApiKey } from '../src/modules/apikeys/apikeys.service.js';
import { createTask } from '../src/modules/tasks/tasks.service.js';
import { cpuMeter, freshDatabase, freshDataDir, machineProbe, probeLine, REDIS, spawnRole } from './common.js';

const total = Number(process.argv[2] ?? 2000);
const workers = Number(process.argv[3] ?? 2);
const concurrency = Number(process.argv[4] ?? 32);
const kind = (process.argv[5] ?? 'text') as 'text' | 'image';
const via = (process.argv[6] ?? 'direct') as 'direct' | 'http';

const probeBefore = machineProbe();
const db = await freshDatabase('p3');
const prefix = `genhub-bench-p3-${Date.now()}:`;
const dataDir = freshDataDir('p3');
const env = {
  DATABASE_URL: db.url,
  REDIS_URL: REDIS,
  REDIS_PREFIX: prefix,
  JWT_SECRET: 'b'.repeat(40),
  DEMO_DELAY_MS: '0',
  WORKER_CONCURRENCY: String(concurrency),
  TIER_LIMITS: JSON.stringify({ enterprise: { perMinute: null } }),
  LOG_LEVEL: 'warn',
  DATA_DIR: dataDir,
};
const database = await openDatabase({ url: db.url, poolSize: 20, migrate: true });
const app = await createApp(loadConfig({ ...env }), { db: database, log: createLogger('warn'), role: 'serve' });
const procs = [];
for (let i = 0; i < workers; i++) procs.push(await spawnRole('worker', { ...env, LOG_LEVEL: 'info' }));
const api = via === 'http' ? await spawnRole('serve', { ...env, LOG_LEVEL: 'info', RATE_LIMIT_API_PER_MINUTE: '100000000', NODE_ENV: 'production' }) : null;

const { prisma } = app.deps;
const users: { id: number; tier: 'enterprise'; key: string }[] = [];
for (let i = 0; i < 20; i++) {
  const u = await prisma.user.create({ data: { username: `p3user${i}`, tier: 'enterprise', creditAccount: { create: { available: 10_000_000 } } } });
  users.push({ id: u.id, tier: 'enterprise', key: (await createApiKey(app.deps, u.id, { name: 'bench' })).key });
}
const TEXT = 'mutation ($input: GenerateTextInput!) { generateText(input: $input) { id status } }';
const IMAGE = 'mutation ($input: GenerateImageInput!) { generateImage(input: $input) { id status } }';
/** One task over HTTP, as a client of the API does; anything but a queued task is a failure of the bench. */
const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
function createOverNodeHttp(user: (typeof users)[number], i: number) {
  const body = bodyOf(i);
  return new Promise<void>((resolve, reject) => {
    const req = http.request(`${api!.url}/graphql`, { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'x-api-key': user.key } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (text += d));
      res.on('end', () => check(res.statusCode, text).then(resolve, reject));
    });
    req.on('error', reject);
    req.end(body);
  });
}
const pool = api ? new Pool(api.url, { connections: 64, pipelining: 1 }) : null;
async function createOverUndici(user: (typeof users)[number], i: number) {
  const res = await pool!.request({ path: '/graphql', method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': user.key }, body: bodyOf(i) });
  await check(res.statusCode, await res.body.text());
}
const createOverHttp = process.env.BENCH_CLIENT === 'node' ? createOverNodeHttp : createOverUndici;
const bodyOf = (i: number) => {
  const s = spec(i);
  return JSON.stringify({ query: kind === 'text' ? TEXT : IMAGE, variables: { input: { model: s.model, ...s.input } } });
};
const check = async (status: number | undefined, text: string) => {
  if (status !== 200 || text.includes('"errors"')) throw new Error(`createTask over HTTP: ${status} ${text.slice(0, 300)}`);
};
const spec = (i: number) =>
  kind === 'text'
    ? { kind: 'text.generate' as const, model: 'minimax', input: { prompt: `bench prompt ${i}`, maxTokens: 16 } }
    : { kind: 'image.generate' as const, model: 'sd15', input: { prompt: `bench prompt ${i}`, width: 64, height: 64 } };

const meter = cpuMeter({ ...(api ? { 'API process': api.proc.pid } : {}), ...Object.fromEntries(procs.map((p, i) => [`worker ${i + 1}`, p.proc.pid])) });
const t0 = performance.now();
let next = 0;
let createdAt = 0;
await Promise.all(
  Array.from({ length: 64 }, async () => {
    while (next < total) {
      const i = next++;
      if (api) await createOverHttp(users[i % users.length]!, i);
      else await createTask(app.deps, users[i % users.length]!, spec(i));
    }
  }),
);
createdAt = performance.now() - t0;
// Every task exists once its creation has answered: from here, wait until none is unfinished.
// Polled only now and through the (status, created_at) index, so that the bench's own queries
// cost PostgreSQL little (a count over the whole table every 50 ms took a share of the CPU).
for (;;) {
  const left = await prisma.task.count({ where: { status: { in: ['queued', 'running'] } } });
  if (left === 0) break;
  if (performance.now() - t0 > 600_000) break;
  await new Promise((r) => setTimeout(r, 20));
}
const doneAt = performance.now() - t0;
const cpu = meter?.();
const counts = await prisma.task.groupBy({ by: ['status'], _count: true });
const by = Object.fromEntries(counts.map((c) => [c.status, c._count]));
const succeeded = by.succeeded ?? 0;
const failed = (by.failed ?? 0) + (by.canceled ?? 0);
const held = await prisma.creditHold.count({ where: { status: 'held' } });
const captures = await prisma.creditEntry.count({ where: { kind: 'capture' } });
const accounts = await prisma.creditAccount.aggregate({ _sum: { available: true, reserved: true } });
const ledger = await prisma.creditEntry.aggregate({ _sum: { amount: true, reservedDelta: true } });
const spent = await prisma.task.aggregate({ _sum: { cost: true } });

console.log(`\nP3 tasks end to end — ${total} ${kind} tasks created ${api ? 'over HTTP (GraphQL, API keys)' : 'in the API process'}, ${workers} worker processes × ${concurrency}, BullMQ on Redis, PostgreSQL, demo provider with no delay\n`);
console.log('| tasks | created in (s) | created/s | all finished in (s) | finished tasks/s | succeeded | failed | holds left | captures | ledger = balances |');
console.log('|---|---|---|---|---|---|---|---|---|---|');
// Accounts started with 10,000,000 each outside the ledger: the entries explain every change since.
const ledgerOk = (ledger._sum.amount ?? 0) === accounts._sum.available! - 20 * 10_000_000 && (ledger._sum.reservedDelta ?? 0) === accounts._sum.reserved;
console.log(
  `| ${total} | ${(createdAt / 1000).toFixed(2)} | ${Math.round(total / (createdAt / 1000))} | ${(doneAt / 1000).toFixed(2)} | ${Math.round(succeeded / (doneAt / 1000))} | ${succeeded} | ${failed} | ${held} | ${captures} | ${ledgerOk ? 'yes' : 'NO'} (spent ${spent._sum.cost}) |`,
);

if (cpu) {
  // Includes the bench's own polling once every task is created (a count of the unfinished ones every 20 ms).
  console.log(`\nCPU per task (ms), from /proc over the run: this process (${api ? 'the HTTP client' : 'the API: createTask'}), ${api ? 'the API process, ' : ''}workers, all PostgreSQL and Redis processes\n`);
  // Totals per process (the kernel parts, `(sys)`, are left out here).
  for (const k of Object.keys(cpu)) if (k.endsWith(' (sys)')) delete cpu[k];
  const keys = Object.keys(cpu);
  console.log(`| ${keys.map((k) => (k === 'self' ? (api ? 'bench (client)' : 'API') : k)).join(' | ')} | total |`);
  console.log(`|${keys.map(() => '---|').join('')}---|`);
  const sum = Object.values(cpu).reduce((a, b) => a + b, 0);
  console.log(`| ${keys.map((k) => ((cpu[k]! * 1000) / total).toFixed(2)).join(' | ')} | ${((sum * 1000) / total).toFixed(2)} |`);
}
console.log(probeLine(probeBefore));

for (const p of procs) await p.stop();
await pool?.close();
await api?.stop();
await app.close();
await database.close();
await db.drop();
// Removed now rather than at the next run's start, where the file system's deferred work would fall into its measurement.
rmSync(dataDir, { recursive: true, force: true });
process.exit(0);

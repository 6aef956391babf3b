// Fault injection: the platform under load while its parts fail. Each scenario starts its own
// processes on a new database, keeps users creating image tasks while the fault is injected, waits
// until every task has ended, and checks that nothing was lost and nothing charged twice:
//   - every request got its task (clients retry a failed request with the same Idempotency-Key,
//     as the API asks them to) and no retry made a second task;
//   - every task ended; a succeeded task has exactly one capture and one image, any other none;
//   - no credit hold is left; each balance is its sign-up grant less the cost of its succeeded
//     tasks, and the ledger's entries add up to it.
// Scenarios:
//   kills    20 SIGKILLs of worker processes, each replaced (2 workers, API apart);
//   redis    the Redis server killed (SIGKILL) and later shut down (SIGTERM) under load, restarted
//            each time on its append-only file (a Redis of the bench's own on port 6391), and a
//            subscriber that must see tasks end after the restarts;
//   pg       every connection to the database terminated by PostgreSQL, once a second, 15 times;
//   restart  the embedded default (`npm start`: one process, PGlite, in-process queue) stopped with
//            SIGTERM and later killed with SIGKILL while tasks run, and started again each time.
//
// Usage: node --import tsx bench/faults.ts [kills|redis|pg|restart|all=all]
import { randomUUID } from 'node:crypto';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { createClient } from 'graphql-ws';
import pg from 'pg';
import WebSocket from 'ws';
import { openDatabase, type Database } from '../src/db.js';
import { startServerProcess, type ServerProcess } from '../test/helpers/process.js';
import { startRedisServer } from '../test/helpers/redis.js';
import { benchEnv, freshDatabase, PG, spawnRole } from './common.js';

const which = process.argv[2] ?? 'all';
const SIGNUP = 100_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface User {
  token: string;
  id: number;
}
interface Made {
  taskId: number;
  user: number;
  tries: number;
}

/** A GraphQL POST that never throws: network errors and timeouts come back as status 0. */
async function post(url: string, query: string, variables: unknown, token?: string, headers: Record<string, string> = {}) {
  try {
    const res = await fetch(url + '/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers },
      body: JSON.stringify({ query, variables }),
      signal: AbortSignal.timeout(20_000),
    });
    const text = await res.text();
    let body: { data?: any; errors?: { message: string; extensions?: { code?: string } }[] } = {};
    try {
      body = JSON.parse(text);
    } catch {
      body = { errors: [{ message: text.slice(0, 200) }] };
    }
    return { status: res.status, body };
  } catch (err) {
    return { status: 0, body: { errors: [{ message: (err as Error).message, extensions: { code: 'NETWORK' } }] } };
  }
}

async function register(url: string, name: string): Promise<User> {
  for (let i = 0; ; i++) {
    const r = await post(url, 'mutation ($i: RegisterInput!) { register(input: $i) { accessToken user { databaseId } } }', { i: { username: name, email: `${name}@example.com`, password: 'Passw0rdOK' } });
    if (r.body.data?.register) return { token: r.body.data.register.accessToken, id: r.body.data.register.user.databaseId };
    if (i > 20) throw new Error(`register ${name}: ${JSON.stringify(r.body)}`);
    await sleep(500);
  }
}

/**
 * Users creating image tasks, `concurrency` requests at a time with a pause between, through the
 * given APIs in turn (a function, so a restarted API's new address is used). A request that fails
 * for any reason is sent again with the same Idempotency-Key (up to 30 times; the well-formed
 * requests here are refused only by the faults).
 */
function load(apis: () => string[], users: User[], concurrency: number, pauseMs: number) {
  const made: Made[] = [];
  const failures = new Map<string, number>();
  const unanswered: string[] = [];
  let stopping = false;
  let n = 0;
  const one = async () => {
    const i = n++;
    const u = users[i % users.length]!;
    const key = randomUUID();
    for (let tries = 1; ; tries++) {
      const list = apis();
      const url = list[(i + tries) % list.length]!;
      const r = await post(url, 'mutation ($p: String!) { generateImage(input: { model: "sd15", prompt: $p, width: 64, height: 64 }) { databaseId } }', { p: `fault ${i}` }, u.token, { 'idempotency-key': key });
      const id = r.body.data?.generateImage?.databaseId;
      if (id) return void made.push({ taskId: id, user: u.id, tries });
      const code = r.status === 0 ? 'network' : `${r.status} ${r.body.errors?.[0]?.extensions?.code ?? r.body.errors?.[0]?.message?.slice(0, 60) ?? '?'}`;
      failures.set(code, (failures.get(code) ?? 0) + 1);
      if (tries >= 30) return void unanswered.push(key);
      await sleep(Math.min(2000, 100 * tries));
    }
  };
  const loops = Array.from({ length: concurrency }, async () => {
    while (!stopping) {
      await one();
      await sleep(pauseMs);
    }
  });
  return {
    made,
    failures,
    unanswered,
    async stop() {
      stopping = true;
      await Promise.all(loops);
    },
  };
}

interface Verdict {
  tasks: number;
  succeeded: number;
  failed: string;
  duplicates: number;
  holdsLeft: number;
  doubleCaptures: number;
  capturesOk: boolean;
  imagesOk: boolean;
  balancesOk: boolean;
  ledgerOk: boolean;
  maxAttempts: number;
  rerun: number;
}

/** Waits until the users' tasks have all ended, then checks the books. */
async function verify(database: Database, made: Made[], users: User[], waitMs = 300_000): Promise<Verdict> {
  const { prisma } = database;
  const ids = users.map((u) => u.id);
  const t0 = Date.now();
  for (;;) {
    const open = await prisma.task.count({ where: { userId: { in: ids }, status: { in: ['queued', 'running'] } } }).catch(() => -1);
    if (open === 0) break;
    if (Date.now() - t0 > waitMs) throw new Error(`${open} tasks still open after ${waitMs / 1000} s`);
    await sleep(500);
  }
  const tasks = await prisma.task.findMany({ where: { userId: { in: ids } }, select: { id: true, userId: true, status: true, cost: true, attempts: true, errorCode: true } });
  const captures = await prisma.creditEntry.groupBy({ by: ['taskId'], where: { kind: 'capture', userId: { in: ids } }, _count: { _all: true } });
  const capturesOf = new Map(captures.map((c) => [c.taskId, c._count._all]));
  const images = await prisma.asset.groupBy({ by: ['taskId'], where: { userId: { in: ids } }, _count: { _all: true } });
  const imagesOf = new Map(images.map((c) => [c.taskId, c._count._all]));
  const accounts = await prisma.creditAccount.findMany({ where: { userId: { in: ids } } });
  const ledger = await prisma.creditEntry.groupBy({ by: ['userId'], where: { userId: { in: ids } }, _sum: { amount: true, reservedDelta: true } });
  const ledgerOf = new Map(ledger.map((l) => [l.userId, l._sum]));
  const madeIds = new Set(made.map((m) => m.taskId));
  const failed = new Map<string, number>();
  for (const t of tasks) if (t.status !== 'succeeded') failed.set(`${t.status}:${t.errorCode}`, (failed.get(`${t.status}:${t.errorCode}`) ?? 0) + 1);
  const spentBy = new Map<number, number>();
  for (const t of tasks) if (t.status === 'succeeded') spentBy.set(t.userId, (spentBy.get(t.userId) ?? 0) + t.cost);
  return {
    tasks: tasks.length,
    succeeded: tasks.filter((t) => t.status === 'succeeded').length,
    failed: [...failed].map(([k, v]) => `${v} ${k}`).join(', ') || '0',
    // Tasks no request was answered with: a retry that made a second task.
    duplicates: tasks.filter((t) => !madeIds.has(t.id)).length + (made.length - madeIds.size),
    holdsLeft: await prisma.creditHold.count({ where: { userId: { in: ids }, status: 'held' } }),
    doubleCaptures: captures.filter((c) => c._count._all > 1).length,
    capturesOk: tasks.every((t) => (capturesOf.get(t.id) ?? 0) === (t.status === 'succeeded' ? 1 : 0)),
    imagesOk: tasks.every((t) => (imagesOf.get(t.id) ?? 0) === (t.status === 'succeeded' ? 1 : 0)),
    balancesOk: accounts.length === users.length && accounts.every((a) => a.available === SIGNUP - (spentBy.get(a.userId) ?? 0) && a.reserved === 0),
    ledgerOk: accounts.every((a) => ledgerOf.get(a.userId)?.amount === a.available && (ledgerOf.get(a.userId)?.reservedDelta ?? 0) === a.reserved),
    maxAttempts: Math.max(0, ...tasks.map((t) => t.attempts)),
    rerun: tasks.filter((t) => t.attempts > 1).length,
  };
}

const rows: string[] = [];
let allOk = true;
function report(name: string, faults: string, l: ReturnType<typeof load>, v: Verdict, extra = '') {
  const retried = l.made.filter((m) => m.tries > 1).length;
  const errs = [...l.failures].map(([k, c]) => `${c}× ${k}`).join('; ') || 'none';
  const ok = v.duplicates === 0 && l.unanswered.length === 0 && v.tasks === l.made.length && v.holdsLeft === 0 && v.doubleCaptures === 0 && v.capturesOk && v.imagesOk && v.balancesOk && v.ledgerOk;
  if (!ok) allOk = false;
  rows.push(
    `| ${name} | ${faults} | ${l.made.length + l.unanswered.length} | ${retried} (${errs}) | ${l.unanswered.length} | ${v.tasks} | ${v.duplicates} | ${v.succeeded} | ${v.failed} | ${v.rerun} (${v.maxAttempts}) | ${v.holdsLeft} | ${v.doubleCaptures} | ${v.capturesOk && v.imagesOk ? 'yes' : 'NO'} | ${v.balancesOk && v.ledgerOk ? 'yes' : 'NO'} |${extra ? ` ${extra} |` : ''}`,
  );
  console.log(rows.at(-1));
}

const common = { DEMO_DELAY_MS: '600', WORKER_CONCURRENCY: '4', SIGNUP_CREDITS: String(SIGNUP), TASK_LOCK_MS: '2000', TASK_BACKOFF_MS: '200', TASK_SWEEP_MS: '3000', RATE_LIMIT_API_PER_MINUTE: '10000000', TIER_LIMITS: JSON.stringify({ free: { perMinute: 1000000, daily: null, weekly: null, monthly: null } }) };

async function production(tag: string, extra: Record<string, string>, body: (ctx: { env: Record<string, string>; api: ServerProcess; workers: ServerProcess[]; database: Database; url: string }) => Promise<void>) {
  const db = await freshDatabase(tag);
  const env = benchEnv(tag, db.url, { ...common, ...extra });
  const procs: ServerProcess[] = [];
  const api = await spawnRole('serve', { ...env, MIGRATE_ON_START: 'true' });
  procs.push(api);
  const workers = await Promise.all([spawnRole('worker', env), spawnRole('worker', env)]);
  procs.push(...workers);
  const database = await openDatabase({ url: db.url, poolSize: 2 });
  try {
    await body({ env, api, workers, database, url: db.url });
  } finally {
    await database.prisma.$disconnect().catch(() => {});
    for (const p of [...procs, ...workers]) {
      if (p.proc.exitCode === null && p.proc.signalCode === null) p.proc.kill('SIGKILL');
    }
    await sleep(300);
    await db.drop();
  }
}

async function kills() {
  await production('faults_kills', {}, async ({ env, api, workers, database }) => {
    const users = await Promise.all(Array.from({ length: 6 }, (_, i) => register(api.url, `kill${i}`)));
    // Below what the workers run between the kills (2 × 4 tasks of 600 ms, one worker often
    // restarting), so the queue drains once the kills stop.
    const l = load(() => [api.url], users, 2, 300);
    for (let k = 0; k < 20; k++) {
      await sleep(800);
      const slot = k % 2;
      const victim = workers[slot]!;
      victim.proc.kill('SIGKILL');
      workers[slot] = await spawnRole('worker', env);
    }
    await l.stop();
    report('kills', '20 worker SIGKILLs, each worker replaced at once', l, await verify(database, l.made, users));
  });
}

/** A Redis of the bench's own, with its append-only file in `dir` (as docker-compose.yml runs it, fsync on every write). */
const startRedis = (port: number, dir: string) => startRedisServer(port, ['--dir', dir, '--appendonly', 'yes', '--appendfsync', 'always', '--save', ''], 5_000);

async function redis() {
  const port = 6391;
  const dir = '/tmp/genhub-faults-redis';
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  let server = await startRedis(port, dir);
  try {
    await production('faults_redis', { REDIS_URL: `redis://127.0.0.1:${port}` }, async ({ api, database }) => {
      const users = await Promise.all(Array.from({ length: 6 }, (_, i) => register(api.url, `redis${i}`)));
      // A subscriber following the first user's tasks throughout.
      const ended = new Set<number>();
      const ws = createClient({ url: api.url.replace('http', 'ws') + '/graphql', webSocketImpl: WebSocket, connectionParams: { Authorization: `Bearer ${users[0]!.token}` }, lazy: false, retryAttempts: 100 });
      const sub = ws.iterate<any>({ query: 'subscription { myTaskEvents { type task { databaseId } } }' });
      void (async () => {
        for await (const m of sub) if (m.data?.myTaskEvents.type === 'succeeded') ended.add(m.data.myTaskEvents.task.databaseId);
      })().catch(() => {});
      await sleep(500);
      const l = load(() => [api.url], users, 4, 150);
      await sleep(3000);
      server.kill('SIGKILL');
      await sleep(2000);
      server = await startRedis(port, dir);
      await sleep(4000);
      server.kill('SIGTERM');
      await new Promise((r) => server.once('exit', r));
      await sleep(2000);
      server = await startRedis(port, dir);
      const restartedAt = l.made.length;
      await sleep(5000);
      await l.stop();
      const v = await verify(database, l.made, users);
      // Tasks made after the second restart: their ends must reach the subscriber.
      const after = l.made.slice(restartedAt).filter((m) => m.user === users[0]!.id);
      for (let i = 0; i < 100 && after.some((m) => !ended.has(m.taskId)); i++) await sleep(100);
      const seen = after.filter((m) => ended.has(m.taskId)).length;
      await ws.dispose();
      if (seen !== after.length) allOk = false;
      report('redis', 'Redis SIGKILL, down 2 s; later SIGTERM, down 2 s', l, v, `subscriber saw ${seen} of ${after.length} task ends after the restarts`);
    });
  } finally {
    server.kill('SIGKILL');
  }
}

async function pgDrops() {
  await production('faults_pg', {}, async ({ api, database, url }) => {
    const users = await Promise.all(Array.from({ length: 6 }, (_, i) => register(api.url, `pgdrop${i}`)));
    const admin = new pg.Client({ connectionString: PG });
    await admin.connect();
    const name = new URL(url).pathname.slice(1);
    const l = load(() => [api.url], users, 4, 150);
    let dropped = 0;
    for (let k = 0; k < 15; k++) {
      await sleep(1000);
      const r = await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [name]);
      dropped += r.rowCount ?? 0;
    }
    await l.stop();
    await admin.end();
    const after = await post(api.url, '{ me { credits { available } } }', {}, users[0]!.token);
    report('pg', `15 rounds of pg_terminate_backend (${dropped} connections dropped)`, l, await verify(database, l.made, users), `API answers after: ${after.body.data?.me ? 'yes' : 'NO'}`);
    if (!after.body.data?.me) allOk = false;
  });
}

async function restart() {
  const dataDir = '/tmp/genhub-faults-restart';
  rmSync(dataDir, { recursive: true, force: true });
  const env = { ...common, DEMO_DELAY_MS: '1500', JWT_SECRET: 'restart-'.padEnd(40, 'x'), DATA_DIR: dataDir, HOST: '127.0.0.1' };
  let server = await startServerProcess(env);
  const users = await Promise.all(Array.from({ length: 4 }, (_, i) => register(server.url, `restart${i}`)));
  const l = load(() => [server.url], users, 3, 300);
  for (const signal of ['SIGTERM', 'SIGKILL', 'SIGTERM', 'SIGKILL'] as const) {
    await sleep(3000);
    const old = server;
    old.proc.kill(signal);
    await new Promise((r) => (old.proc.exitCode !== null || old.proc.signalCode !== null ? r(null) : old.proc.once('exit', r)));
    server = await startServerProcess(env);
  }
  await sleep(2000);
  await l.stop();
  // Wait for the tasks through the API, then read the books from the stopped database.
  for (let i = 0; ; i++) {
    const states = await Promise.all(l.made.slice(-20).map((m) => post(server.url, 'query ($id: ID!) { task(id: $id) { status } }', { id: String(m.taskId) }, users.find((u) => u.id === m.user)!.token)));
    if (states.every((s) => ['succeeded', 'failed', 'canceled'].includes(s.body.data?.task?.status))) break;
    if (i > 600) throw new Error('tasks did not end');
    await sleep(200);
  }
  await server.stop();
  const database = await openDatabase({ dataDir: join(dataDir, 'pglite') });
  try {
    report('restart', 'embedded: SIGTERM, SIGKILL, SIGTERM, SIGKILL while tasks ran, restarted each time', l, await verify(database, l.made, users, 30_000));
  } finally {
    await database.close();
  }
}

console.log(`\nFault injection, ${new Date().toISOString().slice(0, 10)}: image tasks (sd15, 64×64, demo backend), tasks of 600 ms (1500 ms embedded)\n`);
console.log('| scenario | faults | requests | answered after a retry (errors seen) | unanswered | tasks | duplicate tasks | succeeded | not succeeded | run more than once (most runs) | holds left | double captures | one capture and one image per succeeded task, none otherwise | balances = grant − succeeded costs, = ledger |');
console.log('|---|---|---|---|---|---|---|---|---|---|---|---|---|---|');
const scenarios: Record<string, () => Promise<void>> = { kills, redis, pg: pgDrops, restart };
for (const [name, run] of Object.entries(scenarios)) {
  if (which !== 'all' && which !== name) continue;
  try {
    await run();
  } catch (err) {
    allOk = false;
    console.log(`| ${name} | FAILED: ${(err as Error).message.slice(0, 300)} |`);
  }
}
console.log(`\n${allOk ? 'all checks hold' : 'CHECKS FAILED'}`);
process.exit(allOk ? 0 : 1);

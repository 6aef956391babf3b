// Scale-out on PostgreSQL + Redis: 2 API processes and 2 worker processes (src/main.ts serve /
// worker), as production runs them. Checks, and prints as a table:
//   - tasks created through both APIs spread across both workers (the demo backend's job id names
//     the process that ran it), each run exactly once (one claim each), none lost, the ledger
//     balanced (no hold left, one capture per task);
//   - a subscriber on API A receives every task's end, whichever API created it;
//   - rate limits are shared: a tier allowing 10 AI requests a minute gets exactly 10 through,
//     whichever instance each request reaches.
//
// Usage: node --import tsx bench/scale-out.ts [tasks=400] [concurrency=16]
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { openDatabase } from '../src/db.js';
import { postGraphql, type ServerProcess } from '../test/helpers/process.js';
import { benchEnv, freshDatabase, spawnRole } from './common.js';

const total = Number(process.argv[2] ?? 400);
const concurrency = Number(process.argv[3] ?? 16);

const db = await freshDatabase('scale');
const env = benchEnv('scale', db.url, {
  DEMO_DELAY_MS: '50', WORKER_CONCURRENCY: '4', SIGNUP_CREDITS: '100000',
  RATE_LIMIT_API_PER_MINUTE: '1000000',
  TIER_LIMITS: JSON.stringify({ free: { perMinute: 100000, daily: null, weekly: null, monthly: null }, basic: { perMinute: 10, daily: null, weekly: null, monthly: null } }),
});
const procs: ServerProcess[] = [];
// The first process migrates the new database; the others start on it.
const a = await spawnRole('serve', { ...env, MIGRATE_ON_START: 'true' });
procs.push(a);
const [b, w1, w2] = await Promise.all([spawnRole('serve', env), spawnRole('worker', env), spawnRole('worker', env)]);
procs.push(b!, w1!, w2!);
const workerPids = [w1!.proc.pid!, w2!.proc.pid!];
const database = await openDatabase({ url: db.url, poolSize: 4 });

async function register(url: string, name: string) {
  const r = await postGraphql(url, 'mutation ($i: RegisterInput!) { register(input: $i) { accessToken user { databaseId } } }', { i: { username: name, email: `${name}@example.com`, password: 'Passw0rdOK' } });
  if (!r.body.data) throw new Error(JSON.stringify(r.body));
  return { token: r.body.data.register.accessToken as string, id: r.body.data.register.user.databaseId as number };
}
const generate = (url: string, token: string, prompt: string) =>
  postGraphql(url, 'mutation ($p: String!) { generateImage(input: { model: "sd15", prompt: $p, width: 64, height: 64 }) { databaseId } }', { p: prompt }, token);

try {
  const users = await Promise.all(Array.from({ length: 8 }, (_, i) => register(i % 2 ? b!.url : a.url, `scale${i}`)));

  // A subscriber on A for the first user: it must see the end of each of that user's tasks.
  const watcher = users[0]!;
  const ws = createClient({ url: a.url.replace('http', 'ws') + '/graphql', webSocketImpl: WebSocket, connectionParams: { Authorization: `Bearer ${watcher.token}` }, lazy: false });
  const ended = new Set<number>();
  const sub = ws.iterate<any>({ query: 'subscription { myTaskEvents { type task { databaseId } } }' });
  void (async () => {
    for await (const m of sub) if (m.data?.myTaskEvents.type === 'succeeded') ended.add(m.data.myTaskEvents.task.databaseId);
  })().catch(() => {});
  await new Promise((r) => setTimeout(r, 500));

  // Tasks through both APIs, `concurrency` at a time.
  const t0 = performance.now();
  const made: { id: number; via: 'A' | 'B'; user: number }[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let i = next++; i < total; i = next++) {
        const via = i % 2 ? 'B' : 'A';
        const u = users[Math.floor(i / 2) % users.length]!; // every user through both APIs
        const r = await generate(via === 'A' ? a.url : b!.url, u.token, `scale ${i}`);
        if (!r.body.data) throw new Error(JSON.stringify(r.body));
        made.push({ id: r.body.data.generateImage.databaseId, via, user: u.id });
      }
    }),
  );
  const createdMs = performance.now() - t0;
  for (;;) {
    const open = await database.prisma.task.count({ where: { status: { in: ['queued', 'running'] } } });
    if (!open) break;
    if (performance.now() - t0 > 300_000) throw new Error(`${open} tasks still open after 5 minutes`);
    await new Promise((r) => setTimeout(r, 200));
  }
  const doneMs = performance.now() - t0;
  const rows = await database.prisma.task.findMany({ where: { id: { in: made.map((m) => m.id) } } });
  const byWorker = new Map<number, number>();
  for (const t of rows) {
    const pid = Number(/^demo-(\d+)-/.exec(t.providerJobId ?? '')?.[1]);
    byWorker.set(pid, (byWorker.get(pid) ?? 0) + 1);
  }
  const succeeded = rows.filter((t) => t.status === 'succeeded').length;
  const once = rows.filter((t) => t.attempts === 1).length;
  const held = await database.prisma.creditHold.count({ where: { status: 'held' } });
  const captures = await database.prisma.creditEntry.count({ where: { kind: 'capture', taskId: { in: made.map((m) => m.id) } } });
  const watched = made.filter((m) => m.user === watcher.id);
  for (let i = 0; i < 50 && watched.some((m) => !ended.has(m.id)); i++) await new Promise((r) => setTimeout(r, 100));
  const seenFromB = watched.filter((m) => m.via === 'B' && ended.has(m.id)).length;
  const seenFromA = watched.filter((m) => m.via === 'A' && ended.has(m.id)).length;
  await ws.dispose();

  // Shared rate limits: a basic-tier user (10 AI requests a minute), 8 requests to each API.
  const limited = await register(a.url, 'scale_limited');
  await database.prisma.user.update({ where: { id: limited.id }, data: { tier: 'basic' } });
  const tries = await Promise.all(Array.from({ length: 16 }, (_, i) => generate(i % 2 ? b!.url : a.url, limited.token, `limit ${i}`)));
  const accepted = tries.filter((r) => r.body.data?.generateImage).length;
  const refused = tries.filter((r) => r.body.errors?.[0]?.extensions?.code === 'RATE_LIMITED').length;

  console.log(`\n2 API + 2 worker processes (concurrency 4 each), PostgreSQL + Redis, ${new Date().toISOString().slice(0, 10)}\n`);
  console.log('| tasks | via A / B | created in (s) | all done in (s) | succeeded | run once | worker 1 / worker 2 | holds left | captures |');
  console.log('|---|---|---|---|---|---|---|---|---|');
  console.log(
    `| ${total} | ${made.filter((m) => m.via === 'A').length} / ${made.filter((m) => m.via === 'B').length} | ${(createdMs / 1000).toFixed(2)} | ${(doneMs / 1000).toFixed(2)} | ${succeeded} | ${once} | ${byWorker.get(workerPids[0]!) ?? 0} / ${byWorker.get(workerPids[1]!) ?? 0} | ${held} | ${captures} |`,
  );
  console.log('\n| subscriber on A: ends seen of tasks made via A | … via B | AI limit 10/min: accepted | refused (429) |');
  console.log('|---|---|---|---|');
  console.log(`| ${seenFromA} of ${watched.filter((m) => m.via === 'A').length} | ${seenFromB} of ${watched.filter((m) => m.via === 'B').length} | ${accepted} of 16 | ${refused} |`);
  const ok = succeeded === total && once === total && held === 0 && captures === total && workerPids.every((p) => (byWorker.get(p) ?? 0) > 0) && seenFromA + seenFromB === watched.length && accepted === 10 && refused === 6;
  console.log(`\n${ok ? 'all checks hold' : 'CHECKS FAILED'}`);
  if (!ok) process.exitCode = 1;
} finally {
  await database.prisma.$disconnect();
  for (const p of procs.reverse()) await p.stop();
  await db.drop();
}

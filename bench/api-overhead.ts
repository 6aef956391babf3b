// P1 and P2: what the GraphQL stack and the REST layer cost over a bare handler, side by side in
// one run, on PostgreSQL + Redis.
//   P1: GraphQL `me { id email credits { available reserved } }` with an API key (an API process,
//       src/main.ts serve) against a bare node:http + pg handler doing the same lookup (the key's
//       hash → its user and credit account) in a process of its own. Goal ≥ 0.5 of its req/s.
//   P2: a REST route (`GET /v1/models`) against the GraphQL operation it runs
//       (`{ models { id kind name description updatedAt } }`), same key. Goal ≥ 0.9.
// Callers: K users with an API key each (default one per connection), each request with the next
// key in turn, so that requests in flight at once are mostly of different callers.
// Load: autocannon from this process, C connections for S seconds per target, after a warm-up,
// in R rounds of S/R seconds: each round runs every target once, in an order rotated from round to
// round, so that a slow spell of the shared machine falls on all targets alike rather than on
// whichever ran then. Rates are each target's requests over its seconds; each round's ratios are
// printed too.
//
// Usage: node --import tsx bench/api-overhead.ts [connections=32] [seconds=10] [rounds=5] [keys=connections]
import { spawn } from 'node:child_process';
import autocannon from 'autocannon';
import { openDatabase } from '../src/db.js';
import { createApiKey } from '../src/modules/apikeys/apikeys.service.js';
import { benchEnv, cpuMeter, freshDatabase, machineProbe, probeLine, spawnRole } from './common.js';

const connections = Number(process.argv[2] ?? 32);
const seconds = Number(process.argv[3] ?? 10);
const rounds = Math.max(1, Number(process.argv[4] ?? 5));
const keyCount = Math.max(1, Number(process.argv[5] ?? connections));

const probeBefore = machineProbe();
const db = await freshDatabase('p1');
const env = benchEnv('p1', db.url, { MIGRATE_ON_START: 'true', PORT: '4871', RATE_LIMIT_API_PER_MINUTE: '100000000', NODE_ENV: 'production' });
const api = await spawnRole('serve', env);
const database = await openDatabase({ url: db.url, poolSize: 4 });
const keys: string[] = [];
for (let i = 0; i < keyCount; i++) {
  const user = await database.prisma.user.create({ data: { username: `p1user${i}`, email: `p1-${i}@example.com`, creditAccount: { create: { available: 1000 } } } });
  keys.push((await createApiKey({ prisma: database.prisma }, user.id, { name: 'bench' })).key);
}
const key = keys[0]!;
await database.prisma.$disconnect();

// The bare handler, in its own process like the API (BARE_NODE_ARGS adds node flags, e.g. --cpu-prof).
const bare = spawn(process.execPath, [...(process.env.BARE_NODE_ARGS ?? '').split(' ').filter(Boolean), '--import', 'tsx', new URL('./bare-me.ts', import.meta.url).pathname], { env: { ...process.env, DATABASE_URL: db.url, PORT: '4872' }, stdio: ['ignore', 'pipe', 'inherit'] });
await new Promise<void>((resolve, reject) => {
  bare.stdout!.on('data', (d: Buffer) => d.toString().includes('listening') && resolve());
  bare.once('exit', (code) => reject(new Error(`bare handler exited ${code}`)));
});

const ME = JSON.stringify({ query: '{ me { id email credits { available reserved } } }' });
const MODELS = JSON.stringify({ query: '{ models { id kind name description updatedAt } }' });
const gqlHeaders = { 'content-type': 'application/json', 'x-api-key': key, accept: 'application/graphql-response+json' };

type Target = { name: string; url: string; method: 'GET' | 'POST'; headers: Record<string, string>; body?: string; check(body: string): boolean };
/** The header that carries each target's key; every request takes the next key. */
const keyHeader = (t: Target) => ('x-api-key' in t.headers ? 'x-api-key' : 'authorization');
let next = 0;
const withNextKey = (t: Target) => (req: autocannon.Request): autocannon.Request => {
  const k = keys[next++ % keys.length]!;
  return { ...req, headers: { ...t.headers, [keyHeader(t)]: keyHeader(t) === 'authorization' ? `Bearer ${k}` : k } };
};
const targets: Record<string, Target> = {
  bare: { name: 'bare node:http + pg', url: 'http://127.0.0.1:4872/me', method: 'GET', headers: { 'x-api-key': key }, check: (b) => JSON.parse(b).email === 'p1-0@example.com' },
  me: { name: 'GraphQL me', url: `${api.url}/graphql`, method: 'POST', headers: gqlHeaders, body: ME, check: (b) => JSON.parse(b).data?.me?.email === 'p1-0@example.com' },
  rest: { name: 'REST GET /v1/models', url: `${api.url}/v1/models`, method: 'GET', headers: { authorization: `Bearer ${key}` }, check: (b) => JSON.parse(b).data?.length > 0 },
  models: { name: 'GraphQL models', url: `${api.url}/graphql`, method: 'POST', headers: gqlHeaders, body: MODELS, check: (b) => JSON.parse(b).data?.models?.length > 0 },
};

async function run(t: Target, duration: number) {
  // One checked request first: a benchmark of errors measures nothing.
  const res = await fetch(t.url, { method: t.method, headers: t.headers, body: t.body });
  const text = await res.text();
  if (res.status !== 200 || !t.check(text)) throw new Error(`${t.name}: ${res.status} ${text.slice(0, 300)}`);
  const meter = cpuMeter({ api: api.proc.pid, bare: bare.pid });
  const r = await autocannon({ url: t.url, method: t.method, headers: t.headers, body: t.body, connections, duration, requests: [{ setupRequest: withNextKey(t) }] });
  const cpu = meter?.() ?? {};
  return { rps: r.requests.total / duration, p50: r.latency.p50, p99: r.latency.p99, non2xx: r.non2xx, errors: r.errors + r.timeouts, total: r.requests.total, cpu };
}
type Run = Awaited<ReturnType<typeof run>>;

try {
  // BENCH_TARGETS=me,bare runs only those (e.g. to profile one of them); ratios need both sides.
  const only = process.env.BENCH_TARGETS?.split(',');
  if (only) for (const k of Object.keys(targets)) if (!only.includes(k)) delete targets[k];
  for (const t of Object.values(targets)) await run(t, 2); // warm-up: JIT, pools, caches
  const keys = Object.keys(targets);
  const per: Record<string, Run[]> = Object.fromEntries(keys.map((k) => [k, []]));
  const slice = seconds / rounds;
  for (let i = 0; i < rounds; i++) {
    const order = [...keys.slice(i % keys.length), ...keys.slice(0, i % keys.length)];
    for (const k of order) per[k]!.push(await run(targets[k]!, slice));
  }
  // Over all rounds: requests over seconds; latencies are the rounds' medians.
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
  const out: Record<string, Run> = Object.fromEntries(
    keys.map((k) => {
      const rs = per[k]!;
      const cpu: Record<string, number> = {};
      for (const r of rs) for (const [p, v] of Object.entries(r.cpu)) cpu[p] = (cpu[p] ?? 0) + v;
      return [k, { rps: sum(rs.map((r) => r.total)) / seconds, p50: median(rs.map((r) => r.p50)), p99: median(rs.map((r) => r.p99)), non2xx: sum(rs.map((r) => r.non2xx)), errors: sum(rs.map((r) => r.errors)), total: sum(rs.map((r) => r.total)), cpu }];
    }),
  );
  console.log(`\n${connections} connections, ${keyCount} API keys (users) in turn, ${seconds} s each in ${rounds} rounds, ${new Date().toISOString().slice(0, 10)}\n`);
  console.log('| target | req/s | p50 (ms) | p99 (ms) | requests | non-2xx | errors |');
  console.log('|---|---|---|---|---|---|---|');
  for (const [k, t] of Object.entries(targets)) {
    const r = out[k]!;
    console.log(`| ${t.name} | ${Math.round(r.rps)} | ${r.p50} | ${r.p99} | ${r.total} | ${r.non2xx} | ${r.errors} |`);
  }
  // CPU per request of each process over the target's runs (/proc; the bench process is the load).
  const us = (r: Run, p: string) => Math.round(((r.cpu[p] ?? 0) * 1e6) / Math.max(1, r.total));
  console.log('\nCPU per request (µs): | target | server process | of which kernel | PostgreSQL | Redis | load (autocannon) | total |');
  console.log('|---|---|---|---|---|---|---|');
  for (const [k, t] of Object.entries(targets)) {
    const r = out[k]!;
    const proc = k === 'bare' ? 'bare' : 'api';
    const server = us(r, proc);
    console.log(`| ${t.name} | ${server} | ${us(r, `${proc} (sys)`)} | ${us(r, 'postgres')} | ${us(r, 'redis')} | ${us(r, 'self')} | ${server + us(r, 'postgres') + us(r, 'redis') + us(r, 'self')} |`);
  }
  if (out.me && out.bare) {
    const p1 = out.me.rps / out.bare.rps;
    console.log(`\nP1 per round: ${per.me!.map((r, i) => (r.rps / per.bare![i]!.rps).toFixed(2)).join(' ')}`);
    console.log(`P1 GraphQL me / bare: ${p1.toFixed(2)} (goal ≥ 0.5) ${p1 >= 0.5 ? 'met' : 'NOT met'}`);
  }
  if (out.rest && out.models) {
    const p2 = out.rest.rps / out.models.rps;
    console.log(`\nP2 per round: ${per.rest!.map((r, i) => (r.rps / per.models![i]!.rps).toFixed(2)).join(' ')}`);
    console.log(`P2 REST /v1/models / GraphQL models: ${p2.toFixed(2)} (goal ≥ 0.9) ${p2 >= 0.9 ? 'met' : 'NOT met'}`);
  }
  console.log(probeLine(probeBefore));
} finally {
  bare.kill('SIGTERM');
  await api.stop();
  await db.drop();
}

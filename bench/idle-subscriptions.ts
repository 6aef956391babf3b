// P5: N idle graphql-ws subscriptions in one API process (src/main.ts serve, PostgreSQL + Redis),
// one WebSocket connection each; goal for 10,000: under 300 MB RSS. The process's RSS is read from
// /proc before and with the subscriptions open; then one event (a new task's "created") must
// reach every subscriber, which shows they were all live.
//
// Usage: node --import tsx bench/idle-subscriptions.ts [subscriptions=10000]
//   (BENCH_ENTRY=dist/main.mjs after `npm run build` measures the compiled bundle)
import { readFileSync } from 'node:fs';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { loadConfig } from '../src/config.js';
import { openDatabase } from '../src/db.js';
import { startSession } from '../src/modules/auth/auth.service.js';
import { createTokenSigner } from '../src/modules/auth/tokens.js';
import { postGraphql } from '../test/helpers/process.js';
import { benchEnv, freshDatabase, spawnRole } from './common.js';

const n = Number(process.argv[2] ?? 10000);
// P5_CONNECT_ONLY=1: the connections without their subscriptions, to tell the two costs apart.
const connectOnly = process.env.P5_CONNECT_ONLY === '1';
const db = await freshDatabase('p5');
const env = benchEnv('p5', db.url, { MIGRATE_ON_START: 'true', PORT: '4873', RATE_LIMIT_API_PER_MINUTE: '100000000', NODE_ENV: 'production' });
const api = await spawnRole('serve', env);
const rssMb = () => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${api.proc.pid}/status`, 'utf8'))![1]) / 1024;
const database = await openDatabase({ url: db.url, poolSize: 2 });
const config = loadConfig(env);
const user = await database.prisma.user.create({ data: { username: 'p5user', creditAccount: { create: { available: 100 } } } });
const { accessToken: token } = await startSession({ prisma: database.prisma, config, tokens: createTokenSigner(config.jwtSecret, 3600) } as any, user, {});

const clients: Client[] = [];
let got = 0;
try {
  await postGraphql(api.url, '{ me { id } }', {}, token); // warm: the first request compiles and connects
  await new Promise((r) => setTimeout(r, 1000));
  const before = rssMb();
  const t0 = performance.now();
  for (let i = 0; i < n; i += 250) {
    await Promise.all(
      Array.from({ length: Math.min(250, n - i) }, async () => {
        const c = createClient({ url: api.url.replace('http', 'ws') + '/graphql', webSocketImpl: WebSocket, connectionParams: { Authorization: `Bearer ${token}` }, lazy: false, retryAttempts: 0 });
        clients.push(c);
        await new Promise<void>((resolve, reject) => {
          c.on('connected', () => resolve());
          c.on('error', reject);
        });
        if (!connectOnly) c.subscribe({ query: 'subscription { myTaskEvents { type } }' }, { next: () => void got++, error: () => {}, complete: () => {} });
      }),
    );
  }
  const openMs = performance.now() - t0;
  // Let every subscription register, then measure idle.
  await new Promise((r) => setTimeout(r, Number(process.env.P5_IDLE_MS ?? 5000)));
  const idle = rssMb();
  // One event for all: a task created for the user (no worker runs it; "created" is enough).
  const made = await postGraphql(api.url, 'mutation { generateImage(input: { model: "sd15", prompt: "p5", width: 64, height: 64 }) { databaseId } }', {}, token);
  if (!made.body.data) throw new Error(JSON.stringify(made.body));
  for (let i = 0; i < 100 && got < n && !connectOnly; i++) await new Promise((r) => setTimeout(r, 100));
  const after = rssMb();
  console.log(`\n${n} graphql-ws connections, one idle subscription each, ${new Date().toISOString().slice(0, 10)}\n`);
  console.log('| subscriptions | opened in (s) | RSS before (MB) | RSS idle (MB) | per subscription (KB) | one event received by | RSS after the event (MB) |');
  console.log('|---|---|---|---|---|---|---|');
  console.log(`| ${n} | ${(openMs / 1000).toFixed(1)} | ${before.toFixed(0)} | ${idle.toFixed(0)} | ${(((idle - before) * 1024) / n).toFixed(1)} | ${got} of ${n} | ${after.toFixed(0)} |`);
  console.log(`\nP5 goal (< 300 MB RSS with ${n} idle subscriptions): ${idle < 300 ? 'met' : 'NOT met'}`);
} finally {
  await Promise.all(clients.map((c) => c.dispose()));
  await database.prisma.$disconnect();
  await api.stop();
  await db.drop();
}

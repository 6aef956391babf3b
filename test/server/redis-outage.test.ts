// Redis going away under a running server: requests are answered instead of held, quotas still
// count, and the tasks made meanwhile run once Redis is back, each charged once. A Redis server
// of the test's own, which it stops (SIGSTOP: it stops answering) and kills.
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { startTestServer, type TestServer } from '../helpers/harness.js';
import { manyUsers } from '../helpers/ops.js';
import { haveRedisServer, startRedisServer } from '../helpers/redis.js';
import { waitForTask } from '../helpers/tasks.js';
import { until } from '../helpers/wait.js';

const haveRedis = haveRedisServer();

async function freePort(): Promise<number> {
  const s = createServer().listen(0, '127.0.0.1');
  await once(s, 'listening');
  const port = (s.address() as { port: number }).port;
  s.close();
  return port;
}

const NO_PERSISTENCE = ['--save', '', '--appendonly', 'no'];
const GEN = 'mutation($input: GenerateTextInput!) { generateText(input: $input) { databaseId status } }';
const MONTHLY = 2;

describe('Redis unreachable', { skip: !haveRedis && 'needs redis-server' }, () => {
  let port: number;
  let redis: ChildProcess;
  let t: TestServer;
  before(async () => {
    port = await freePort();
    redis = await startRedisServer(port, NO_PERSISTENCE);
    t = await startTestServer({
      REDIS_URL: `redis://127.0.0.1:${port}`,
      TASK_SWEEP_MS: '1000',
      METRICS_PORT: '0',
      TIER_LIMITS: JSON.stringify({ pro: { perMinute: null, daily: null, weekly: null, monthly: MONTHLY } }),
    });
  });
  after(async () => {
    await t?.close();
    redis?.kill('SIGKILL');
  });

  /** generateText over HTTP, with how long the answer took. */
  async function generate(token: string, prompt: string) {
    const started = Date.now();
    const res = await fetch(`${t.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query: GEN, variables: { input: { model: 'minimax', prompt } } }),
      // Without a bound on the waits for Redis this request is held until Redis returns.
      signal: AbortSignal.timeout(20_000),
    });
    const body = (await res.json()) as { data?: { generateText: { databaseId: number; status: string } } | null; errors?: { extensions?: Record<string, unknown> }[] };
    return { status: res.status, body, ms: Date.now() - started };
  }

  async function proUser(credits: number) {
    const [u] = await manyUsers(t, 1, credits);
    await t.app.deps.prisma.user.update({ where: { id: u!.id }, data: { tier: 'pro' } });
    return u!;
  }

  /** Every task of the user finished and succeeded; the balance fell by their costs, nothing held. */
  async function chargedOnce(userId: number, credits: number, ids: number[]) {
    const tasks = await Promise.all(ids.map((id) => waitForTask(t, id, ['succeeded', 'failed', 'canceled'], 30_000)));
    assert.deepEqual(tasks.map((x) => x.status), ids.map(() => 'succeeded'));
    const { prisma } = t.app.deps;
    const account = await prisma.creditAccount.findUniqueOrThrow({ where: { userId } });
    const spent = tasks.reduce((s, x) => s + Number(x.cost), 0);
    assert.ok(spent > 0);
    assert.equal(Number(account.available), credits - spent);
    assert.equal(Number(account.reserved), 0);
  }

  /** The value of an unlabelled gauge in a scrape of the test server's metrics. */
  async function gauge(name: string): Promise<number> {
    const text = await (await fetch(t.app.metricsUrl!, { signal: AbortSignal.timeout(10_000) })).text();
    const line = text.split('\n').find((l) => l.startsWith(`${name}{`));
    assert.ok(line, `${name} in the scrape`);
    return Number(line.slice(line.lastIndexOf(' ') + 1));
  }

  test('a Redis that stops answering: requests are answered, the tasks run once it answers again', async () => {
    const credits = 100;
    const u = await proUser(credits);
    redis.kill('SIGSTOP');
    const made: Awaited<ReturnType<typeof generate>>[] = [];
    try {
      made.push(await generate(u.token, 'while Redis is stopped'));
      // The first add waited for Redis; the next is not sent until Redis answers again.
      made.push(await generate(u.token, 'while Redis is still stopped'));
      // A scrape is answered too; the queue's depth is unknown, not 0.
      assert.ok(Number.isNaN(await gauge('genhub_queue_waiting_jobs')));
    } finally {
      redis.kill('SIGCONT');
    }
    for (const r of made) {
      assert.equal(r.status, 200, JSON.stringify(r.body));
      assert.equal(r.body.data?.generateText.status, 'queued');
      assert.ok(r.ms < 10_000, `answered after ${r.ms} ms`);
    }
    assert.ok(made[1]!.ms < made[0]!.ms - 1500, `the second request did not wait for the queue: ${made[0]!.ms} ms, then ${made[1]!.ms} ms`);
    await chargedOnce(u.id, credits, made.map((r) => r.body.data!.generateText.databaseId));
  });

  test('a Redis that is gone: tasks are made and queued later, and the monthly quota still holds', async () => {
    const credits = 100;
    const u = await proUser(credits);
    redis.kill('SIGKILL');
    await once(redis, 'exit');
    await until('the Redis connection seen down', async () => (await gauge('genhub_redis_connected')) === 0);
    const made: number[] = [];
    for (let i = 0; i < MONTHLY; i++) {
      const r = await generate(u.token, `while Redis is gone ${i}`);
      assert.equal(r.status, 200, JSON.stringify(r.body));
      assert.equal(r.body.data?.generateText.status, 'queued');
      assert.ok(r.ms < 10_000, `answered after ${r.ms} ms`);
      made.push(r.body.data!.generateText.databaseId);
    }
    // Counted in the database meanwhile, shared by every instance: a month-long window kept in
    // memory lost its count at once while more than 24.8 days of the month were left.
    const refused = await generate(u.token, 'one too many');
    assert.equal(refused.status, 429, JSON.stringify(refused.body));
    assert.equal(refused.body.errors?.[0]?.extensions?.code, 'RATE_LIMITED');
    assert.equal(refused.body.errors?.[0]?.extensions?.quota, 'monthly');
    assert.equal(await t.app.deps.prisma.task.count({ where: { userId: u.id } }), MONTHLY);
    // Counted in the database, whatever the day of the month (the refused one given back).
    const counted = await t.app.deps.prisma.rateLimit.findMany({ where: { key: { startsWith: `ai:monthly:user:${u.id}:` } } });
    assert.deepEqual(counted.map((r) => r.points), [MONTHLY]);

    // Back, empty: the jobs given while it was gone reach it (or the sweeper queues them again).
    redis = await startRedisServer(port, NO_PERSISTENCE);
    await chargedOnce(u.id, credits, made);
    await until('the Redis connection seen back', async () => (await gauge('genhub_redis_connected')) === 1);
  });
});

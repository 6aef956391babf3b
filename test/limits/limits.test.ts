// Rate limits and quotas: headers, 429 with Retry-After, AI minute limits, calendar quotas with
// a single 90% warning, and one limit shared by two server processes on one Redis.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { consumeAiRequest, periodBounds } from '../../src/modules/limits/limits.service.js';
import { graphql } from '../gql/index.js';
import { createPostgresDatabase, testDatabaseUrl } from '../helpers/database.js';
import { codeOf, startTestServer, type TestServer } from '../helpers/harness.js';
import { manyUsers } from '../helpers/ops.js';
import { postGraphql, startServerProcess } from '../helpers/process.js';
import { subscriptionsLive } from '../helpers/tasks.js';

const Me = graphql(`query MeId { me { id } }`);
const Tiers = graphql(`query Tiers { tiers { tier perMinute daily weekly monthly } }`);
const Quota = graphql(`
  query MyQuota {
    me { quota { daily { used limit remaining resetsAt } weekly { used limit remaining } monthly { used limit remaining } } }
  }
`);

const API_LIMIT = 8;
let t: TestServer;
before(async () => {
  t = await startTestServer({
    RATE_LIMIT_API_PER_MINUTE: String(API_LIMIT),
    TRUST_PROXY: 'true',
    TIER_LIMITS: JSON.stringify({ free: { perMinute: 3 }, pro: { perMinute: null, daily: 10, weekly: 40, monthly: 100 } }),
  });
});
after(() => t.close());

async function raw(query: string, token?: string, headers: Record<string, string> = {}) {
  const res = await fetch(t.url + '/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers },
    body: JSON.stringify({ query }),
  });
  return { status: res.status, headers: res.headers, body: (await res.json()) as { data?: any; errors?: any[] } };
}

describe('API requests', () => {
  test('every response reports the limit; past it, 429 with Retry-After; each user has their own count', async () => {
    const [a, b] = await manyUsers(t, 2);
    for (let i = 1; i <= API_LIMIT; i++) {
      const r = await raw('{ me { id } }', a!.token);
      assert.equal(r.status, 200);
      assert.equal(r.headers.get('x-ratelimit-limit'), String(API_LIMIT));
      assert.equal(r.headers.get('x-ratelimit-remaining'), String(API_LIMIT - i));
      assert.equal(r.headers.get('x-ratelimit-endpoint'), 'api');
      assert.equal(r.headers.get('x-ratelimit-identifier'), 'user');
      const reset = Date.parse(r.headers.get('x-ratelimit-reset')!);
      assert.ok(reset > Date.now() && reset <= Date.now() + 61_000, 'reset is an ISO time within the minute');
    }
    const refused = await raw('{ me { id } }', a!.token);
    assert.equal(refused.status, 429);
    assert.equal(refused.body.errors?.[0]?.extensions?.code, 'RATE_LIMITED');
    const retryAfter = Number(refused.headers.get('retry-after'));
    assert.ok(retryAfter >= 1 && retryAfter <= 60, `Retry-After ${retryAfter}`);
    assert.equal(refused.headers.get('x-ratelimit-remaining'), '0');
    assert.equal(refused.body.data, undefined, 'nothing ran');

    const other = await raw('{ me { id } }', b!.token);
    assert.equal(other.status, 200);
    assert.equal(other.headers.get('x-ratelimit-remaining'), String(API_LIMIT - 1));
  });

  test('anonymous requests are counted per client address', async () => {
    for (let i = 0; i < API_LIMIT; i++) assert.equal((await raw('{ tiers { tier } }', undefined, { 'x-forwarded-for': '203.0.113.7' })).status, 200);
    const refused = await raw('{ tiers { tier } }', undefined, { 'x-forwarded-for': '203.0.113.7' });
    assert.equal(refused.status, 429);
    assert.equal(refused.headers.get('x-ratelimit-identifier'), 'ip');
    assert.equal((await raw('{ tiers { tier } }', undefined, { 'x-forwarded-for': '203.0.113.8' })).status, 200);
  });
});

describe('AI requests', () => {
  test('the tiers are listed with their limits (defaults from the tier table, overrides from TIER_LIMITS)', async () => {
    const [u] = await manyUsers(t, 1);
    const r = await t.ok(Tiers, {}, { token: u!.token });
    assert.deepEqual(r.tiers, [
      { tier: 'free', perMinute: 3, daily: 50, weekly: 350, monthly: 1500 },
      { tier: 'basic', perMinute: 30, daily: 500, weekly: 3500, monthly: 15000 },
      { tier: 'pro', perMinute: null, daily: 10, weekly: 40, monthly: 100 },
      { tier: 'enterprise', perMinute: 500, daily: null, weekly: null, monthly: null },
    ]);
  });

  test('the per-minute limit of the tier refuses the request after it', async () => {
    const [u] = await manyUsers(t, 1);
    const user = { id: u!.id, tier: 'free' as const };
    for (let i = 0; i < 3; i++) {
      const r = await consumeAiRequest(t.app.deps, user);
      assert.equal(r.rate?.remaining, 2 - i);
      assert.equal(r.rate?.endpoint, 'ai');
    }
    await assert.rejects(consumeAiRequest(t.app.deps, user), (e: any) => {
      assert.equal(e.extensions.code, 'RATE_LIMITED');
      assert.equal(e.extensions.endpoint, 'ai');
      assert.ok(e.extensions.retryAfter >= 1 && e.extensions.retryAfter <= 60);
      return true;
    });
    // A refused request is not counted in the quotas.
    const q = await t.ok(Quota, {}, { token: u!.token });
    assert.deepEqual(q.me.quota.daily.used, 3);
    assert.deepEqual(q.me.quota.weekly, { used: 3, limit: 350, remaining: 347 });
  });

  test('quotas: one quota.warning at 90% (also as a subscription), refusal past the limit, usage reported', async () => {
    const [u] = await manyUsers(t, 1);
    await t.app.deps.prisma.user.update({ where: { id: u!.id }, data: { tier: 'pro' } });
    const user = { id: u!.id, tier: 'pro' as const };

    const client = createClient({ url: t.wsUrl, webSocketImpl: WebSocket, connectionParams: { Authorization: `Bearer ${u!.token}` }, lazy: false });
    const warnings: any[] = [];
    const iterator = client.iterate<any>({ query: 'subscription { quotaWarnings { quotaType used limit percentage timestamp } }' });
    const reading = (async () => {
      for await (const msg of iterator) warnings.push(msg.data!.quotaWarnings);
    })();
    try {
      await subscriptionsLive(t, client, u!.token);
      for (let i = 1; i <= 10; i++) await consumeAiRequest(t.app.deps, user);
      await assert.rejects(consumeAiRequest(t.app.deps, user), (e: any) => {
        assert.equal(e.extensions.code, 'RATE_LIMITED');
        assert.equal(e.extensions.quota, 'daily');
        const { end } = periodBounds('daily');
        assert.ok(Math.abs(e.extensions.retryAfter - (end.getTime() - Date.now()) / 1000) < 5, 'retry when the day ends');
        return true;
      });
      for (let i = 0; i < 50 && warnings.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
      await new Promise((r) => setTimeout(r, 100));
      assert.equal(warnings.length, 1, JSON.stringify(warnings));
      assert.deepEqual({ ...warnings[0], timestamp: undefined }, { quotaType: 'daily', used: 9, limit: 10, percentage: 90, timestamp: undefined });
      assert.equal(await t.app.deps.prisma.quotaAlert.count({ where: { userId: u!.id } }), 1);

      const q = await t.ok(Quota, {}, { token: u!.token });
      assert.deepEqual({ ...q.me.quota.daily, resetsAt: undefined }, { used: 10, limit: 10, remaining: 0, resetsAt: undefined });
      assert.equal(q.me.quota.daily.resetsAt, periodBounds('daily').end.toISOString());
      assert.deepEqual(q.me.quota.weekly, { used: 10, limit: 40, remaining: 30 }, 'the refused request was given back');
    } finally {
      await client.dispose();
      await reading.catch(() => {});
    }
  });

  test('calendar periods: UTC day, ISO week from Monday, month', () => {
    const wed = new Date('2026-11-25T15:30:00Z');
    assert.deepEqual(periodBounds('daily', wed), { start: new Date('2026-11-25T00:00:00Z'), end: new Date('2026-11-26T00:00:00Z') });
    assert.deepEqual(periodBounds('weekly', wed), { start: new Date('2026-11-23T00:00:00Z'), end: new Date('2026-11-30T00:00:00Z') });
    assert.deepEqual(periodBounds('weekly', new Date('2026-11-29T23:59:59Z')).start, new Date('2026-11-23T00:00:00Z'));
    assert.deepEqual(periodBounds('monthly', new Date('2026-12-31T23:00:00Z')), { start: new Date('2026-12-01T00:00:00Z'), end: new Date('2027-01-01T00:00:00Z') });
  });

  test('a bad TIER_LIMITS setting is refused at start, naming the variable', async () => {
    const { loadConfig } = await import('../../src/config.js');
    assert.throws(() => loadConfig({ JWT_SECRET: 'x'.repeat(32), TIER_LIMITS: '{"gold":{}}' }), /TIER_LIMITS/);
    assert.throws(() => loadConfig({ JWT_SECRET: 'x'.repeat(32), TIER_LIMITS: '{"free":{"perMinute":-1}}' }), /TIER_LIMITS/);
  });
});

describe('two server processes on one Redis', { skip: !process.env.REDIS_URL || !testDatabaseUrl ? 'needs REDIS_URL and TEST_DATABASE_URL' : false }, () => {
  test('share one count: the limit holds across both', async () => {
    const db = await createPostgresDatabase(testDatabaseUrl!);
    const env = {
      DATABASE_URL: db.url,
      MIGRATE_ON_START: 'true',
      REDIS_URL: process.env.REDIS_URL!,
      REDIS_PREFIX: `genhub-test-shared:${process.pid}:${Date.now()}:`,
      JWT_SECRET: 's'.repeat(40),
      RATE_LIMIT_API_PER_MINUTE: '6',
      DATA_DIR: '/tmp/genhub-two-processes',
    };
    const a = await startServerProcess(env);
    const b = await startServerProcess(env);
    try {
      const reg = await postGraphql(a.url, 'mutation ($i: RegisterInput!) { register(input: $i) { accessToken } }', {
        i: { username: 'shared_limit', email: 'shared@example.com', password: 'Passw0rdOK' },
      });
      const token: string = reg.body.data.register.accessToken;
      const seen: { server: string; status: number; remaining: string | null }[] = [];
      for (let i = 0; i < 8; i++) {
        const [name, url] = i % 2 === 0 ? ['a', a.url] : ['b', b.url];
        const r = await postGraphql(url, '{ me { id } }', {}, token);
        seen.push({ server: name, status: r.status, remaining: r.headers.get('x-ratelimit-remaining') });
      }
      assert.deepEqual(
        seen.map((s) => `${s.server}:${s.status}:${s.remaining}`),
        ['a:200:5', 'b:200:4', 'a:200:3', 'b:200:2', 'a:200:1', 'b:200:0', 'a:429:0', 'b:429:0'],
      );
    } finally {
      await Promise.all([a.stop(), b.stop()]);
      await db.drop();
    }
  });
});

test('a GraphQL error for the limit carries the code clients switch on', async () => {
  const [u] = await manyUsers(t, 1);
  for (let i = 0; i < API_LIMIT; i++) await t.gql(Me, {}, { token: u!.token });
  assert.equal(codeOf(await t.gql(Me, {}, { token: u!.token })), 'RATE_LIMITED');
});

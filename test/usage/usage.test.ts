// Usage statistics by model and by day over a date range, per user and for admins.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { recordUsage } from '../../src/modules/usage/usage.service.js';
import { graphql } from '../gql/index.js';
import { codeOf, startTestServer, type TestServer } from '../helpers/harness.js';
import { ADMIN_ENV, adminToken, newUser } from '../helpers/ops.js';

const Usage = graphql(`
  query Usage($from: DateTime, $to: DateTime, $model: String) {
    usage(from: $from, to: $to, model: $model) {
      totalRequests totalTokens totalCost
      byModel { model requests tokens cost }
      byDate { date requests tokens cost }
      quota { daily { used limit } }
    }
  }
`);
const Totals = graphql(`
  query Totals($from: DateTime, $to: DateTime, $userId: ID) {
    usageTotals(from: $from, to: $to, userId: $userId) { totalRequests totalCost byUser { user { username } requests cost } quota { daily { used } } }
  }
`);

let t: TestServer;
let admin: string;
before(async () => {
  t = await startTestServer(ADMIN_ENV);
  admin = await adminToken(t);
});
after(() => t.close());

test('a user sees their own usage by model and by day; admins see everyone', async () => {
  const a = await newUser(t);
  const b = await newUser(t);
  const { prisma } = t.app.deps;
  const put = async (userId: number, modelId: string, day: string, tokens: number, cost: number) => {
    const r = await recordUsage(t.app.deps, { userId, modelId, endpoint: 'chat', promptTokens: tokens / 2, completionTokens: tokens / 2, cost });
    await prisma.usageRecord.update({ where: { id: r.id }, data: { createdAt: new Date(`${day}T12:00:00Z`) } });
  };
  await put(a.user.databaseId, 'minimax', '2026-11-10', 100, 1);
  await put(a.user.databaseId, 'minimax', '2026-11-10', 300, 1);
  await put(a.user.databaseId, 'flux', '2026-11-11', 0, 3);
  await put(a.user.databaseId, 'minimax', '2026-10-01', 1000, 1); // outside the range below
  await put(b.user.databaseId, 'sdxl', '2026-11-10', 0, 8);

  const range = { from: '2026-11-01T00:00:00Z', to: '2026-11-30T23:59:59Z' };
  const mine = await t.ok(Usage, range, { token: a.token });
  assert.deepEqual(mine.usage, {
    totalRequests: 3,
    totalTokens: 400,
    totalCost: 5,
    byModel: [
      { model: 'flux', requests: 1, tokens: 0, cost: 3 },
      { model: 'minimax', requests: 2, tokens: 400, cost: 2 },
    ],
    byDate: [
      { date: '2026-11-10', requests: 2, tokens: 400, cost: 2 },
      { date: '2026-11-11', requests: 1, tokens: 0, cost: 3 },
    ],
    quota: { daily: { used: 0, limit: 50 } },
  });
  const onlyMinimax = await t.ok(Usage, { ...range, model: 'minimax' }, { token: a.token });
  assert.equal(onlyMinimax.usage.totalRequests, 2);
  assert.equal((await t.ok(Usage, range, { token: b.token })).usage.totalCost, 8, 'b sees only b');

  const all = await t.ok(Totals, range, { token: admin });
  assert.equal(all.usageTotals.totalRequests, 4);
  assert.equal(all.usageTotals.quota, null);
  assert.deepEqual(all.usageTotals.byUser, [
    { user: { username: b.username }, requests: 1, cost: 8 },
    { user: { username: a.username }, requests: 3, cost: 5 },
  ]);
  const oneUser = await t.ok(Totals, { ...range, userId: a.user.id }, { token: admin });
  assert.equal(oneUser.usageTotals.totalCost, 5);
  assert.equal(codeOf(await t.gql(Totals, range, { token: a.token })), 'FORBIDDEN');
  assert.equal(codeOf(await t.gql(Usage, range)), 'UNAUTHENTICATED');
});

test('bad ranges name the argument', async () => {
  const u = await newUser(t);
  const reversed = await t.gql(Usage, { from: '2026-11-30T00:00:00Z', to: '2026-11-01T00:00:00Z' }, { token: u.token });
  assert.equal(reversed.errors![0]!.extensions!.field, 'from');
  const tooLong = await t.gql(Usage, { from: '2024-01-01T00:00:00Z', to: '2026-01-01T00:00:00Z' }, { token: u.token });
  assert.equal(tooLong.errors![0]!.extensions!.field, 'from');
  const notADate = await t.gql(Usage, { from: 'yesterday' }, { token: u.token });
  assert.equal(codeOf(notADate), 'BAD_USER_INPUT');
  // Defaults: the last 30 days.
  const d = await t.ok(Usage, {}, { token: u.token });
  assert.equal(d.usage.totalRequests, 0);
});

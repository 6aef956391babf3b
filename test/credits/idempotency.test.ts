// Idempotency keys with Stripe's semantics, on a mutation that charges (an admin debit).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { graphql } from '../gql/index.js';
import { codeOf, startTestServer, type TestServer } from '../helpers/harness.js';
import { ADMIN_ENV, adminToken, newUser } from '../helpers/ops.js';

const Adjust = graphql(`
  mutation Adjust($userId: ID!, $amount: Int!, $reason: String!, $key: String) {
    adjustCredits(userId: $userId, amount: $amount, reason: $reason, idempotencyKey: $key) {
      credits { available reserved }
      entry { id kind amount balanceAfter reason }
      user { username }
    }
  }
`);
const Balance = graphql(`query Balance { me { credits { available } creditEntries(limit: 100) { total } } }`);

let t: TestServer;
let admin: string;
before(async () => {
  t = await startTestServer({ ...ADMIN_ENV, SIGNUP_CREDITS: '100' });
  admin = await adminToken(t);
});
after(() => t.close());

test('a replayed charge with the same key charges once and returns the same response', async () => {
  const u = await newUser(t);
  const vars = { userId: u.user.id, amount: -30, reason: 'refund reversal' };
  const first = await t.gql(Adjust, vars, { token: admin, headers: { 'idempotency-key': 'charge-0001' } });
  assert.equal(first.errors, undefined, JSON.stringify(first.errors));
  assert.deepEqual(first.data!.adjustCredits.credits, { available: 70, reserved: 0 });
  const replay = await t.gql(Adjust, vars, { token: admin, headers: { 'idempotency-key': 'charge-0001' } });
  assert.deepEqual(replay.data, first.data);
  // The argument works like the header.
  const viaArg = await t.gql(Adjust, { ...vars, key: 'charge-0001' }, { token: admin });
  assert.deepEqual(viaArg.data, first.data);
  const b = await t.ok(Balance, {}, { token: u.token });
  assert.equal(b.me.credits.available, 70);
  assert.equal(b.me.creditEntries.total, 2, 'the sign-up grant and one charge');
});

test('the same key with a different request is refused and changes nothing', async () => {
  const u = await newUser(t);
  await t.ok(Adjust, { userId: u.user.id, amount: -10, reason: 'r', key: 'k-different' }, { token: admin });
  const other = await t.gql(Adjust, { userId: u.user.id, amount: -20, reason: 'r', key: 'k-different' }, { token: admin });
  assert.equal(codeOf(other), 'CONFLICT');
  assert.equal(other.errors![0]!.extensions!.reason, 'idempotency_key_reused');
  assert.equal(other.errors![0]!.extensions!.field, 'idempotencyKey');
  assert.equal((await t.ok(Balance, {}, { token: u.token })).me.credits.available, 90);
});

test('20 concurrent requests with one key: one charge, the same answer for all', async () => {
  const u = await newUser(t);
  const vars = { userId: u.user.id, amount: -25, reason: 'concurrent', key: 'k-concurrent' };
  const results = await Promise.all(Array.from({ length: 20 }, () => t.gql(Adjust, vars, { token: admin })));
  for (const r of results) assert.equal(r.errors, undefined, JSON.stringify(r.errors));
  const entries = new Set(results.map((r) => r.data!.adjustCredits.entry.id));
  assert.equal(entries.size, 1);
  assert.equal((await t.ok(Balance, {}, { token: u.token })).me.credits.available, 75);
});

test('a request that fails keeps no key: fixing it and retrying with the key works', async () => {
  const u = await newUser(t);
  const tooMuch = await t.gql(Adjust, { userId: u.user.id, amount: -500, reason: 'too much', key: 'k-retry' }, { token: admin });
  assert.equal(codeOf(tooMuch), 'BAD_USER_INPUT');
  assert.equal(tooMuch.errors![0]!.extensions!.field, 'amount');
  const fixed = await t.gql(Adjust, { userId: u.user.id, amount: -50, reason: 'right amount', key: 'k-retry' }, { token: admin });
  assert.equal(fixed.errors, undefined);
  assert.equal(fixed.data!.adjustCredits.credits.available, 50);
});

test('keys expire after their time, and a bad key names the header', async () => {
  const u = await newUser(t);
  const r1 = await t.ok(Adjust, { userId: u.user.id, amount: 5, reason: 'grant', key: 'k-expiring' }, { token: admin });
  await t.app.deps.prisma.idempotencyRecord.updateMany({ where: { key: 'k-expiring' }, data: { expiresAt: new Date(Date.now() - 1000) } });
  const r2 = await t.ok(Adjust, { userId: u.user.id, amount: 5, reason: 'grant', key: 'k-expiring' }, { token: admin });
  assert.notEqual(r2.adjustCredits.entry.id, r1.adjustCredits.entry.id, 'an expired key runs the request again');
  assert.equal(r2.adjustCredits.credits.available, 110);

  const bad = await t.gql(Adjust, { userId: u.user.id, amount: 5, reason: 'grant' }, { token: admin, headers: { 'idempotency-key': 'x'.repeat(256) } });
  assert.equal(codeOf(bad), 'BAD_USER_INPUT');
  assert.equal(bad.errors![0]!.extensions!.field, 'Idempotency-Key');
  const record = await t.app.deps.prisma.idempotencyRecord.findFirst({ where: { key: 'k-expiring' } });
  assert.ok(record && record.expiresAt.getTime() - Date.now() > 23.9 * 3600_000, 'kept for 24 hours');
});

test('admins only: users cannot grant themselves credits', async () => {
  const u = await newUser(t);
  assert.equal(codeOf(await t.gql(Adjust, { userId: u.user.id, amount: 1000, reason: 'free money' }, { token: u.token })), 'FORBIDDEN');
  assert.equal(codeOf(await t.gql(Adjust, { userId: u.user.id, amount: 1000, reason: 'free money' })), 'UNAUTHENTICATED');
  assert.equal((await t.ok(Balance, {}, { token: u.token })).me.credits.available, 100);
});

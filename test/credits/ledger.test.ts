// The ledger's guarantees under concurrency, in both database modes.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import * as credits from '../../src/modules/credits/credits.service.js';
import { startTestServer, type TestServer } from '../helpers/harness.js';
import { newUser } from '../helpers/ops.js';
import { graphql } from '../gql/index.js';

const CreditsDoc = graphql(`query MyCredits { me { credits { available reserved } } }`);

let t: TestServer;
before(async () => {
  t = await startTestServer({ SIGNUP_CREDITS: '0' });
});
after(() => t.close());

async function ledgerSum(userId: number) {
  const agg = await t.app.deps.prisma.creditEntry.aggregate({ where: { userId }, _sum: { amount: true, reservedDelta: true } });
  return { available: agg._sum.amount ?? 0, reserved: agg._sum.reservedDelta ?? 0 };
}

test('1,000 concurrent charges against a balance of 100: exactly 100 succeed', async () => {
  const u = await newUser(t);
  const userId = u.user.databaseId;
  const admin = userId; // the actor is recorded only
  await credits.adjust(t.app.deps, userId, 100, 'test funds', admin);
  const results = await Promise.allSettled(Array.from({ length: 1000 }, () => credits.hold(t.app.deps, userId, 1, 'charge')));
  const ok = results.filter((r) => r.status === 'fulfilled') as PromiseFulfilledResult<credits.Hold>[];
  const failed = results.filter((r) => r.status === 'rejected') as PromiseRejectedResult[];
  assert.equal(ok.length, 100);
  for (const f of failed) assert.equal((f.reason as { extensions?: { code?: string } }).extensions?.code, 'INSUFFICIENT_CREDITS');
  assert.deepEqual(await credits.balanceOf(t.app.deps, userId), { available: 0, reserved: 100 });
  assert.deepEqual(await ledgerSum(userId), { available: 0, reserved: 100 });

  // capture all of them, concurrently: the balance ends at 0 with nothing reserved
  const captured = await Promise.all(ok.map((r) => credits.settle(t.app.deps, r.value.holdId, 'capture')));
  assert.ok(captured.every(Boolean));
  assert.deepEqual(await credits.balanceOf(t.app.deps, userId), { available: 0, reserved: 0 });
  assert.deepEqual(await ledgerSum(userId), { available: 0, reserved: 0 });
});

test('a hold settles exactly once, however many times it is settled concurrently', async () => {
  const u = await newUser(t);
  const userId = u.user.databaseId;
  await credits.adjust(t.app.deps, userId, 10, 'test funds', userId);
  const h = await credits.hold(t.app.deps, userId, 7, 'job');
  const attempts = await Promise.all([
    ...Array.from({ length: 25 }, () => credits.settle(t.app.deps, h.holdId, 'release')),
    ...Array.from({ length: 25 }, () => credits.settle(t.app.deps, h.holdId, 'capture')),
  ]);
  assert.equal(attempts.filter(Boolean).length, 1);
  const b = await credits.balanceOf(t.app.deps, userId);
  assert.equal(b.reserved, 0);
  assert.ok(b.available === 10 || b.available === 3, `released (10) or captured (3), got ${b.available}`);
  assert.deepEqual(await ledgerSum(userId), b);
});

test('a partial capture keeps what was spent and returns the rest', async () => {
  const u = await newUser(t);
  const userId = u.user.databaseId;
  await credits.adjust(t.app.deps, userId, 20, 'test funds', userId);
  const h = await credits.hold(t.app.deps, userId, 15, 'stream');
  assert.deepEqual({ available: h.available, reserved: h.reserved }, { available: 5, reserved: 15 });
  assert.equal(await credits.settle(t.app.deps, h.holdId, 'capture', 4), true);
  assert.deepEqual(await credits.balanceOf(t.app.deps, userId), { available: 16, reserved: 0 });
  const hold = await t.app.deps.prisma.creditHold.findUniqueOrThrow({ where: { id: h.holdId } });
  assert.equal(hold.status, 'captured');
  assert.equal(hold.captured, 4);
  // spending more than was held is capped at the hold
  const h2 = await credits.hold(t.app.deps, userId, 6, 'capped');
  await credits.settle(t.app.deps, h2.holdId, 'capture', 1000);
  assert.deepEqual(await credits.balanceOf(t.app.deps, userId), { available: 10, reserved: 0 });
  assert.deepEqual(await ledgerSum(userId), { available: 10, reserved: 0 });
});

test('adjustments never take the balance below zero and bad amounts name the field', async () => {
  const u = await newUser(t);
  const userId = u.user.databaseId;
  await credits.adjust(t.app.deps, userId, 5, 'funds', userId);
  await assert.rejects(credits.adjust(t.app.deps, userId, -6, 'too much', userId), (e: any) => e.extensions.field === 'amount');
  await assert.rejects(credits.hold(t.app.deps, userId, 0), (e: any) => e.extensions.field === 'amount');
  await assert.rejects(credits.hold(t.app.deps, userId, 1.5), (e: any) => e.extensions.field === 'amount');
  const back = await credits.adjust(t.app.deps, userId, -5, 'back to zero', userId);
  assert.deepEqual({ available: back.available, reserved: back.reserved }, { available: 0, reserved: 0 });
  const entry = await t.app.deps.prisma.creditEntry.findUniqueOrThrow({ where: { id: back.entryId } });
  assert.deepEqual({ kind: entry.kind, amount: entry.amount, balanceAfter: entry.balanceAfter, reason: entry.reason }, { kind: 'adjustment', amount: -5, balanceAfter: 0, reason: 'back to zero' });
  await assert.rejects(credits.hold(t.app.deps, userId, 1), (e: any) => e.extensions.code === 'INSUFFICIENT_CREDITS');
});

test('new accounts receive the configured sign-up grant as a ledger entry', async () => {
  const other = await startTestServer({ SIGNUP_CREDITS: '100' });
  try {
    const u = await newUser(other);
    const me = await other.ok(CreditsDoc, undefined, { token: u.token });
    assert.deepEqual(me.me.credits, { available: 100, reserved: 0 });
    const e = await other.app.deps.prisma.creditEntry.findMany({ where: { userId: u.user.databaseId } });
    assert.equal(e.length, 1);
    assert.equal(e[0]!.kind, 'grant');
    assert.equal(e[0]!.balanceAfter, 100);
  } finally {
    await other.close();
  }
});

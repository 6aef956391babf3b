// Redemption codes: admin management, redemption rules and exactly-once claims under concurrency.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { graphql } from '../gql/index.js';
import { codeOf, startTestServer, type TestServer } from '../helpers/harness.js';
import { ADMIN_ENV, adminToken, manyUsers, newUser } from '../helpers/ops.js';

const CreateCodes = graphql(`
  mutation CreateCodes($input: CreateRedemptionCodesInput!, $key: String) {
    createRedemptionCodes(input: $input, idempotencyKey: $key) { code amount maxUses usedCount remainingUses expiresAt redeemable batchId }
  }
`);
const ReadCode = graphql(`query ReadCode($code: String!) { redemptionCode(code: $code) { code amount remainingUses redeemable expiresAt } }`);
const ReadCodeAdmin = graphql(`
  query ReadCodeAdmin($code: String!) {
    redemptionCode(code: $code) { code usedCount batchId note createdBy { username } redemptions { amount user { username } } }
  }
`);
const ListCodes = graphql(`query ListCodes($batchId: String) { redemptionCodes(batchId: $batchId, limit: 100) { total items { code batchId } } }`);
const DeleteCode = graphql(`mutation DeleteCode($code: String!) { deleteRedemptionCode(code: $code) }`);
const Redeem = graphql(`
  mutation Redeem($code: String!, $key: String) {
    redeemCode(code: $code, idempotencyKey: $key) { code amount credits { available reserved } entry { id kind amount balanceAfter } }
  }
`);
const Ledger = graphql(`query Ledger { me { credits { available } creditEntries { total items { kind amount balanceAfter reason } } } }`);

let t: TestServer;
let admin: string;
before(async () => {
  t = await startTestServer({ ...ADMIN_ENV, SIGNUP_CREDITS: '0' });
  admin = await adminToken(t);
});
after(() => t.close());

test('admins create single and batch codes; holders read what a code is worth; only admins see the rest', async () => {
  const expiresAt = new Date(Date.now() + 86400_000).toISOString();
  const single = await t.ok(CreateCodes, { input: { amount: 50, code: 'welcome-2026', expiresAt, note: 'launch' } }, { token: admin });
  assert.equal(single.createRedemptionCodes.length, 1);
  assert.deepEqual(
    { ...single.createRedemptionCodes[0], expiresAt: single.createRedemptionCodes[0]!.expiresAt },
    { code: 'WELCOME-2026', amount: 50, maxUses: 1, usedCount: 0, remainingUses: 1, expiresAt, redeemable: true, batchId: null },
  );

  const batch = await t.ok(CreateCodes, { input: { amount: 5, count: 25, maxUses: 3, prefix: 'PROMO-' } }, { token: admin });
  const codes = batch.createRedemptionCodes;
  assert.equal(codes.length, 25);
  assert.equal(new Set(codes.map((c) => c.code)).size, 25);
  assert.ok(codes.every((c) => /^PROMO-[0-9A-Z]{4}(-[0-9A-Z]{4}){3}$/.test(c.code) && c.batchId === codes[0]!.batchId && c.maxUses === 3));
  const listed = await t.ok(ListCodes, { batchId: codes[0]!.batchId }, { token: admin });
  assert.equal(listed.redemptionCodes.total, 25);

  // Anyone holding the code (even without signing in) reads its worth, in any letter case.
  const pub = await t.ok(ReadCode, { code: ' welcome-2026 ' });
  assert.deepEqual(pub.redemptionCode, { code: 'WELCOME-2026', amount: 50, remainingUses: 1, redeemable: true, expiresAt });
  const user = await newUser(t);
  const hidden = await t.gql(ReadCodeAdmin, { code: 'WELCOME-2026' }, { token: user.token });
  assert.equal(codeOf(hidden), 'FORBIDDEN');
  const adminView = await t.ok(ReadCodeAdmin, { code: 'WELCOME-2026' }, { token: admin });
  assert.equal(adminView.redemptionCode.note, 'launch');
  assert.equal(adminView.redemptionCode.createdBy?.username, 'root');

  // Users cannot manage codes.
  assert.equal(codeOf(await t.gql(CreateCodes, { input: { amount: 1 } }, { token: user.token })), 'FORBIDDEN');
  assert.equal(codeOf(await t.gql(ListCodes, {}, { token: user.token })), 'FORBIDDEN');
  assert.equal(codeOf(await t.gql(DeleteCode, { code: 'WELCOME-2026' }, { token: user.token })), 'FORBIDDEN');
  assert.equal(codeOf(await t.gql(CreateCodes, { input: { amount: 1 } })), 'UNAUTHENTICATED');
});

test('bad code input names the field', async () => {
  const cases: [Record<string, unknown>, string][] = [
    [{ amount: 0 }, 'input.amount'],
    [{ amount: 10, maxUses: 0 }, 'input.maxUses'],
    [{ amount: 10, count: 1001 }, 'input.count'],
    [{ amount: 10, count: 2, code: 'TWOCODES' }, 'input.code'],
    [{ amount: 10, code: 'no spaces allowed' }, 'input.code'],
    [{ amount: 10, code: 'SHORT' }, 'input.code'],
    [{ amount: 10, expiresAt: new Date(Date.now() - 1000).toISOString() }, 'input.expiresAt'],
  ];
  for (const [input, field] of cases) {
    const r = await t.gql(CreateCodes, { input: input as any }, { token: admin });
    assert.equal(codeOf(r), 'BAD_USER_INPUT', JSON.stringify(input));
    assert.equal(r.errors![0]!.extensions!.field, field, JSON.stringify(input));
  }
  await t.ok(CreateCodes, { input: { amount: 1, code: 'TAKEN-CODE' } }, { token: admin });
  const dup = await t.gql(CreateCodes, { input: { amount: 1, code: 'taken-code' } }, { token: admin });
  assert.equal(dup.errors![0]!.extensions!.field, 'input.code');
});

test('redeeming credits the account with a ledger entry; each refusal says why', async () => {
  await t.ok(CreateCodes, { input: { amount: 30, code: 'TWICE-CODE', maxUses: 2 } }, { token: admin });
  const [a, b, c] = [await newUser(t), await newUser(t), await newUser(t)];

  const r = await t.ok(Redeem, { code: 'twice-code' }, { token: a.token });
  assert.deepEqual(r.redeemCode.credits, { available: 30, reserved: 0 });
  assert.equal(r.redeemCode.entry.kind, 'redeem');
  assert.equal(r.redeemCode.entry.balanceAfter, 30);
  const ledger = await t.ok(Ledger, {}, { token: a.token });
  assert.equal(ledger.me.credits.available, 30);
  assert.deepEqual(ledger.me.creditEntries.items[0], { kind: 'redeem', amount: 30, balanceAfter: 30, reason: 'Redeemed code TWICE-CODE' });

  const again = await t.gql(Redeem, { code: 'TWICE-CODE' }, { token: a.token });
  assert.equal(codeOf(again), 'BAD_USER_INPUT');
  assert.equal(again.errors![0]!.extensions!.reason, 'already_redeemed');
  assert.equal(again.errors![0]!.extensions!.field, 'code');
  await t.ok(Redeem, { code: 'TWICE-CODE' }, { token: b.token });
  const usedUp = await t.gql(Redeem, { code: 'TWICE-CODE' }, { token: c.token });
  assert.equal(usedUp.errors![0]!.extensions!.reason, 'used_up');
  // The refused attempts changed nothing.
  const view = await t.ok(ReadCodeAdmin, { code: 'TWICE-CODE' }, { token: admin });
  assert.equal(view.redemptionCode.usedCount, 2);
  assert.deepEqual(view.redemptionCode.redemptions.map((x) => x.user.username).sort(), [a.username, b.username].sort());
  assert.equal((await t.ok(Ledger, {}, { token: c.token })).me.credits.available, 0);

  // Expired, deleted and unknown codes.
  await t.ok(CreateCodes, { input: { amount: 5, code: 'SOON-GONE', expiresAt: new Date(Date.now() + 300).toISOString() } }, { token: admin });
  await new Promise((res) => setTimeout(res, 400));
  assert.equal((await t.gql(Redeem, { code: 'SOON-GONE' }, { token: c.token })).errors![0]!.extensions!.reason, 'expired');
  await t.ok(CreateCodes, { input: { amount: 5, code: 'DELETED-CODE' } }, { token: admin });
  assert.equal((await t.ok(DeleteCode, { code: 'deleted-code' }, { token: admin })).deleteRedemptionCode, true);
  assert.equal((await t.gql(Redeem, { code: 'DELETED-CODE' }, { token: c.token })).errors![0]!.extensions!.reason, 'not_found');
  assert.equal(codeOf(await t.gql(ReadCode, { code: 'DELETED-CODE' })), 'NOT_FOUND');
  assert.equal(codeOf(await t.gql(DeleteCode, { code: 'DELETED-CODE' }, { token: admin })), 'NOT_FOUND');
  assert.equal((await t.gql(Redeem, { code: 'NO-SUCH-CODE' }, { token: c.token })).errors![0]!.extensions!.reason, 'not_found');
  assert.equal(codeOf(await t.gql(Redeem, { code: 'TWICE-CODE' })), 'UNAUTHENTICATED');
});

test('100 concurrent claims of one single-use code: exactly one succeeds', async () => {
  await t.ok(CreateCodes, { input: { amount: 40, code: 'ONLY-ONCE' } }, { token: admin });
  const users = await manyUsers(t, 100);
  const results = await Promise.all(users.map((u) => t.gql(Redeem, { code: 'ONLY-ONCE' }, { token: u.token })));
  const winners = results.filter((r) => !r.errors);
  assert.equal(winners.length, 1);
  for (const r of results.filter((x) => x.errors)) assert.equal(r.errors![0]!.extensions!.reason, 'used_up');
  const view = await t.ok(ReadCodeAdmin, { code: 'ONLY-ONCE' }, { token: admin });
  assert.equal(view.redemptionCode.usedCount, 1);
  assert.equal(view.redemptionCode.redemptions.length, 1);
  const total = await t.app.deps.prisma.creditAccount.aggregate({ where: { userId: { in: users.map((u) => u.id) } }, _sum: { available: true } });
  assert.equal(total._sum.available, 40);
});

test('one user claiming a multi-use code 50 times at once gets it once', async () => {
  await t.ok(CreateCodes, { input: { amount: 7, code: 'MANY-USES', maxUses: 100 } }, { token: admin });
  const u = await newUser(t);
  const results = await Promise.all(Array.from({ length: 50 }, () => t.gql(Redeem, { code: 'MANY-USES' }, { token: u.token })));
  assert.equal(results.filter((r) => !r.errors).length, 1);
  for (const r of results.filter((x) => x.errors)) assert.equal(r.errors![0]!.extensions!.reason, 'already_redeemed');
  assert.equal((await t.ok(Ledger, {}, { token: u.token })).me.credits.available, 7);
  assert.equal((await t.ok(ReadCodeAdmin, { code: 'MANY-USES' }, { token: admin })).redemptionCode.usedCount, 1);
});

test('a redemption replayed with its Idempotency-Key returns the same answer and credits once', async () => {
  await t.ok(CreateCodes, { input: { amount: 12, code: 'REPLAY-ME' } }, { token: admin });
  const u = await newUser(t);
  const first = await t.gql(Redeem, { code: 'REPLAY-ME' }, { token: u.token, headers: { 'idempotency-key': 'redeem-1' } });
  const second = await t.gql(Redeem, { code: 'REPLAY-ME' }, { token: u.token, headers: { 'idempotency-key': 'redeem-1' } });
  assert.equal(first.errors, undefined);
  assert.deepEqual(second.data, first.data);
  assert.equal((await t.ok(Ledger, {}, { token: u.token })).me.credits.available, 12);
  // Without the key, a second attempt is refused as already redeemed.
  assert.equal((await t.gql(Redeem, { code: 'REPLAY-ME' }, { token: u.token })).errors![0]!.extensions!.reason, 'already_redeemed');
});

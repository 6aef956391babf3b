// Work asked for in one turn of the event loop shares a statement: task creations (with their
// holds) in the API, claims and finishes in the worker. Each item must come out as if it had
// been done alone: balances checked per task in order, ledger entries that chain, a failing
// batch falling back to one statement per item.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Database } from '../../src/db.js';
import { tickBatcher } from '../../src/lib/batch.js';
import { createTask, finishSucceededMany, type Success } from '../../src/modules/tasks/tasks.service.js';
import { openTestDatabase } from '../helpers/database.js';
import { startTestServer, type TestServer } from '../helpers/harness.js';

/** A batcher of numbers whose runs are recorded; `answer` gives a run's results (or throws). */
function recorded<R>(answer: (items: number[]) => Map<number, R>, opts?: Parameters<typeof tickBatcher>[2]) {
  const runs: number[][] = [];
  const f = tickBatcher<number, R>(
    (n) => n,
    async (items) => {
      runs.push(items);
      return answer(items);
    },
    opts,
  );
  return { f, runs };
}

describe('tickBatcher', () => {
  test('one run for the calls of one turn; answers by key; the same key twice is one item', async () => {
    const { f: double, runs } = recorded((items) => new Map(items.filter((n) => n !== 3).map((n) => [n, n * 2])));
    const got = await Promise.all([double(1), double(2), double(3), double(2)]);
    assert.deepEqual(runs, [[1, 2, 3]]);
    assert.deepEqual(got, [2, 4, null, null], 'left out → null; the second asker of a key → null');
    // The next turn is another batch.
    assert.equal(await double(5), 10);
    assert.deepEqual(runs, [[1, 2, 3], [5]]);
  });

  test('a failing batch runs each item alone, so only the bad one fails', async () => {
    const { f, runs } = recorded((items) => {
      if (items.includes(13)) throw new Error('thirteen');
      return new Map(items.map((n) => [n, `ok ${n}`]));
    });
    const got = await Promise.allSettled([f(1), f(13), f(2)]);
    assert.deepEqual(runs, [[1, 13, 2], [1], [13], [2]]);
    assert.deepEqual(
      got.map((r) => (r.status === 'fulfilled' ? r.value : (r.reason as Error).message)),
      ['ok 1', 'thirteen', 'ok 2'],
    );
  });

  test('a batch whose outcome is unknown is not run again: every caller gets its error', async () => {
    const { f, runs } = recorded<number>(
      () => {
        throw Object.assign(new Error('Connection terminated unexpectedly'), { unknown: true });
      },
      { alone: (err) => !(err as { unknown?: boolean }).unknown },
    );
    const got = await Promise.allSettled([f(1), f(2)]);
    assert.deepEqual(runs, [[1, 2]]);
    assert.deepEqual(got.map((r) => r.status), ['rejected', 'rejected']);
  });

  test('a batch holds at most `max` items', async () => {
    const { f, runs } = recorded((items) => new Map(items.map((n) => [n, n])), { max: 2 });
    assert.deepEqual(await Promise.all([1, 2, 3, 4, 5].map(f)), [1, 2, 3, 4, 5]);
    assert.deepEqual(runs, [[1, 2], [3, 4], [5]]);
  });

  test('a failure outside `run` (a throwing `alone`) rejects every caller; the batcher goes on', async () => {
    let fail = true;
    const { f, runs } = recorded(
      (items) => {
        if (fail) throw new Error('batch failed');
        return new Map(items.map((n) => [n, n]));
      },
      {
        inFlight: 1,
        alone: () => {
          throw new Error('alone failed');
        },
      },
    );
    const got = await Promise.allSettled([f(1), f(2)]);
    assert.deepEqual(got.map((r) => (r.status === 'rejected' ? (r.reason as Error).message : r.value)), ['alone failed', 'alone failed']);
    fail = false;
    assert.equal(await f(3), 3);
    assert.deepEqual(runs, [[1, 2], [3]]);
  });

  /** A batcher whose runs each wait until the test releases them. */
  function held(opts: Parameters<typeof tickBatcher>[2]) {
    const runs: number[][] = [];
    const gates: (() => void)[] = [];
    const f = tickBatcher<number, number>(
      (n) => n,
      async (items) => {
        runs.push(items);
        await new Promise<void>((resolve) => gates.push(resolve));
        if (items.includes(13)) throw new Error('thirteen');
        return new Map(items.map((n) => [n, n * 10]));
      },
      opts,
    );
    return { f, runs, release: () => gates.shift()!() };
  }
  const turn = () => new Promise((resolve) => setImmediate(resolve));

  test('in flight: later turns wait while a batch runs, and then go as one batch', async () => {
    const { f, runs, release } = held({ inFlight: 1 });
    const first = f(1);
    await turn();
    assert.deepEqual(runs, [[1]]);
    // Three more turns while the first batch runs: nothing goes, the calls gather.
    const later = [f(2)];
    await turn();
    later.push(f(3));
    await turn();
    later.push(f(4));
    await turn();
    assert.deepEqual(runs, [[1]], 'nothing else runs while one batch is in flight');
    release();
    assert.equal(await first, 10);
    await turn();
    assert.deepEqual(runs, [[1], [2, 3, 4]]);
    release();
    assert.deepEqual(await Promise.all(later), [20, 30, 40]);
    // Idle again: the next call goes in its own turn.
    const next = f(5);
    await turn();
    assert.deepEqual(runs, [[1], [2, 3, 4], [5]]);
    release();
    assert.equal(await next, 50);
  });

  test('in flight: without a bound each turn goes at once', async () => {
    const { f, runs, release } = held({});
    const a = f(1);
    await turn();
    const b = f(2);
    await turn();
    assert.deepEqual(runs, [[1], [2]]);
    release();
    release();
    assert.deepEqual(await Promise.all([a, b]), [10, 20]);
  });

  test('in flight: full batches wait their turn in order, and a failing batch frees its slot', async () => {
    const { f, runs, release } = held({ inFlight: 1, max: 2 });
    const all = Promise.allSettled([f(13)]);
    await turn();
    // Two full batches and part of a third gather while 13's batch runs.
    const rest = Promise.allSettled([1, 2, 3, 4, 5].map(f));
    await turn();
    assert.deepEqual(runs, [[13]]);
    release(); // 13 fails alone: its slot is free again
    const [failed] = await all;
    assert.equal(failed!.status, 'rejected');
    for (let i = 0; i < 3; i++) {
      await turn();
      release();
    }
    const got = await rest;
    assert.deepEqual(runs, [[13], [1, 2], [3, 4], [5]]);
    assert.deepEqual(got.map((r) => (r.status === 'fulfilled' ? r.value : null)), [10, 20, 30, 40, 50]);
  });
});

describe('task creations of one moment', () => {
  let t: TestServer;
  before(async () => {
    // Tasks stay queued or running while the test looks at what creation wrote.
    t = await startTestServer({ DEMO_DELAY_MS: '600000', WORKER_CONCURRENCY: '1' });
  });
  after(() => t.close());

  const image = (prompt: string, count = 1) => ({ kind: 'image.generate' as const, model: 'sd15', input: { prompt, width: 64, height: 64, count } });

  async function userWith(credits: number) {
    const u = await t.app.deps.prisma.user.create({ data: { username: `batch${Math.random().toString(36).slice(2, 10)}`, creditAccount: { create: { available: credits } } } });
    return { id: u.id, tier: 'free' as const };
  }

  test('each task is held in order while the balance covers it; one that does not fit is still tried alone', async () => {
    const { deps } = t.app;
    const a = await userWith(3);
    const b = await userWith(5);
    // One turn: a asks 2 + 2 + 1 (the second does not fit after the first, the third does), b asks 1 + 1.
    const asks = [createTask(deps, a, image('a1', 2)), createTask(deps, b, image('b1')), createTask(deps, a, image('a2', 2)), createTask(deps, a, image('a3', 1)), createTask(deps, b, image('b2'))];
    const got = await Promise.allSettled(asks);
    const outcome = got.map((r) => (r.status === 'fulfilled' ? `held ${r.value.cost}` : ((r.reason as { extensions?: { code?: string } }).extensions?.code ?? String(r.reason))));
    assert.deepEqual(outcome, ['held 2', 'held 1', 'INSUFFICIENT_CREDITS', 'held 1', 'held 1']);

    for (const [user, available, reserved] of [
      [a, 0, 3],
      [b, 3, 2],
    ] as const) {
      const acc = await deps.prisma.creditAccount.findUniqueOrThrow({ where: { userId: user.id } });
      assert.deepEqual({ available: acc.available, reserved: acc.reserved }, { available, reserved });
      // The ledger chains: each entry's balance is the one before it plus its amount.
      const entries = await deps.prisma.creditEntry.findMany({ where: { userId: user.id }, orderBy: { id: 'asc' } });
      let bal = available + reserved;
      let res = 0;
      for (const e of entries) {
        bal += e.amount;
        res += e.reservedDelta;
        assert.equal(e.kind, 'hold');
        assert.deepEqual({ after: e.balanceAfter, reservedAfter: e.reservedAfter }, { after: bal, reservedAfter: res }, `entry ${e.id}`);
      }
      assert.equal(bal, available);
      const tasks = await deps.prisma.task.findMany({ where: { userId: user.id }, include: { hold: true } });
      for (const task of tasks) {
        assert.equal(task.hold?.amount, task.cost, 'each task has its own hold of its cost');
        assert.equal(task.hold?.status === 'held' || task.hold?.status === 'captured', true);
      }
    }
  });

  test('tasks of many owners in one turn: all held, none twice', async () => {
    const { deps } = t.app;
    const users = await Promise.all(Array.from({ length: 6 }, () => userWith(4)));
    const made = await Promise.all(users.flatMap((u, i) => [createTask(deps, u, image(`m${i}a`)), createTask(deps, u, image(`m${i}b`))]));
    assert.equal(new Set(made.map((m) => m.id)).size, 12);
    assert.equal(new Set(made.map((m) => m.holdId)).size, 12);
    for (const u of users) {
      const acc = await deps.prisma.creditAccount.findUniqueOrThrow({ where: { userId: u.id } });
      assert.deepEqual({ available: acc.available, reserved: acc.reserved }, { available: 2, reserved: 2 });
    }
  });
});

describe('finishSucceededMany', () => {
  let db: Database;
  before(async () => {
    db = await openTestDatabase();
  });
  after(() => db.close());

  /** A running task with a hold of `cost` on its owner's account. */
  async function running(userId: number, cost: number, cancelAsked = false, chatId?: number) {
    const { prisma } = db;
    const hold = await prisma.creditHold.create({ data: { userId, amount: cost, reason: 'test' } });
    await prisma.creditAccount.update({ where: { userId }, data: { available: { decrement: cost }, reserved: { increment: cost } } });
    return prisma.task.create({
      data: {
        requestId: `r${hold.id}`, userId, kind: chatId ? 'text_chat' : 'image_generate', modelId: chatId ? 'minimax' : 'sd15', input: { prompt: 'x' }, cost, status: 'running',
        holdId: hold.id, updatedAt: new Date(), chatId: chatId ?? null, ...(cancelAsked ? { cancelRequestedAt: new Date() } : {}),
      },
    });
  }
  const success = (spend: number, keys: string[]): Success => ({
    spend,
    output: { images: keys.length },
    assets: keys.map((k) => ({ userId: 0, kind: 'image', storageKey: k, fileName: `${k}.png`, mimeType: 'image/png', size: 10, metadata: {} })),
    usage: { endpoint: 'image.generate', promptTokens: 0, completionTokens: 0, units: keys.length },
  });

  test('captures per task, the rest back to the balance, ledger entries that chain; a task with a cancel asked is left untouched', async () => {
    const { prisma } = db;
    const u = await prisma.user.create({ data: { username: 'finisher', creditAccount: { create: { available: 100 } } } });
    const v = await prisma.user.create({ data: { username: 'other', creditAccount: { create: { available: 10 } } } });
    const t1 = await running(u.id, 5);
    const t2 = await running(v.id, 3);
    const t3 = await running(u.id, 4);
    const t4 = await running(u.id, 2, true);
    const t5 = await running(u.id, 6);
    const done = await finishSucceededMany(db, [
      { id: t1.id, success: success(5, ['k1a', 'k1b']) },
      { id: t2.id, success: success(1, ['k2']) },
      { id: t3.id, success: success(2, []) },
      { id: t4.id, success: success(2, ['k4']) },
      { id: t5.id, success: success(6, ['k5']) },
    ]);
    assert.deepEqual([...done.keys()].sort(), [t1.id, t2.id, t3.id, t5.id].sort());
    assert.deepEqual(done.get(t1.id)!.assets.map((a) => a.kind), ['image', 'image']);
    const stored = await prisma.asset.findMany({ where: { taskId: t1.id }, orderBy: { id: 'asc' } });
    assert.deepEqual(done.get(t1.id)!.assets.map((a) => a.id), stored.map((a) => a.id), 'assets in the order of the outputs');
    assert.equal(done.get(t3.id)!.assets.length, 0);
    assert.equal(done.get(t2.id)!.task.status, 'succeeded');
    assert.equal(done.get(t2.id)!.task.cost, 1);

    // u: held 5+4+2+6 of 100; spent 5+2+6, 2 back from t3, t4's 2 still held.
    const acc = await prisma.creditAccount.findUniqueOrThrow({ where: { userId: u.id } });
    assert.deepEqual({ available: acc.available, reserved: acc.reserved }, { available: 100 - 17 + 2, reserved: 2 });
    const accV = await prisma.creditAccount.findUniqueOrThrow({ where: { userId: v.id } });
    assert.deepEqual({ available: accV.available, reserved: accV.reserved }, { available: 9, reserved: 0 });

    // The capture entries, in hold order, each from the balance the one before left.
    const entries = await prisma.creditEntry.findMany({ where: { userId: u.id }, orderBy: { id: 'asc' } });
    assert.deepEqual(entries.map((e) => e.taskId), [t1.id, t3.id, t5.id]);
    let bal = 100 - 17;
    let res = 17;
    for (const e of entries) {
      bal += e.amount;
      res += e.reservedDelta;
      assert.deepEqual({ after: e.balanceAfter, reservedAfter: e.reservedAfter }, { after: bal, reservedAfter: res });
    }
    assert.deepEqual({ bal, res }, { bal: acc.available, res: acc.reserved });

    const left = await prisma.task.findUniqueOrThrow({ where: { id: t4.id }, include: { hold: true } });
    assert.equal(left.status, 'running');
    assert.equal(left.hold?.status, 'held');
    assert.equal(await prisma.asset.count({ where: { taskId: t4.id } }), 0);
    assert.equal(await prisma.usageRecord.count({ where: { taskId: { in: [t1.id, t2.id, t3.id, t5.id] } } }), 4);

    // Finishing again changes nothing.
    assert.equal((await finishSucceededMany(db, [{ id: t1.id, success: success(5, ['k1c']) }])).size, 0);
  });

  test('replies of one chat finishing together: stored in task order, the chat touched once', async () => {
    const { prisma } = db;
    const u = await prisma.user.create({ data: { username: 'chatter', creditAccount: { create: { available: 50 } } } });
    const chat = await prisma.chat.create({ data: { userId: u.id, updatedAt: new Date(Date.now() - 60_000) } });
    const a = await running(u.id, 2, false, chat.id);
    const b = await running(u.id, 3, false, chat.id);
    const reply = (text: string, spend: number): Success => ({ ...success(spend, []), chatReply: text, usage: { endpoint: 'text.chat', promptTokens: 1, completionTokens: 2, units: 0 } });
    const done = await finishSucceededMany(db, [
      { id: b.id, success: reply('second', 3) },
      { id: a.id, success: reply('first', 1) },
    ]);
    assert.equal(done.size, 2);
    const messages = await prisma.chatMessage.findMany({ where: { chatId: chat.id }, orderBy: { id: 'asc' } });
    assert.deepEqual(messages.map((m) => [m.role, m.content, m.taskId]), [
      ['assistant', 'first', a.id],
      ['assistant', 'second', b.id],
    ]);
    const touched = await prisma.chat.findUniqueOrThrow({ where: { id: chat.id } });
    assert.ok(touched.updatedAt.getTime() > chat.updatedAt.getTime());
    const acc = await prisma.creditAccount.findUniqueOrThrow({ where: { userId: u.id } });
    assert.deepEqual({ available: acc.available, reserved: acc.reserved }, { available: 50 - 4, reserved: 0 });
  });
});

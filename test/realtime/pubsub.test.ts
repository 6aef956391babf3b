// The pub/sub behind GraphQL subscriptions (src/realtime/pubsub.ts), in memory and over Redis:
// delivery and order, a task's changes picked out of its owner's channel, listening from subscribe() on, ending an iterator, one Redis subscription
// per channel per process, several instances on one Redis, a subscriber that falls behind, what
// a payload looks like on arrival, closing the bus, and a Redis SUBSCRIBE that fails.
// The Redis part runs when REDIS_URL is set (CI); each test uses its own random prefix.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { setImmediate as tick } from 'node:timers/promises';
import { after, afterEach, before, describe, test } from 'node:test';
import { Redis } from 'ioredis';
import { createBus, createMemoryPubSub, type Connect, type PubSub, type RealtimeBus, type Subscription } from '../../src/realtime/pubsub.js';
import type { TaskSnapshot, TokenEvent } from '../../src/modules/tasks/tasks.events.js';
import { until } from '../helpers/wait.js';

const redisUrl = process.env.REDIS_URL;
const MAX_BUFFER = 1024;
const BEHIND = 'The subscriber fell too far behind its events';

/** Fails instead of hanging when `p` does not settle within `ms`. */
function within<T>(p: Promise<T>, ms = 5_000, what = 'a promise'): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    p.finally(() => clearTimeout(timer)),
    new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} did not settle within ${ms} ms`)), ms))),
  ]);
}

/** Whether `p` is still unsettled after `ms`. */
async function stillPending(p: Promise<unknown>, ms = 100): Promise<boolean> {
  const marker = Symbol('pending');
  const r = await Promise.race([p.then(() => 'settled', () => 'settled'), new Promise((res) => setTimeout(() => res(marker), ms))]);
  return r === marker;
}

/** The next value of `sub`; fails when it ends or nothing arrives in time. */
async function nextValue<T>(sub: Subscription<T>, what = 'an event'): Promise<T> {
  const r = await within(sub.next(), 5_000, what);
  assert.equal(r.done, false, `expected ${what}, the subscription ended`);
  return r.value as T;
}

async function take<T>(sub: Subscription<T>, n: number): Promise<T[]> {
  const out: T[] = [];
  for (let i = 0; i < n; i++) out.push(await nextValue(sub, `event #${i + 1} of ${n}`));
  return out;
}

const token = (seq: number, delta = 'x'): TokenEvent => ({ taskId: 1, choice: 0, seq, delta });
const seqs = (events: TokenEvent[]) => events.map((e) => e.seq);
const range = (n: number, from = 0) => Array.from({ length: n }, (_, i) => from + i);

/** A fake task row: only what the tests look at. */
const snapshot = (id: number, createdAt: Date) => ({ id, userId: 7, status: 'running', progress: 0.5, createdAt, finishedAt: null }) as unknown as TaskSnapshot;

// ─── Behaviour that memory and Redis share ───────────────────────────────────────────────────────

type Kind = {
  name: string;
  /** A new bus; closed after the test. */
  open(prefix?: string): RealtimeBus;
};

const opened: RealtimeBus[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((b) => b.close()));
});

const memory: Kind = {
  name: 'in memory',
  open: () => {
    const bus = createBus(undefined);
    opened.push(bus);
    return bus;
  },
};

const overRedis: Kind = {
  name: 'over Redis',
  open: (prefix = `test:pubsub:${randomUUID()}:`) => {
    const bus = createBus(redisUrl!, prefix);
    opened.push(bus);
    return bus;
  },
};

function shared(kind: Kind) {
  test('events reach every subscriber of a channel in publish order; other channels get nothing', async () => {
    const { pubsub } = kind.open();
    const a = pubsub.subscribe('task:token', 1);
    const b = pubsub.subscribe('task:token', 1);
    const other = pubsub.subscribe('task:token', 2);
    const prefixOfId = pubsub.subscribe('task:token', 10); // 'task:token:10' is not 'task:token:1'…
    const otherTopic = pubsub.subscribe('user:tasks', 1); // …and another topic with the same id is another channel
    await Promise.all([a.ready, b.ready, other.ready, prefixOfId.ready, otherTopic.ready]);

    for (const i of range(50)) pubsub.publish('task:token', 1, token(i));
    // Published after the others: when it arrives first, nothing of channel 1 reached them.
    pubsub.publish('task:token', 2, token(1000));
    pubsub.publish('task:token', 10, token(2000));
    pubsub.publish('user:tasks', 1, { type: 'progress', task: snapshot(1, new Date(0)) });

    assert.deepEqual(seqs(await take(a, 50)), range(50));
    assert.deepEqual(seqs(await take(b, 50)), range(50));
    assert.equal((await nextValue(other)).seq, 1000);
    assert.equal((await nextValue(prefixOfId)).seq, 2000);
    assert.equal((await nextValue(otherTopic)).task.id, 1);
    for (const s of [a, b, other, prefixOfId, otherTopic]) assert.ok(await stillPending(s.next(), 50), 'no further event');
  });

  test('a topic without an id', async () => {
    const { pubsub } = kind.open();
    const s1 = pubsub.subscribe('task:cancel');
    const s2 = pubsub.subscribe('task:cancel');
    const unrelated = pubsub.subscribe('task:token', 1);
    await Promise.all([s1.ready, s2.ready, unrelated.ready]);
    pubsub.publish('task:cancel', { taskId: 5 });
    pubsub.publish('task:cancel', { taskId: 6 });
    pubsub.publish('task:token', 1, token(0));
    assert.deepEqual(await take(s1, 2), [{ taskId: 5 }, { taskId: 6 }]);
    assert.deepEqual(await take(s2, 2), [{ taskId: 5 }, { taskId: 6 }]);
    assert.equal((await nextValue(unrelated)).seq, 0, 'the cancel events did not reach a task:token subscriber');
  });

  test('a subscription listens from subscribe() on, not from its first next()', async () => {
    const { pubsub } = kind.open();
    const probe = pubsub.subscribe('task:cancel');
    await probe.ready;
    const sub = pubsub.subscribe('task:token', 3);
    await within(sub.ready, 5_000, 'ready');
    pubsub.publish('task:token', 3, token(0));
    pubsub.publish('task:token', 3, token(1));
    // Nobody has called next() on `sub` yet. Published after them on another channel: when this
    // has arrived, so have they (one connection, in order, over Redis).
    pubsub.publish('task:cancel', { taskId: 3 });
    assert.deepEqual(await nextValue(probe), { taskId: 3 });
    await tick();
    assert.deepEqual(seqs(await take(sub, 2)), [0, 1]);
  });

  test('return() ends the iterator, and resolves a pending next() as done', async () => {
    const { pubsub } = kind.open();
    const sub = pubsub.subscribe('task:token', 4);
    const stays = pubsub.subscribe('task:token', 4);
    await Promise.all([sub.ready, stays.ready]);

    const pending = sub.next();
    assert.ok(await stillPending(pending), 'next() waits for an event');
    assert.deepEqual(await sub.return!(), { value: undefined, done: true });
    assert.deepEqual(await within(pending, 1_000, 'the pending next()'), { value: undefined, done: true });
    assert.deepEqual(await sub.next(), { value: undefined, done: true });
    assert.deepEqual(await sub.return!(), { value: undefined, done: true }, 'a second return() is harmless');

    // Events published after return() are not delivered to it; the other subscriber still gets them.
    pubsub.publish('task:token', 4, token(0));
    assert.equal((await nextValue(stays)).seq, 0);
    assert.deepEqual(await sub.next(), { value: undefined, done: true });
  });

  test('return() drops what was buffered', async () => {
    const { pubsub } = kind.open();
    const sub = pubsub.subscribe('task:token', 5);
    const probe = pubsub.subscribe('task:token', 5);
    await Promise.all([sub.ready, probe.ready]);
    for (const i of range(3)) pubsub.publish('task:token', 5, token(i));
    await take(probe, 3); // all three have reached `sub` too
    await sub.return!();
    assert.deepEqual(await sub.next(), { value: undefined, done: true });
  });

  test('breaking out of for await ends the subscription; throw() ends it with the error', async () => {
    const { pubsub } = kind.open();
    const looped = pubsub.subscribe('task:token', 6);
    const thrown = pubsub.subscribe('task:token', 6);
    const probe = pubsub.subscribe('task:token', 6);
    await Promise.all([looped.ready, thrown.ready, probe.ready]);
    for (const i of range(5)) pubsub.publish('task:token', 6, token(i));

    const seen: number[] = [];
    for await (const e of looped) {
      seen.push(e.seq);
      if (seen.length === 2) break;
    }
    assert.deepEqual(seen, [0, 1]);
    assert.deepEqual(await looped.next(), { value: undefined, done: true });

    const boom = new Error('boom');
    await assert.rejects(thrown.throw!(boom), (e) => e === boom);
    assert.deepEqual(await thrown.next(), { value: undefined, done: true });

    assert.deepEqual(seqs(await take(probe, 5)), range(5));
  });

  test("a task's followers get its changes, picked out of its owner's task events, in order", async () => {
    const { pubsub } = kind.open();
    const first = pubsub.subscribeTask(1, 7);
    const second = pubsub.subscribeTask(1, 7);
    const otherTask = pubsub.subscribeTask(2, 7);
    const otherOwner = pubsub.subscribeTask(1, 8); // task 1 is user 7's: user 8's channel never carries it
    const owner = pubsub.subscribe('user:tasks', 7);
    await Promise.all([first, second, otherTask, otherOwner, owner].map((s) => s.ready));

    const change = (id: number, progress: number) => ({ type: 'progress' as const, task: { ...snapshot(id, new Date(0)), progress } });
    for (const i of range(30)) pubsub.publish('user:tasks', 7, change(i % 3 === 2 ? 2 : 1, i));
    pubsub.publish('user:tasks', 7, change(3, 100)); // a task nobody follows
    pubsub.publish('user:tasks', 8, change(4, 200));
    // Last: when it arrives, everything before it has.
    pubsub.publish('user:tasks', 7, change(2, 300));

    const ofTask1 = range(30).filter((i) => i % 3 !== 2);
    const ofTask2 = [...range(30).filter((i) => i % 3 === 2), 300];
    for (const s of [first, second]) {
      const got = await take(s, ofTask1.length);
      assert.deepEqual(got.map((t) => [t.id, t.progress]), ofTask1.map((p) => [1, p]));
    }
    assert.deepEqual((await take(otherTask, ofTask2.length)).map((t) => [t.id, t.progress]), ofTask2.map((p) => [2, p]));
    const all = await take(owner, 32);
    assert.deepEqual(all.map((e) => e.task.id).slice(-2), [3, 2], 'the owner gets every task of theirs');
    for (const s of [first, second, otherTask, otherOwner, owner]) assert.ok(await stillPending(s.next(), 50), 'no further event');
  });

  test("a task's followers leaving leave the owner's subscribers alone, and the other way round", async () => {
    const { pubsub } = kind.open();
    const follower = pubsub.subscribeTask(5, 7);
    const owner = pubsub.subscribe('user:tasks', 7);
    await Promise.all([follower.ready, owner.ready]);
    assert.equal(pubsub.size(), 1, "one channel: the owner's");
    await follower.return!();
    pubsub.publish('user:tasks', 7, { type: 'progress', task: snapshot(5, new Date(0)) });
    assert.equal((await nextValue(owner)).task.id, 5);
    const again = pubsub.subscribeTask(5, 7);
    await again.ready;
    await owner.return!();
    assert.equal(pubsub.size(), 1, 'a follower is left: still listening');
    pubsub.publish('user:tasks', 7, { type: 'succeeded', task: { ...snapshot(5, new Date(0)), status: 'succeeded' } });
    assert.equal((await nextValue(again)).status, 'succeeded');
    await again.return!();
    assert.equal(pubsub.size(), 0);
  });

  test('a channel left by its last subscriber can be subscribed again', async () => {
    const { pubsub } = kind.open();
    const first = pubsub.subscribe('task:token', 8);
    await first.ready;
    await first.return!();
    // Same tick: the leave and the new join race (UNSUBSCRIBE then SUBSCRIBE over Redis).
    const again = pubsub.subscribe('task:token', 8);
    await within(again.ready, 5_000, 'ready');
    pubsub.publish('task:token', 8, token(1));
    assert.equal((await nextValue(again)).seq, 1);

    await again.return!();
    await tick();
    const third = pubsub.subscribe('task:token', 8);
    await within(third.ready, 5_000, 'ready');
    pubsub.publish('task:token', 8, token(2));
    assert.equal((await nextValue(third)).seq, 2);
  });

  describe('a subscriber that never reads', () => {
    test(`exactly ${MAX_BUFFER} unread events are kept and delivered in order`, async () => {
      const { pubsub } = kind.open();
      const lazy = pubsub.subscribe('task:token', 20);
      const probe = pubsub.subscribe('task:token', 20);
      await Promise.all([lazy.ready, probe.ready]);
      for (const i of range(MAX_BUFFER)) pubsub.publish('task:token', 20, token(i));
      await take(probe, MAX_BUFFER); // every event has been pushed to `lazy` as well
      assert.deepEqual(seqs(await take(lazy, MAX_BUFFER)), range(MAX_BUFFER));
      // Still subscribed: the next event arrives normally.
      pubsub.publish('task:token', 20, token(MAX_BUFFER));
      assert.equal((await nextValue(lazy)).seq, MAX_BUFFER);
    });

    test(`one event more: its buffer is dropped, next() rejects once with the error, then it is done; the others still receive`, async () => {
      const { pubsub } = kind.open();
      const earlier = pubsub.subscribe('task:token', 21); // earlier in the channel's set than the lazy one…
      const lazy = pubsub.subscribe('task:token', 21);
      const later = pubsub.subscribe('task:token', 21); // …and later
      await Promise.all([earlier.ready, lazy.ready, later.ready]);

      const total = MAX_BUFFER + 200;
      // The readers read while events arrive (as clients do); only `lazy` never reads.
      const readers = [within(take(earlier, total), 20_000, 'reader earlier'), within(take(later, total), 20_000, 'reader later')];
      for (const i of range(total)) {
        pubsub.publish('task:token', 21, token(i, 'x'.repeat(100)));
        if (i % 100 === 99) await tick(); // in memory publish() delivers synchronously: let the readers read
      }
      const [r1, r2] = await Promise.all(readers);
      assert.deepEqual(seqs(r1!), range(total));
      assert.deepEqual(seqs(r2!), range(total));

      // Nothing of the 1,024 buffered events is handed out: the error comes first, once, then done.
      await assert.rejects(within(lazy.next(), 1_000, 'next() of the lazy one'), { message: BEHIND });
      assert.deepEqual(await within(lazy.next(), 1_000, 'next() after the error'), { value: undefined, done: true });
      assert.deepEqual(await lazy.next(), { value: undefined, done: true });

      // It has left the channel; the readers have not.
      pubsub.publish('task:token', 21, token(total));
      assert.equal((await nextValue(earlier)).seq, total);
      assert.equal((await nextValue(later)).seq, total);
      assert.deepEqual(await lazy.next(), { value: undefined, done: true });
    });

    test('a pending next() takes the first event directly; the 1,024 after it are buffered, one more ends it', async () => {
      const { pubsub } = kind.open();
      const sub = pubsub.subscribe('task:token', 22);
      const probe = pubsub.subscribe('task:token', 22);
      await Promise.all([sub.ready, probe.ready]);
      const pending = sub.next();
      const read = within(take(probe, MAX_BUFFER + 2), 20_000, 'the probe');
      for (const i of range(MAX_BUFFER + 2)) {
        pubsub.publish('task:token', 22, token(i));
        if (i % 100 === 99) await tick();
      }
      await read;
      assert.equal((await within(pending, 1_000, 'the pending next()')).value?.seq, 0);
      await assert.rejects(sub.next(), { message: BEHIND });
      assert.deepEqual(await sub.next(), { value: undefined, done: true });
    });
  });
}

describe('pub/sub in memory', () => {
  shared(memory);

  test('createMemoryPubSub() and createBus() without a URL are in memory; ready is settled at once', async () => {
    for (const pubsub of [createMemoryPubSub(), memory.open().pubsub] as PubSub[]) {
      const sub = pubsub.subscribe('task:token', 1);
      assert.equal(await stillPending(sub.ready, 0), false);
      pubsub.publish('task:token', 1, token(0));
      assert.equal((await nextValue(sub)).seq, 0);
    }
  });

  test('publish right after subscribe, before ready and next(), is received', async () => {
    const { pubsub } = memory.open();
    const sub = pubsub.subscribe('task:token', 1);
    pubsub.publish('task:token', 1, token(0));
    pubsub.publish('task:cancel', { taskId: 1 }); // another channel
    pubsub.publish('task:token', 1, token(1));
    assert.deepEqual(seqs(await take(sub, 2)), [0, 1]);
  });

  test('two memory buses are separate', async () => {
    const a = memory.open().pubsub;
    const b = memory.open().pubsub;
    const onB = b.subscribe('task:cancel');
    a.publish('task:cancel', { taskId: 1 });
    b.publish('task:cancel', { taskId: 2 });
    assert.deepEqual(await nextValue(onB), { taskId: 2 });
  });

  test('every subscriber gets the very object published: dates stay Dates', async () => {
    const { pubsub } = memory.open();
    const s1 = pubsub.subscribeTask(9, 7);
    const s2 = pubsub.subscribeTask(9, 7);
    const owner = pubsub.subscribe('user:tasks', 7);
    const createdAt = new Date('2024-05-06T07:08:09.010Z');
    const sent = snapshot(9, createdAt);
    const event = { type: 'started' as const, task: sent };
    pubsub.publish('user:tasks', 7, event);
    const [got1, got2] = [await nextValue(s1), await nextValue(s2)];
    assert.equal(got1, sent);
    assert.equal(got2, sent);
    assert.equal(await nextValue(owner), event);
    assert.ok(got1.createdAt instanceof Date);
    assert.equal(got1.createdAt, createdAt);
  });

  test('publishing a payload of another shape to a user with task followers reaches none of them', async () => {
    const { pubsub } = memory.open();
    const follower = pubsub.subscribeTask(1, 7);
    for (const odd of [null, {}, { task: null }, { task: { id: '1' } }]) pubsub.publish('user:tasks', 7, odd as never);
    pubsub.publish('user:tasks', 7, { type: 'progress', task: snapshot(1, new Date(0)) });
    assert.equal((await nextValue(follower)).id, 1);
    assert.ok(await stillPending(follower.next(), 20));
  });

  test('a synchronous burst counts against a reader too: publish() delivers at once, the reader has no turn to read', async () => {
    const { pubsub } = memory.open();
    const reader = pubsub.subscribe('task:token', 1);
    const pending = reader.next(); // a waiting next() takes the first event directly
    for (const i of range(MAX_BUFFER + 1)) pubsub.publish('task:token', 1, token(i));
    assert.equal((await pending).value?.seq, 0);
    // 1..1024 are buffered: exactly full, still alive.
    pubsub.publish('task:token', 1, token(MAX_BUFFER + 1));
    // The 1,026th overflowed it.
    await assert.rejects(reader.next(), { message: BEHIND });
    assert.deepEqual(await reader.next(), { value: undefined, done: true });
  });

  test('close() resolves and is harmless', async () => {
    const bus = createBus(undefined);
    const sub = bus.pubsub.subscribe('task:cancel');
    await bus.close();
    bus.pubsub.publish('task:cancel', { taskId: 1 });
    assert.deepEqual(await nextValue(sub), { taskId: 1 });
    await sub.return!();
  });
});

describe('pub/sub over Redis', { skip: !redisUrl && 'needs REDIS_URL' }, () => {
  let admin: Redis;
  const numsub = async (channel: string) => {
    const [, n] = (await admin.call('PUBSUB', 'NUMSUB', channel)) as [string, number];
    return Number(n);
  };
  const prefix = () => `test:pubsub:${randomUUID()}:`;

  before(async () => {
    admin = new Redis(redisUrl!, { lazyConnect: true, maxRetriesPerRequest: 1 });
    await admin.connect();
  });
  after(() => admin.disconnect());

  shared(overRedis);

  test('one Redis subscription per channel per process, however many subscribers; unsubscribed when the last leaves', async () => {
    const p = prefix();
    const { pubsub } = overRedis.open(p);
    const channel = `${p}task:token:1`;
    assert.equal(await numsub(channel), 0);

    const subs = range(1000).map(() => pubsub.subscribe('task:token', 1));
    await within(Promise.all(subs.map((s) => s.ready)), 10_000, 'ready of 1,000 subscribers');
    assert.equal(await numsub(channel), 1);

    // One message, parsed once: every subscriber gets the same object.
    pubsub.publish('task:token', 1, token(7));
    const got = await Promise.all(subs.map((s) => nextValue(s)));
    assert.equal(got[0]!.seq, 7);
    assert.ok(got.every((g) => g === got[0]), 'one parsed payload shared by the subscribers of the process');

    await Promise.all(subs.slice(1).map((s) => s.return!()));
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(await numsub(channel), 1, 'a subscriber is left: the channel stays subscribed');

    await subs[0]!.return!();
    await until('the channel to be unsubscribed', async () => (await numsub(channel)) === 0, 5_000, 20);

    // Leaving by a pending next() being resolved, by throw() and by falling behind unsubscribe too.
    const waiting = pubsub.subscribe('task:token', 2);
    await waiting.ready;
    assert.equal(await numsub(`${p}task:token:2`), 1);
    const pending = waiting.next();
    await waiting.return!();
    assert.equal((await pending).done, true);
    await until('task:token:2 to be unsubscribed', async () => (await numsub(`${p}task:token:2`)) === 0, 5_000, 20);

    const thrown = pubsub.subscribe('task:cancel');
    await thrown.ready;
    assert.equal(await numsub(`${p}task:cancel`), 1);
    await thrown.throw!(new Error('x')).catch(() => {});
    await until('task:cancel to be unsubscribed', async () => (await numsub(`${p}task:cancel`)) === 0, 5_000, 20);

    const lazy = pubsub.subscribe('task:token', 3);
    await lazy.ready;
    for (const i of range(MAX_BUFFER + 1)) pubsub.publish('task:token', 3, token(i));
    await until('the lazy subscriber to be dropped and its channel unsubscribed', async () => (await numsub(`${p}task:token:3`)) === 0, 10_000, 20);
    await assert.rejects(lazy.next(), { message: BEHIND });
  });

  test("a user's task events are one Redis message each, on one subscription per process for the owner and their tasks' followers", async () => {
    const p = prefix();
    const a = overRedis.open(p).pubsub;
    const b = overRedis.open(p).pubsub;
    const followers = range(3).map((i) => b.subscribeTask(i + 1, 7));
    const owner = b.subscribe('user:tasks', 7);
    await Promise.all([...followers, owner].map((s) => s.ready));
    assert.equal(await numsub(`${p}user:tasks:7`), 1);
    assert.equal(b.size(), 1);

    const seen: string[] = [];
    const monitor = new Redis(redisUrl!);
    await monitor.psubscribe(`${p}*`);
    monitor.on('pmessage', (_pattern: string, channel: string) => void seen.push(channel.slice(p.length)));
    for (const id of [1, 2, 3]) a.publish('user:tasks', 7, { type: 'progress', task: snapshot(id, new Date(0)) });
    for (const [i, f] of followers.entries()) assert.equal((await nextValue(f)).id, i + 1);
    assert.deepEqual((await take(owner, 3)).map((e) => e.task.id), [1, 2, 3]);
    await until('the monitor to see the three messages', async () => seen.length === 3, 5_000, 10);
    monitor.disconnect();
    assert.deepEqual(seen, ['user:tasks:7', 'user:tasks:7', 'user:tasks:7'], 'one message per change, nothing per task');

    await owner.return!();
    await Promise.all(followers.slice(1).map((f) => f.return!()));
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(await numsub(`${p}user:tasks:7`), 1, 'a follower is left: the channel stays subscribed');
    await followers[0]!.return!();
    await until("the owner's channel to be unsubscribed", async () => (await numsub(`${p}user:tasks:7`)) === 0, 5_000, 20);
    assert.equal(b.size(), 0);
  });

  test('two instances on one Redis with one prefix: an event published on A reaches subscribers on A and B', async () => {
    const p = prefix();
    const a = overRedis.open(p).pubsub;
    const b = overRedis.open(p).pubsub;
    const onA = a.subscribe('task:token', 1);
    const onB1 = b.subscribe('task:token', 1);
    const onB2 = b.subscribe('task:token', 1);
    const cancelOnB = b.subscribe('task:cancel');
    await Promise.all([onA.ready, onB1.ready, onB2.ready, cancelOnB.ready]);
    assert.equal(await numsub(`${p}task:token:1`), 2, 'one Redis subscription per instance');

    for (const i of range(20)) a.publish('task:token', 1, token(i));
    b.publish('task:token', 1, token(20));
    assert.deepEqual(seqs(await take(onA, 20)), range(20));
    assert.deepEqual(seqs(await take(onB1, 20)), range(20));
    assert.deepEqual(seqs(await take(onB2, 20)), range(20));
    // B's own event reaches A too.
    for (const s of [onA, onB1, onB2]) assert.equal((await nextValue(s)).seq, 20);

    a.publish('task:cancel', { taskId: 3 });
    assert.deepEqual(await nextValue(cancelOnB), { taskId: 3 });
  });

  test('another prefix isolates', async () => {
    const p1 = prefix();
    const p2 = prefix();
    const a = overRedis.open(p1).pubsub;
    const b = overRedis.open(p2).pubsub;
    const onA = a.subscribe('task:cancel');
    const onB = b.subscribe('task:cancel');
    await Promise.all([onA.ready, onB.ready]);
    assert.equal(await numsub(`${p1}task:cancel`), 1);
    assert.equal(await numsub(`${p2}task:cancel`), 1);

    a.publish('task:cancel', { taskId: 1 });
    b.publish('task:cancel', { taskId: 2 });
    assert.deepEqual(await nextValue(onA), { taskId: 1 });
    assert.deepEqual(await nextValue(onB), { taskId: 2 });
    // Someone else's message on the shared Redis, without the prefix or not JSON, is ignored.
    await admin.publish('task:cancel', JSON.stringify({ taskId: 99 }));
    await admin.publish(`${p1}task:cancel`, 'not json {');
    a.publish('task:cancel', { taskId: 4 });
    assert.deepEqual(await nextValue(onA), { taskId: 4 });
    assert.ok(await stillPending(onB.next(), 100));
  });

  test('payloads are JSON: dates arrive as ISO strings, undefined properties are gone', async () => {
    const p = prefix();
    const a = overRedis.open(p).pubsub;
    const b = overRedis.open(p).pubsub;
    const onB = b.subscribeTask(9, 7);
    await onB.ready;
    const createdAt = new Date('2024-05-06T07:08:09.010Z');
    const sent = { ...snapshot(9, createdAt), error: undefined };
    a.publish('user:tasks', 7, { type: 'progress', task: sent });
    const got = (await nextValue(onB)) as unknown as Record<string, unknown>;
    assert.notEqual(got, sent);
    assert.deepEqual(got, { id: 9, userId: 7, status: 'running', progress: 0.5, createdAt: '2024-05-06T07:08:09.010Z', finishedAt: null });
  });

  test('a channel subscribed while the connection is being set up stays subscribed', async () => {
    // Between connecting and its ready check (INFO), ioredis writes a SUBSCRIBE at once rather than
    // queueing it; Redis then refuses the INFO on the subscribed connection, ioredis reconnects,
    // and the channel was lost (an event published then never arrived). Subscribing on the
    // 'connect' event puts the SUBSCRIBE in that window every time.
    const p = prefix();
    let sub: Subscription<TokenEvent> | undefined;
    let bus: RealtimeBus | undefined;
    const connect: Connect = (url, options) => {
      const client = new Redis(url, options);
      if (!options.enableAutoPipelining) client.once('connect', () => (sub = bus!.pubsub.subscribe('task:token', 1)));
      return client;
    };
    bus = createBus(redisUrl!, p, connect);
    opened.push(bus);
    await until('the subscribing connection to connect', async () => sub !== undefined, 5_000, 5);
    await within(sub!.ready, 5_000, 'ready');
    // Still subscribed a moment later (the refused ready check closed the connection within it).
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(await numsub(`${p}task:token:1`), 1);
    bus.pubsub.publish('task:token', 1, token(3));
    assert.equal((await nextValue(sub!)).seq, 3);
  });

  test('a channel left while the connection is being set up is not left subscribed', async () => {
    // The SUBSCRIBE waits for the set-up (above); an UNSUBSCRIBE sent at once went before it and
    // left the channel subscribed with nobody listening.
    const p = prefix();
    let bus: RealtimeBus | undefined;
    let left = false;
    const connect: Connect = (url, options) => {
      const client = new Redis(url, options);
      if (!options.enableAutoPipelining) {
        client.once('connect', () => {
          const sub = bus!.pubsub.subscribe('task:token', 1);
          void sub.return!().then(() => (left = true));
        });
      }
      return client;
    };
    bus = createBus(redisUrl!, p, connect);
    opened.push(bus);
    await until('the subscriber to leave', async () => left, 5_000, 5);
    const other = bus.pubsub.subscribe('task:token', 2);
    await within(other.ready, 5_000, 'ready of another channel');
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(await numsub(`${p}task:token:1`), 0);
    assert.equal(await numsub(`${p}task:token:2`), 1);
  });

  test("a message of another shape on a user's task channel reaches its owner's subscribers and no task follower", async () => {
    const p = prefix();
    const { pubsub } = overRedis.open(p);
    const follower = pubsub.subscribeTask(1, 7);
    const owner = pubsub.subscribe('user:tasks', 7);
    await Promise.all([follower.ready, owner.ready]);
    for (const odd of ['null', '{"task":null}', '{"task":{"id":"1"}}', '[1]']) await admin.publish(`${p}user:tasks:7`, odd);
    pubsub.publish('user:tasks', 7, { type: 'progress', task: snapshot(1, new Date(0)) });
    assert.equal((await nextValue(follower)).id, 1, 'the well-formed change, and nothing before it');
    const got = await take(owner, 5);
    assert.deepEqual(got.slice(0, 4), [null, { task: null }, { task: { id: '1' } }, [1]]);
  });

  test('close() disconnects: the Redis subscription is gone and publishing does nothing', async () => {
    const p = prefix();
    const closing = createBus(redisUrl!, p);
    const other = overRedis.open(p).pubsub;
    const sub = closing.pubsub.subscribe('task:cancel');
    const onOther = other.subscribe('task:cancel');
    await Promise.all([sub.ready, onOther.ready]);
    assert.equal(await numsub(`${p}task:cancel`), 2);

    await within(closing.close(), 2_000, 'close()');
    await until('the closed bus to leave Redis', async () => (await numsub(`${p}task:cancel`)) === 1, 5_000, 20);

    closing.pubsub.publish('task:cancel', { taskId: 1 }); // must neither throw nor arrive
    other.publish('task:cancel', { taskId: 2 });
    assert.deepEqual(await nextValue(onOther), { taskId: 2 }, 'the publish on the closed bus went nowhere');
    // The closed bus receives nothing more (its subscriber is not ended by close(), see the report).
    assert.ok(await stillPending(sub.next(), 100));
    await sub.return!();
  });
});

// ─── A SUBSCRIBE that Redis does not confirm ────────────────────────────────────────────────────

/** Redis connections whose next `failures` SUBSCRIBE commands are refused (after a moment, as by a server). */
function refusing(connect: Connect) {
  const state = { failures: 0, subscribes: 0 };
  const wrap: Connect = (url, options) => {
    const client = connect(url, options);
    const subscribe = client.subscribe.bind(client) as (channel: string) => Promise<unknown>;
    (client as unknown as { subscribe(channel: string): Promise<unknown> }).subscribe = (channel) => {
      state.subscribes++;
      if (state.failures > 0) {
        state.failures--;
        return new Promise((_, reject) => setTimeout(() => reject(new Error('Connection is closed.')), 20));
      }
      return subscribe(channel);
    };
    return client;
  };
  return { state, connect: wrap };
}

/** A stand-in for ioredis's pub/sub, in memory: enough of it for createBus. */
function standInRedis(): Connect {
  const server = new EventEmitter();
  return () => {
    const client = new EventEmitter();
    const channels = new Set<string>();
    server.on('publish', (channel: string, message: string) => channels.has(channel) && client.emit('message', channel, message));
    return Object.assign(client, {
      subscribe: async (channel: string) => void channels.add(channel),
      unsubscribe: async (channel: string) => void channels.delete(channel),
      publish: async (channel: string, message: string) => void server.emit('publish', channel, message),
      disconnect: () => channels.clear(),
    }) as unknown as ReturnType<Connect>;
  };
}

function refusedSubscribe(name: string, skip: string | false, base: () => Connect) {
  /** A bus whose next SUBSCRIBE is refused. */
  const refusingOnce = () => {
    const { state, connect } = refusing(base());
    const bus = createBus(redisUrl ?? 'redis://stand-in', `test:pubsub:${randomUUID()}:`, connect);
    opened.push(bus);
    state.failures = 1;
    return { state, pubsub: bus.pubsub };
  };
  describe(`a refused SUBSCRIBE, ${name}`, { skip }, () => {
    test('ends the channel\'s subscribers with the error and forgets the channel; the next subscriber subscribes again', async () => {
      const { state, pubsub } = refusingOnce();
      const first = pubsub.subscribe('task:token', 1);
      const second = pubsub.subscribe('task:token', 1);
      const waiting = second.next();
      await assert.rejects(within(first.ready, 5_000, 'ready'), { message: 'Connection is closed.' });
      await assert.rejects(second.ready, { message: 'Connection is closed.' });
      // Both end with the error (a pending next() at once), then are done.
      await assert.rejects(within(waiting, 1_000, 'the pending next()'), { message: 'Connection is closed.' });
      await assert.rejects(first.next(), { message: 'Connection is closed.' });
      assert.deepEqual(await first.next(), { value: undefined, done: true });
      assert.deepEqual(await second.next(), { value: undefined, done: true });
      assert.equal(pubsub.size(), 0, 'the channel is not kept as if subscribed');
      assert.equal(state.subscribes, 1);

      const third = pubsub.subscribe('task:token', 1);
      await within(third.ready, 5_000, 'ready of the next subscriber');
      assert.equal(state.subscribes, 2, 'it asked Redis again');
      assert.equal(pubsub.size(), 1);
      pubsub.publish('task:token', 1, token(5));
      assert.equal((await nextValue(third)).seq, 5);
      await third.return!();
      assert.equal(pubsub.size(), 0);
    });

    test("a refused SUBSCRIBE of a user's task channel ends the owner's subscribers and the tasks' followers", async () => {
      const { state, pubsub } = refusingOnce();
      const owner = pubsub.subscribe('user:tasks', 7);
      const follower = pubsub.subscribeTask(3, 7);
      for (const s of [owner, follower]) {
        await assert.rejects(within(s.ready, 5_000, 'ready'), { message: 'Connection is closed.' });
        await assert.rejects(s.next(), { message: 'Connection is closed.' });
        assert.deepEqual(await s.next(), { value: undefined, done: true });
      }
      assert.equal(pubsub.size(), 0);
      assert.equal(state.subscribes, 1, 'one SUBSCRIBE for both');

      const again = pubsub.subscribeTask(3, 7);
      await within(again.ready, 5_000, 'ready of the next follower');
      assert.equal(state.subscribes, 2);
      pubsub.publish('user:tasks', 7, { type: 'progress', task: snapshot(3, new Date(0)) });
      assert.equal((await nextValue(again)).id, 3);
    });

    test('a refusal that comes after the channel was left and subscribed again leaves the new subscription alone', async () => {
      const { state, pubsub } = refusingOnce();
      const gone = pubsub.subscribe('task:cancel');
      await gone.return!();
      // The channel was left and is subscribed again while the first SUBSCRIBE is still unanswered.
      const again = pubsub.subscribe('task:cancel');
      await assert.rejects(gone.ready);
      await within(again.ready, 5_000, 'ready');
      assert.equal(pubsub.size(), 1);
      assert.deepEqual(await gone.next(), { value: undefined, done: true });
      pubsub.publish('task:cancel', { taskId: 8 });
      assert.deepEqual(await nextValue(again), { taskId: 8 });
    });
  });
}

refusedSubscribe('with a stand-in Redis', false, standInRedis);
refusedSubscribe('over Redis', !redisUrl && 'needs REDIS_URL', () => (url, options) => new Redis(url, options));

test("a Redis connection's errors go to the log, from both connections, once each while it keeps failing", async () => {
  // Nothing listens on port 1: each connection attempt fails, and ioredis keeps trying.
  const warned: { client: string; err: string }[] = [];
  const bus = createBus('redis://127.0.0.1:1', `test:pubsub:${randomUUID()}:`, undefined, { warn: (o) => void warned.push(o as { client: string; err: string }), info: () => {} });
  opened.push(bus);
  await until('both connections to report an error', async () => new Set(warned.map((w) => w.client)).size === 2, 5_000, 10);
  assert.ok(warned.every((w) => /ECONNREFUSED/.test(w.err)), JSON.stringify(warned[0]));
  // ioredis tries again every few hundred ms; the log says it once per connection (then every 30 s).
  await new Promise((r) => setTimeout(r, 1500));
  assert.deepEqual(warned.map((w) => w.client).sort(), ['publish', 'subscribe']);
});

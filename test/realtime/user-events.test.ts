// Which of a user's events are published for subscriptions (src/modules/events/events.service.ts):
// the types a subscription offers, and no other; webhooks get every type either way (tested with
// the webhooks).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { emit, LIVE_EVENTS, liveEvents, type EventType } from '../../src/modules/events/events.service.js';
import { EVENTS } from '../../src/modules/webhooks/webhooks.service.js';
import { createMemoryPubSub, type PubSub } from '../../src/realtime/pubsub.js';

/** emit() on `pubsub` with no webhooks (`hooks` given empty): nothing is read or queued. */
const emitOn = (pubsub: PubSub, userId: number, type: EventType, data: Record<string, unknown>) =>
  emit({ pubsub, log: { debug() {}, warn() {}, error() {} } } as unknown as Parameters<typeof emit>[0], userId, type, data, []);

/** The next event of `sub` if one is already there, else null. */
const waiting = <T>(sub: AsyncIterator<T>) => Promise.race([sub.next(), new Promise<null>((res) => setImmediate(() => res(null)))]);

test('only event types a subscription offers are published; each once, to its user', async () => {
  const pubsub = createMemoryPubSub();
  const mine = pubsub.subscribe('user:event', 1);
  const theirs = pubsub.subscribe('user:event', 2);
  for (const type of EVENTS) await emitOn(pubsub, 1, type as EventType, { n: 1 });

  const got: string[] = [];
  for (;;) {
    const r = await waiting(mine);
    if (!r || r.done) break;
    got.push(r.value.type);
  }
  assert.ok(LIVE_EVENTS.size > 0 && [...LIVE_EVENTS].every((t) => (EVENTS as readonly string[]).includes(t)));
  assert.deepEqual(got, [...LIVE_EVENTS], `published: ${got.join(', ')}`);
  assert.ok(!got.some((t) => t.startsWith('ai.task.')), "a task's events reach subscribers as task changes, not here");
  assert.equal(await waiting(theirs), null, "another user's subscriber gets nothing");
});

test('a subscription to a type that is never published is refused when it is made, not left waiting', async () => {
  const pubsub = createMemoryPubSub();
  assert.throws(() => liveEvents(pubsub, 1, 'ai.task.started'), /ai\.task\.started events are not published/);
  assert.equal(pubsub.size(), 0);
  const quota = liveEvents(pubsub, 1, 'quota.warning');
  await emitOn(pubsub, 1, 'quota.warning', { used: 9 });
  assert.deepEqual((await quota.next()).value?.data, { used: 9 });
  await quota.return?.();
  assert.equal(pubsub.size(), 0);
});

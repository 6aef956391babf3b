// TaskFollower (taskUpdated's stream, src/modules/tasks/tasks.follow.ts) on the in-memory bus,
// with the database stood in for: whose channel it listens to, and an admin's follower, which
// finds the task's owner before it listens.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Context } from '../../src/context.js';
import type { Task } from '../../src/generated/prisma/client.js';
import { TaskFollower } from '../../src/modules/tasks/tasks.follow.js';
import { createMemoryPubSub } from '../../src/realtime/pubsub.js';

const OWNER = 7;
const row = (status: string, progress = 0) => ({ id: 5, userId: OWNER, status, progress, createdAt: new Date(0) }) as unknown as Task;

/** A context whose task reads answer `now` once `gate` opens; counts them. */
function contextFor(now: () => Task | null) {
  const pubsub = createMemoryPubSub();
  let open!: () => void;
  const gate = new Promise<void>((r) => (open = r));
  const reads: string[] = [];
  const prisma = {
    task: {
      findUnique: async (args: { select?: unknown }) => {
        reads.push(args.select ? 'owner' : 'task');
        await gate;
        const t = now();
        return t && args.select ? { userId: t.userId } : t;
      },
    },
  };
  return { ctx: { pubsub, prisma } as unknown as Context, pubsub, open, reads };
}

const admin = { id: 1, role: 'admin' };
const notFound = (err: { extensions?: { code?: string } }) => err.extensions?.code === 'NOT_FOUND';

test("an admin's follower: a next() made while the owner is looked up waits for the first, then gets the change", async () => {
  const { ctx, pubsub, open, reads } = contextFor(() => row('running', 10));
  const f = new TaskFollower(ctx, admin, 5, false);
  assert.equal(pubsub.size(), 0, 'nothing to listen to before the owner is known');
  const first = f.next();
  const second = f.next();
  open();
  assert.deepEqual((await first).value, row('running', 10));
  assert.deepEqual(reads, ['owner', 'task']);
  assert.equal(pubsub.size(), 1, "listening on the owner's channel");
  pubsub.publish('user:tasks', OWNER, { type: 'succeeded', task: row('succeeded', 100) });
  pubsub.publish('user:tasks', 99, { type: 'progress', task: { ...row('running', 50), userId: 99 } });
  const r = await second;
  assert.equal(r.done, false);
  assert.equal((r.value as Task).status, 'succeeded');
  assert.equal((await f.next()).done, true, 'it ends after the finished change');
  assert.equal(pubsub.size(), 0, 'and stops listening');
});

test("an admin's follower left while the owner is looked up never listens; a task that is gone is NOT_FOUND", async () => {
  const { ctx, pubsub, open } = contextFor(() => row('running'));
  const f = new TaskFollower(ctx, admin, 5, false);
  const first = f.next();
  assert.equal((await f.return()).done, true);
  open();
  assert.equal((await first).done, true);
  assert.equal(pubsub.size(), 0);

  const gone = contextFor(() => null);
  gone.open();
  const g = new TaskFollower(gone.ctx, admin, 5, false);
  await assert.rejects(g.next(), notFound);
  assert.equal((await g.next()).done, true);
  assert.equal(gone.pubsub.size(), 0);
});

test("a user's follower listens on their own channel at once; another's task is NOT_FOUND and it stops listening", async () => {
  const { ctx, pubsub, open, reads } = contextFor(() => row('queued'));
  const f = new TaskFollower(ctx, { id: OWNER }, 5, false);
  assert.equal(pubsub.size(), 1, 'listening before the task is read');
  open();
  assert.equal(((await f.next()).value as Task).status, 'queued');
  assert.deepEqual(reads, ['task']);
  await f.return();
  assert.equal(pubsub.size(), 0);

  const other = contextFor(() => row('queued'));
  other.open();
  const spy = new TaskFollower(other.ctx, { id: 8 }, 5, false);
  await assert.rejects(spy.next(), notFound);
  assert.equal(other.pubsub.size(), 0);
});

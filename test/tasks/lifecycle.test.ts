// The task lifecycle: queue position, live events, cancel (queued and running), deadlines,
// failures with retries, retry and delete rules; holds always settled exactly once.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { graphql } from '../gql/index.js';
import { codeOf, startTestServer, type TestServer } from '../helpers/harness.js';
import { ADMIN_ENV, adminToken, newUser } from '../helpers/ops.js';
import { subscriptionsLive, waitForTask } from '../helpers/tasks.js';

const Generate = graphql(`
  mutation LifeGenerate($input: GenerateImageInput!) { generateImage(input: $input) { id databaseId status queuePosition etaSeconds } }
`);
const Cancel = graphql(`mutation LifeCancel($id: ID!) { cancelTask(id: $id) { status cancelRequested errorCode } }`);
const Retry = graphql(`mutation LifeRetry($id: ID!) { retryTask(id: $id) { databaseId status retryOf { databaseId } } }`);
const Delete = graphql(`mutation LifeDelete($id: ID!) { deleteTask(id: $id) }`);
const Get = graphql(`query LifeGet($id: ID!) { task(id: $id) { status queuePosition etaSeconds progress errorCode errorMessage attempts cost } }`);
const Credits = graphql(`query LifeCredits { me { credits { available reserved } } }`);

/** The error code of a taskUpdated subscription's first answer (as a result or as the error itself). */
function followCode(client: Client, id: string) {
  return new Promise<any>((resolve) => {
    client.subscribe({ query: 'subscription ($id: ID!) { taskUpdated(id: $id) { status } }', variables: { id } }, { next: resolve, error: resolve, complete: () => resolve(null) });
  }).then((r) => r?.errors?.[0]?.extensions?.code ?? r?.[0]?.extensions?.code);
}

const image = (prompt: string, extra: Record<string, unknown> = {}) => ({ input: { model: 'sd15', prompt, width: 64, height: 64, ...extra } });

describe('on a busy demo worker', () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer({ DEMO_DELAY_MS: '1500', WORKER_CONCURRENCY: '1', SIGNUP_CREDITS: '100', ...ADMIN_ENV });
  });
  after(() => t.close());

  test('queue position and ETA; live events in order; cancel of a queued and of a running task releases the holds', async () => {
    const u = await newUser(t);
    const client = createClient({ url: t.wsUrl, webSocketImpl: WebSocket, connectionParams: { Authorization: `Bearer ${u.token}` }, lazy: false });
    const events: { type: string; id: number; status: string; progress: number }[] = [];
    const sub = client.iterate<any>({ query: 'subscription { myTaskEvents { type task { databaseId status progress } } }' });
    const reading = (async () => {
      for await (const m of sub) events.push({ type: m.data.myTaskEvents.type, id: m.data.myTaskEvents.task.databaseId, status: m.data.myTaskEvents.task.status, progress: m.data.myTaskEvents.task.progress });
    })();
    try {
      await subscriptionsLive(t, client, u.token);
      const a = (await t.ok(Generate, image('first'), { token: u.token })).generateImage;
      const b = (await t.ok(Generate, image('second'), { token: u.token })).generateImage;
      const c = (await t.ok(Generate, image('third'), { token: u.token })).generateImage;
      await waitForTask(t, a.databaseId, ['running']);
      const queued = await t.ok(Get, { id: c.id }, { token: u.token });
      assert.equal(queued.task.status, 'queued');
      assert.equal(queued.task.queuePosition, 2, 'b is ahead of c');
      assert.ok(queued.task.etaSeconds! > 0);
      assert.deepEqual((await t.ok(Credits, {}, { token: u.token })).me.credits, { available: 97, reserved: 3 });

      // Queued: canceled at once.
      const canceledB = await t.ok(Cancel, { id: b.id }, { token: u.token });
      assert.deepEqual(canceledB.cancelTask, { status: 'canceled', cancelRequested: false, errorCode: 'CANCELED' });
      assert.equal((await t.ok(Get, { id: c.id }, { token: u.token })).task.queuePosition, 1);
      // Running: asked, then stopped at its next progress step.
      const asked = await t.ok(Cancel, { id: a.id }, { token: u.token });
      assert.equal(asked.cancelTask.cancelRequested, true);
      const stopped = await waitForTask(t, a.databaseId);
      assert.equal(stopped.status, 'canceled');
      assert.equal(stopped.errorCode, 'CANCELED');
      // c runs to the end.
      const finished = await waitForTask(t, c.databaseId);
      assert.equal(finished.status, 'succeeded');
      assert.deepEqual((await t.ok(Credits, {}, { token: u.token })).me.credits, { available: 99, reserved: 0 }, 'only c was charged');
      const holds = await t.app.deps.prisma.creditHold.findMany({ where: { userId: u.user.databaseId }, orderBy: { id: 'asc' } });
      assert.deepEqual(holds.map((h) => [h.status, h.captured]), [['released', 0], ['released', 0], ['captured', 1]]);
      assert.equal(codeOf(await t.gql(Cancel, { id: c.id }, { token: u.token })), 'CONFLICT');

      await new Promise((r) => setTimeout(r, 100));
      const ofC = events.filter((e) => e.id === c.databaseId);
      assert.equal(ofC[0]!.type, 'created');
      assert.equal(ofC.at(-1)!.type, 'succeeded');
      assert.ok(ofC.some((e) => e.type === 'started') && ofC.some((e) => e.type === 'progress'));
      const progress = ofC.map((e) => e.progress);
      assert.deepEqual(progress, [...progress].sort((x, y) => x - y), 'progress never goes back');
      assert.deepEqual(events.filter((e) => e.id === b.databaseId).map((e) => e.type), ['created', 'canceled']);
    } finally {
      await sub.return?.();
      await client.dispose();
      await reading.catch(() => {});
    }
  });

  test('taskUpdated follows one task from its current state to the end; others cannot follow it', async () => {
    const u = await newUser(t);
    const task = (await t.ok(Generate, image('followed'), { token: u.token })).generateImage;
    const client = createClient({ url: t.wsUrl, webSocketImpl: WebSocket, connectionParams: { Authorization: `Bearer ${u.token}` }, lazy: false });
    try {
      const seen: string[] = [];
      for await (const m of client.iterate<any>({ query: 'subscription ($id: ID!) { taskUpdated(id: $id) { status progress } }', variables: { id: task.id } })) {
        seen.push(m.data.taskUpdated.status);
      }
      assert.ok(['queued', 'running'].includes(seen[0]!), 'first the state it is in now');
      assert.ok(seen.length >= 2);
      assert.equal(seen.at(-1), 'succeeded', 'the subscription ends when the task does');
    } finally {
      await client.dispose();
    }
    const other = await newUser(t);
    const spy = createClient({ url: t.wsUrl, webSocketImpl: WebSocket, connectionParams: { Authorization: `Bearer ${other.token}` }, lazy: false });
    try {
      assert.equal(await followCode(spy, task.id), 'NOT_FOUND');
    } finally {
      await spy.dispose();
    }
  });

  test("an admin follows another user's task to its end; a task that does not exist is NOT_FOUND", async () => {
    const u = await newUser(t);
    const task = (await t.ok(Generate, image('followed by an admin'), { token: u.token })).generateImage;
    const admin = createClient({ url: t.wsUrl, webSocketImpl: WebSocket, connectionParams: { Authorization: `Bearer ${await adminToken(t)}` }, lazy: false });
    try {
      const seen: { status: string; progress: number }[] = [];
      const following = (async () => {
        for await (const m of admin.iterate<any>({ query: 'subscription ($id: ID!) { taskUpdated(id: $id) { status progress } }', variables: { id: task.id } })) {
          seen.push(m.data.taskUpdated);
        }
      })();
      // Bounded: a follower listening on the wrong channel would wait for ever.
      const finished = await Promise.race([following.then(() => true), waitForTask(t, task.databaseId, undefined, 30_000).then(() => new Promise((r) => setTimeout(() => r(false), 2_000)))]);
      assert.ok(finished, `the subscription did not end with the task: ${JSON.stringify(seen)}`);
      assert.ok(['queued', 'running'].includes(seen[0]!.status), 'first the state it is in now');
      assert.ok(seen.some((e) => e.status === 'running' && e.progress > 0), `its progress on the way: ${JSON.stringify(seen)}`);
      assert.equal(seen.at(-1)!.status, 'succeeded', 'the subscription ends when the task does');
      assert.equal(await followCode(admin, 'VGFzazo5OTk5OTk5'), 'NOT_FOUND');
    } finally {
      await admin.dispose();
    }
  });

  test('a deadline cancels the task and releases its hold; unfinished tasks cannot be deleted, finished ones can', async () => {
    const u = await newUser(t);
    const task = (await t.ok(Generate, image('too slow', { deadlineSeconds: 1 }), { token: u.token })).generateImage;
    assert.equal(codeOf(await t.gql(Delete, { id: task.id }, { token: u.token })), 'CONFLICT');
    const done = await waitForTask(t, task.databaseId, undefined, 30_000);
    assert.equal(done.status, 'canceled');
    assert.equal(done.errorCode, 'DEADLINE_EXCEEDED');
    assert.deepEqual((await t.ok(Credits, {}, { token: u.token })).me.credits, { available: 100, reserved: 0 });
    const other = await newUser(t);
    assert.equal(codeOf(await t.gql(Delete, { id: task.id }, { token: other.token })), 'NOT_FOUND');
    assert.equal((await t.ok(Delete, { id: task.id }, { token: u.token })).deleteTask, true);
    assert.equal(codeOf(await t.gql(Get, { id: task.id }, { token: u.token })), 'NOT_FOUND');
    const bad = await t.gql(Generate, image('x', { deadlineSeconds: 0 }), { token: u.token });
    assert.equal(bad.errors![0]!.extensions!.field, 'deadlineSeconds');
  });
});

describe('with a backend that is down', () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer({
      DEMO_DELAY_MS: '0',
      TASK_MAX_ATTEMPTS: '2',
      TASK_BACKOFF_MS: '100',
      PROVIDERS: JSON.stringify({ down: { type: 'sdwebui', url: 'http://127.0.0.1:9', timeoutMs: 1000, pollMs: 100 } }),
      MODEL_PROVIDERS: JSON.stringify({ sd15: { provider: 'down' } }),
    });
  });
  after(() => t.close());

  test('retryable errors are tried again, then the task fails with its hold released; retryTask starts it anew', async () => {
    const u = await newUser(t);
    const task = (await t.ok(Generate, image('will fail'), { token: u.token })).generateImage;
    const failed = await waitForTask(t, task.databaseId);
    assert.equal(failed.status, 'failed');
    assert.equal(failed.errorCode, 'PROVIDER_UNREACHABLE');
    assert.equal(failed.attempts, 2);
    const got = await t.ok(Get, { id: task.id }, { token: u.token });
    assert.equal(got.task.cost, 0);
    assert.deepEqual((await t.ok(Credits, {}, { token: u.token })).me.credits, { available: 100, reserved: 0 });

    const again = await t.ok(Retry, { id: task.id }, { token: u.token });
    assert.equal(again.retryTask.retryOf?.databaseId, task.databaseId);
    assert.notEqual(again.retryTask.databaseId, task.databaseId);
    await waitForTask(t, again.retryTask.databaseId);
    const ok = await t.gql(Generate, { input: { model: 'sdxl', prompt: 'demo still works', width: 64, height: 64 } }, { token: u.token });
    const fine = await waitForTask(t, ok.data!.generateImage.databaseId);
    assert.equal(fine.status, 'succeeded');
    assert.equal(codeOf(await t.gql(Retry, { id: ok.data!.generateImage.id }, { token: u.token })), 'CONFLICT', 'succeeded tasks are not retried');
    const entries = await t.app.deps.prisma.creditEntry.groupBy({ by: ['kind'], where: { userId: u.user.databaseId }, _count: true });
    assert.deepEqual(Object.fromEntries(entries.map((e) => [e.kind, e._count])), { grant: 1, hold: 3, release: 2, capture: 1 });
  });
});

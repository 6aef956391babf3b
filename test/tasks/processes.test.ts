// Production topology on PostgreSQL and Redis: API and worker processes apart. A worker killed
// mid-task; progress crossing from a worker to a subscriber on another API instance.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { createPostgresDatabase, testDatabaseUrl } from '../helpers/database.js';
import { postGraphql, startServerProcess, type ServerProcess } from '../helpers/process.js';

const needs = !process.env.REDIS_URL || !testDatabaseUrl ? 'needs REDIS_URL and TEST_DATABASE_URL (run by CI against the real services)' : false;

describe('separate API and worker processes', { skip: needs }, () => {
  let db: { url: string; drop(): Promise<void> };
  let env: Record<string, string>;
  const procs: ServerProcess[] = [];
  const start = async (args: string[] = ['serve'], extra: Record<string, string> = {}) => {
    const p = await startServerProcess({ ...env, ...extra }, args);
    procs.push(p);
    return p;
  };

  before(async () => {
    db = await createPostgresDatabase(testDatabaseUrl!);
    env = {
      DATABASE_URL: db.url,
      MIGRATE_ON_START: 'true',
      REDIS_URL: process.env.REDIS_URL!,
      REDIS_PREFIX: `genhub-test-proc:${process.pid}:${Date.now()}:`,
      JWT_SECRET: 'p'.repeat(40),
      DATA_DIR: '/tmp/genhub-processes',
      TASK_LOCK_MS: '2000',
      TASK_BACKOFF_MS: '200',
      SIGNUP_CREDITS: '100',
    };
  });
  after(async () => {
    for (const p of procs) {
      if (p.proc.exitCode === null && p.proc.signalCode === null) p.proc.kill('SIGKILL');
    }
    await db.drop();
  });

  async function register(url: string, name: string) {
    const r = await postGraphql(url, 'mutation ($i: RegisterInput!) { register(input: $i) { accessToken } }', { i: { username: name, email: `${name}@example.com`, password: 'Passw0rdOK' } });
    return r.body.data.register.accessToken as string;
  }
  const taskState = async (url: string, token: string, id: number) =>
    (await postGraphql(url, 'query ($id: ID!) { task(id: $id) { status progress attempts cost errorCode } me { credits { available reserved } } }', { id: String(id) }, token)).body.data;

  test('a worker killed with SIGKILL mid-task: another worker finishes it, charged exactly once', async () => {
    const api = await start(['serve']);
    const worker1 = await start(['worker'], { DEMO_DELAY_MS: '4000' });
    const token = await register(api.url, 'killed_worker_user');
    const made = await postGraphql(api.url, 'mutation { generateImage(input: { model: "sdxl", prompt: "survives a crash", width: 64, height: 64 }) { databaseId } }', {}, token);
    const id: number = made.body.data.generateImage.databaseId;
    for (let i = 0; ; i++) {
      const s = await taskState(api.url, token, id);
      if (s.task.status === 'running' && s.task.progress > 0) break;
      assert.ok(i < 200, 'the task starts');
      await new Promise((r) => setTimeout(r, 50));
    }
    worker1.proc.kill('SIGKILL');
    await worker1.stop();
    const worker2 = await start(['worker'], { DEMO_DELAY_MS: '300' });
    let s;
    for (let i = 0; ; i++) {
      s = await taskState(api.url, token, id);
      if (['succeeded', 'failed', 'canceled'].includes(s.task.status)) break;
      assert.ok(i < 400, `the task is not stuck (${JSON.stringify(s.task)})`);
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.equal(s.task.status, 'succeeded');
    assert.equal(s.task.attempts, 2, 'the second run finished it');
    // Read again: the task and the balance of one request resolve side by side, and the balance
    // may have been read just before the finishing statement committed.
    s = await taskState(api.url, token, id);
    assert.deepEqual(s.me.credits, { available: 98, reserved: 0 }, 'charged once: 2 credits');
    await worker2.stop();
  });

  test('a subscriber on API instance A receives the progress of a task created on instance B and run by a worker process', async () => {
    const a = await start(['serve']);
    const b = await start(['serve']);
    await start(['worker'], { DEMO_DELAY_MS: '800' });
    const token = await register(b.url, 'cross_instance_user');
    const client = createClient({ url: a.url.replace('http', 'ws') + '/graphql', webSocketImpl: WebSocket, connectionParams: { Authorization: `Bearer ${token}` }, lazy: false });
    const seen: { id: number; type: string }[] = [];
    let target = -1;
    const sub = client.iterate<any>({ query: 'subscription { myTaskEvents { type task { databaseId status progress } } }' });
    const reading = (async () => {
      for await (const m of sub) {
        const e = m.data.myTaskEvents;
        seen.push({ id: e.task.databaseId, type: e.type });
        if (e.task.databaseId === target && e.type === 'succeeded') break;
      }
    })();
    const create = async (prompt: string) => {
      const made = await postGraphql(b.url, 'mutation ($p: String!) { generateImage(input: { model: "sd15", prompt: $p, width: 64, height: 64 }) { databaseId } }', { p: prompt }, token);
      assert.ok(made.body.data, JSON.stringify(made.body));
      return made.body.data.generateImage.databaseId as number;
    };
    try {
      // A first task shows the subscription is live (a new process answers its first one slowly).
      const warmUp = await create('warm up');
      for (let i = 0; !seen.some((e) => e.id === warmUp); i++) {
        assert.ok(i < 800, `events reach instance A (saw ${JSON.stringify(seen)})`);
        await new Promise((r) => setTimeout(r, 50));
      }
      target = await create('across instances');
      await Promise.race([reading, new Promise((_, rej) => setTimeout(() => rej(new Error(`no succeeded event; saw ${JSON.stringify(seen)}`)), 30_000))]);
      const types = seen.filter((e) => e.id === target).map((e) => e.type);
      assert.equal(types[0], 'created', types.join(','));
      assert.ok(types.includes('started') && types.includes('progress'), types.join(','));
      assert.equal(types.at(-1), 'succeeded');
    } finally {
      await client.dispose();
    }
  });
});

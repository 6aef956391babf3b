// Embedded mode: tasks queued or running when the server stops resume at the next start.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { postGraphql, startServerProcess } from '../helpers/process.js';

const dataDir = mkdtempSync(join(tmpdir(), 'genhub-resume-'));
after(() => rmSync(dataDir, { recursive: true, force: true }));

test('a restart with tasks in flight: every task finishes, each charged once', async () => {
  const env = { DATA_DIR: dataDir, DEMO_DELAY_MS: '1500', WORKER_CONCURRENCY: '1', SHUTDOWN_GRACE: '2' };
  const first = await startServerProcess(env);
  const reg = await postGraphql(first.url, 'mutation ($i: RegisterInput!) { register(input: $i) { accessToken } }', { i: { username: 'resume_user', email: 'resume@example.com', password: 'Passw0rdOK' } });
  const token: string = reg.body.data.register.accessToken;
  const ids: number[] = [];
  for (const p of ['one', 'two', 'three']) {
    const r = await postGraphql(first.url, 'mutation ($p: String!) { generateImage(input: { model: "sd15", prompt: $p, width: 64, height: 64 }) { databaseId } }', { p }, token);
    ids.push(r.body.data.generateImage.databaseId);
  }
  const state = async (url: string) =>
    (await postGraphql(url, '{ tasks { items { databaseId status attempts } } me { credits { available reserved } } }', {}, token)).body.data;
  for (let i = 0; (await state(first.url)).tasks.items.every((t: any) => t.status !== 'running'); i++) {
    assert.ok(i < 100, 'the first task starts');
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.equal(await first.stop(), 0, 'stops cleanly with a task running');

  const second = await startServerProcess(env);
  try {
    let s;
    for (let i = 0; ; i++) {
      s = await state(second.url);
      if (s.tasks.items.every((t: any) => t.status === 'succeeded')) break;
      assert.ok(i < 300, `all tasks finish after the restart: ${JSON.stringify(s.tasks.items)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.deepEqual(s.tasks.items.map((t: any) => t.databaseId).sort(), [...ids].sort());
    assert.ok(s.tasks.items.every((t: any) => t.attempts === 1), 'an interrupted run is not counted as an attempt');
    // Read again: the list and the balance of one request resolve side by side, and the balance
    // may have been read just before the last task's finishing statement committed.
    s = await state(second.url);
    assert.deepEqual(s.me.credits, { available: 97, reserved: 0 });
  } finally {
    await second.stop();
  }
});

// The start command as a user runs it: embedded database in a fresh data folder, then a
// restart on the same folder.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';

const root = new URL('..', import.meta.url).pathname;
const dataDir = mkdtempSync(join(tmpdir(), 'genhub-start-'));
after(() => rmSync(dataDir, { recursive: true, force: true }));

async function start(): Promise<{ proc: ChildProcess; url: string; startedMs: number }> {
  const t0 = Date.now();
  const env: NodeJS.ProcessEnv = { ...process.env, PORT: '0', HOST: '127.0.0.1', DATA_DIR: dataDir, LOG_LEVEL: 'info' };
  delete env.DATABASE_URL;
  delete env.REDIS_URL;
  delete env.JWT_SECRET;
  delete env.NODE_TEST_CONTEXT;
  const proc = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stderr!.on('data', (d) => (out += d));
  const url = await new Promise<string>((resolve, reject) => {
    proc.stdout!.on('data', (d) => {
      out += d;
      const m = /"url":"(http:\/\/[^"]+)\/graphql"/.exec(out);
      if (m) resolve(m[1]!);
    });
    proc.on('exit', (code) => reject(new Error(`server exited with ${code}:\n${out}`)));
    setTimeout(() => reject(new Error(`server did not start:\n${out}`)), 60_000).unref();
  });
  for (;;) {
    const r = await fetch(url + '/healthz').catch(() => null);
    if (r?.status === 200) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  return { proc, url, startedMs: Date.now() - t0 };
}

async function gql(url: string, query: string, variables: unknown = {}, token?: string) {
  const res = await fetch(url + '/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  return (await res.json()) as { data?: any; errors?: unknown[] };
}

async function stop(proc: ChildProcess) {
  const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)));
  proc.kill('SIGTERM');
  return exited;
}

test('npm start serves /graphql on the embedded database; data and tokens survive a restart', async () => {
  const first = await start();
  const reg = await gql(first.url, 'mutation ($i: RegisterInput!) { register(input: $i) { user { username } } }', {
    i: { username: 'first_user', email: 'first@example.com', password: 'Passw0rdOK' },
  });
  assert.equal(reg.data?.register.user.username, 'first_user', JSON.stringify(reg));
  const login = await gql(first.url, 'mutation { login(input: { login: "first_user", password: "Passw0rdOK" }) { accessToken } }');
  const token: string = login.data.login.accessToken;
  const me = await gql(first.url, '{ me { username } }', {}, token);
  assert.equal(me.data.me.username, 'first_user');
  console.log(`# first start to /healthz 200: ${first.startedMs} ms (new data folder)`);
  assert.equal(await stop(first.proc), 0, 'SIGTERM exits cleanly');

  const second = await start();
  try {
    console.log(`# restart to /healthz 200: ${second.startedMs} ms (existing data folder)`);
    const again = await gql(second.url, '{ me { username } }', {}, token);
    assert.equal(again.data?.me.username, 'first_user', 'the JWT secret and the account were kept');
  } finally {
    assert.equal(await stop(second.proc), 0);
  }
});

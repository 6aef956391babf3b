// The start command as a user runs it: embedded database in a fresh data folder, then a
// restart on the same folder.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { postGraphql, startServerProcess } from './helpers/process.js';

const dataDir = mkdtempSync(join(tmpdir(), 'genhub-start-'));
after(() => rmSync(dataDir, { recursive: true, force: true }));

const start = () => startServerProcess({ DATA_DIR: dataDir });
const gql = async (url: string, query: string, variables: unknown = {}, token?: string) => (await postGraphql(url, query, variables, token)).body;
const stop = (p: { stop(): Promise<number | null> }) => p.stop();

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
  assert.equal(await stop(first), 0, 'SIGTERM exits cleanly');

  const second = await start();
  try {
    console.log(`# restart to /healthz 200: ${second.startedMs} ms (existing data folder)`);
    const again = await gql(second.url, '{ me { username } }', {}, token);
    assert.equal(again.data?.me.username, 'first_user', 'the JWT secret and the account were kept');
  } finally {
    assert.equal(await stop(second), 0);
  }
});

// The start command as a user runs it: embedded database in a fresh data folder, then a
// restart on the same folder.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { postGraphql, serverEnv, startServerProcess } from './helpers/process.js';

const dataDir = mkdtempSync(join(tmpdir(), 'genhub-start-'));
after(() => rmSync(dataDir, { recursive: true, force: true }));

// What `npm start` runs.
const start = () => startServerProcess({ DATA_DIR: dataDir }, [], { entry: 'scripts/start.mjs' });
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

test('the compiled bundle (npm run build, what the Docker image runs) starts on a new folder and serves the API', async () => {
  const built = spawnSync(process.execPath, ['scripts/build.mjs'], { cwd: new URL('..', import.meta.url).pathname, encoding: 'utf8' });
  assert.equal(built.status, 0, built.stderr);
  const folder = mkdtempSync(join(tmpdir(), 'genhub-bundle-'));
  const server = await startServerProcess({ DATA_DIR: folder }, [], { entry: 'dist/main.mjs' });
  try {
    const reg = await gql(server.url, 'mutation ($i: RegisterInput!) { register(input: $i) { accessToken } }', {
      i: { username: 'bundle_user', email: 'bundle@example.com', password: 'Passw0rdOK' },
    });
    const token: string = reg.data?.register.accessToken;
    assert.ok(token, JSON.stringify(reg));
    const made = await gql(server.url, 'mutation { generateImage(input: { model: "sd15", prompt: "bundled", width: 64, height: 64 }) { databaseId } }', {}, token);
    const id = made.data?.generateImage.databaseId;
    assert.ok(id, JSON.stringify(made));
    let task;
    for (let i = 0; i < 200; i++) {
      task = (await gql(server.url, 'query ($id: ID!) { task(id: $id) { status assets { id } } }', { id: String(id) }, token)).data?.task;
      if (task?.status === 'succeeded') break;
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(task?.status, 'succeeded', JSON.stringify(task));
    assert.equal(task.assets.length, 1);
    const docs = await fetch(`${server.url}/docs`);
    assert.equal(docs.status, 200, 'the API documents (swagger-ui files from node_modules) are served');
  } finally {
    assert.equal(await server.stop(), 0);
    rmSync(folder, { recursive: true, force: true });
  }
});

test('one process at a time on the embedded database: a second server and create-admin are refused while it runs', async () => {
  const folder = mkdtempSync(join(tmpdir(), 'genhub-lock-'));
  const root = new URL('..', import.meta.url).pathname;
  const env = serverEnv({ DATA_DIR: folder, ADMIN_EMAIL: 'root@example.com', ADMIN_PASSWORD: 'Adm1nPassw0rd!', ADMIN_USERNAME: 'root' });
  const createAdmin = () => spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/create-admin.ts'], { cwd: root, env, encoding: 'utf8', timeout: 60_000 });
  const login = (url: string) => gql(url, 'mutation { login(input: { login: "root", password: "Adm1nPassw0rd!" }) { user { role } } }');
  try {
    const server = await startServerProcess({ DATA_DIR: folder });
    try {
      const second = spawnSync(process.execPath, ['--import', 'tsx', 'src/main.ts'], { cwd: root, env, encoding: 'utf8', timeout: 60_000 });
      assert.equal(second.status, 2, second.stderr);
      assert.match(second.stderr, new RegExp(`embedded database is in use by process ${server.proc.pid}`));
      const cli = createAdmin();
      assert.equal(cli.status, 2, cli.stdout + cli.stderr);
      assert.match(cli.stderr, new RegExp(`in use by process ${server.proc.pid}.*ADMIN_EMAIL and ADMIN_PASSWORD`));
      assert.deepEqual((await login(server.url)).errors?.[0]?.extensions?.code, 'UNAUTHENTICATED', 'no admin was made');
      assert.ok((await fetch(`${server.url}/healthz`)).ok, 'the running server is untouched');
    } finally {
      assert.equal(await server.stop(), 0);
    }
    // Stopped: the CLI runs, and the next start sees its admin.
    const cli = createAdmin();
    assert.equal(cli.status, 0, cli.stdout + cli.stderr);
    const next = await startServerProcess({ DATA_DIR: folder });
    try {
      assert.equal((await login(next.url)).data?.login.user.role, 'admin');
    } finally {
      assert.equal(await next.stop(), 0);
    }
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
});

test('a database that cannot be used at start is said in one line, not with a stack trace', async () => {
  const root = new URL('..', import.meta.url).pathname;
  const admin = process.env.TEST_DATABASE_URL;
  const cases: [string, RegExp][] = [
    // Said by Prisma when the migrations are not run at start, by the pg driver when they are.
    ['postgresql://postgres@127.0.0.1:1/genhub', /Can't reach database server at 127\.0\.0\.1:1|ECONNREFUSED 127\.0\.0\.1:1/],
    // On a PostgreSQL server that is there: a database that is not, with migrations at start and without.
    ...(admin
      ? ([
          [Object.assign(new URL(admin), { pathname: '/genhub_no_such_database' }).toString(), /database \\"genhub_no_such_database\\" does not exist/],
          // Credentials refused: a role the server does not have.
          [Object.assign(new URL(admin), { username: 'genhub_no_such_role' }).toString(), /role \\"genhub_no_such_role\\" does not exist|password authentication failed/],
        ] as [string, RegExp][])
      : []),
  ];
  for (const [url, said] of cases) {
    for (const migrate of ['false', 'true']) {
      const env = serverEnv({ DATABASE_URL: url, MIGRATE_ON_START: migrate, JWT_SECRET: 'x'.repeat(40), DATA_DIR: dataDir });
      const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/main.ts'], { cwd: root, env, encoding: 'utf8', timeout: 60_000 });
      const out = r.stdout + r.stderr;
      assert.equal(r.status, 1, out);
      const line = out.split('\n').find((l) => l.includes('start-up failed'));
      assert.ok(line, out);
      assert.match(line, said);
      assert.doesNotMatch(out, /\n\s+at |Invalid `/, 'no stack trace or Prisma call site');
    }
  }
});

test('SIGTERM with a subscription open over SSE: the stream is cut and the server stops, without waiting out SHUTDOWN_GRACE', async () => {
  const folder = mkdtempSync(join(tmpdir(), 'genhub-sse-stop-'));
  const grace = 60;
  const server = await startServerProcess({ DATA_DIR: folder, SHUTDOWN_GRACE: String(grace) });
  try {
    const reg = await gql(server.url, 'mutation { register(input: { username: "sse_stop", email: "sse_stop@example.com", password: "Passw0rdOK1" }) { accessToken } }');
    const token = reg.data.register.accessToken as string;
    const res = await fetch(server.url + '/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query: 'subscription { myTaskEvents { type } }' }),
    });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /text\/event-stream/);
    const reader = res.body!.getReader();
    const ended = (async () => {
      try {
        while (!(await reader.read()).done);
      } catch {
        // cut: as a dropped connection, which an SSE client reconnects after
      }
      return Date.now();
    })();
    const stopping = Date.now();
    assert.equal(await server.stop(), 0);
    const stoppedMs = Date.now() - stopping;
    // Before, the process waited the whole grace period for the stream (60 s here).
    assert.ok(stoppedMs < (grace * 1000) / 3, `stopped after ${stoppedMs} ms`);
    assert.ok((await ended) - stopping < (grace * 1000) / 3);
  } finally {
    await server.stop();
    rmSync(folder, { recursive: true, force: true });
  }
});

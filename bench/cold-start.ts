// P6: cold start on embedded defaults. Starts `node --import tsx src/main.ts` on a new data
// folder (and then again on the same folder), and times the first 200 from /healthz and a
// register → login → me round trip. Usage: node --import tsx bench/cold-start.ts [runs]
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const runs = Number(process.argv[2] ?? 3);
const root = new URL('..', import.meta.url).pathname;

async function once(dataDir: string, n: number) {
  const t0 = performance.now();
  const env: NodeJS.ProcessEnv = { ...process.env, PORT: String(4800 + n), HOST: '127.0.0.1', DATA_DIR: dataDir, LOG_LEVEL: 'warn' };
  delete env.DATABASE_URL;
  delete env.REDIS_URL;
  // BENCH_ENTRY=dist/main.mjs starts the compiled bundle (`npm run build`) instead of the TypeScript.
  const entry = process.env.BENCH_ENTRY ? [process.env.BENCH_ENTRY] : ['--import', 'tsx', 'src/main.ts'];
  const proc = spawn(process.execPath, entry, { cwd: root, env, stdio: 'ignore' });
  const url = `http://127.0.0.1:${4800 + n}`;
  for (;;) {
    if ((await fetch(url + '/healthz').catch(() => null))?.status === 200) break;
    if (performance.now() - t0 > 60_000) throw new Error('no start within 60 s');
    await new Promise((r) => setTimeout(r, 20));
  }
  const healthz = performance.now() - t0;
  const post = async (query: string, token?: string) =>
    (await (await fetch(url + '/graphql', { method: 'POST', headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) }, body: JSON.stringify({ query }) })).json()) as any;
  const name = `bench${n}`;
  await post(`mutation { register(input: { username: "${name}", email: "${name}@example.com", password: "Passw0rdOK" }) { accessToken } }`);
  const login = await post(`mutation { login(input: { login: "${name}", password: "Passw0rdOK" }) { accessToken } }`);
  const me = await post('{ me { username } }', login.data.login.accessToken);
  if (me.data?.me.username !== name) throw new Error(JSON.stringify(me));
  const flow = performance.now() - t0;
  const exited = new Promise((r) => proc.on('exit', r));
  proc.kill('SIGTERM');
  await exited;
  return { healthz, flow };
}

const rows: string[] = [];
for (let i = 0; i < runs; i++) {
  const dir = mkdtempSync(join(tmpdir(), 'genhub-bench-'));
  try {
    const fresh = await once(dir, i * 2);
    const again = await once(dir, i * 2 + 1);
    rows.push(`| ${i + 1} | ${fresh.healthz.toFixed(0)} | ${fresh.flow.toFixed(0)} | ${again.healthz.toFixed(0)} | ${again.flow.toFixed(0)} |`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
console.log('| run | new folder: /healthz 200 (ms) | new folder: register→login→me done (ms) | restart: /healthz 200 (ms) | restart: register→login→me done (ms) |');
console.log('|---|---|---|---|---|');
for (const r of rows) console.log(r);

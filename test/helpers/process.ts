// Runs the server as a user does: a separate `node src/main.ts` process, stopped with SIGTERM.
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync } from 'node:fs';

const root = new URL('../..', import.meta.url).pathname;

export interface ServerProcess {
  proc: ChildProcess;
  url: string;
  /** Milliseconds from spawn to the first 200 on /healthz. */
  startedMs: number;
  /** Sends SIGTERM and resolves with the exit code. */
  stop(): Promise<number | null>;
}

/**
 * A server process's environment: this one's, without DATABASE_URL, REDIS_URL, JWT_SECRET and the
 * test runner's own, on a free port of 127.0.0.1, with `env` over it.
 */
export function serverEnv(env: Record<string, string>): NodeJS.ProcessEnv {
  const full: NodeJS.ProcessEnv = { ...process.env, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info' };
  for (const k of ['DATABASE_URL', 'REDIS_URL', 'JWT_SECRET', 'NODE_TEST_CONTEXT', 'TEST_DATABASE_URL']) delete full[k];
  return Object.assign(full, env);
}

/**
 * Starts `src/main.ts [args]` with the given environment over a clean one (serverEnv): no
 * DATABASE_URL, REDIS_URL or JWT_SECRET unless `env` sets them. An API process is ready at its first 200 on
 * /healthz; a `worker` once its task worker runs (its `url` is empty). `nodeArgs` go before the
 * script (e.g. --cpu-prof); `entry` runs a compiled module (dist/main.mjs) instead of the TypeScript.
 */
export async function startServerProcess(env: Record<string, string>, args: string[] = [], opts: { nodeArgs?: string[]; entry?: string } = {}): Promise<ServerProcess> {
  const t0 = Date.now();
  const worker = args[0] === 'worker';
  const full = serverEnv(env);
  const entry = opts.entry ? [opts.entry] : ['--import', 'tsx', 'src/main.ts'];
  const proc = spawn(process.execPath, [...(opts.nodeArgs ?? []), ...entry, ...args], { cwd: root, env: full, stdio: ['ignore', 'pipe', 'pipe'] });
  // The output's tail, for the error when the process stops; searched for the ready line until
  // it comes. (A worker logs a line per task: searching all of it on every chunk was the bench
  // client's own CPU.)
  let out = '';
  let ready = false;
  const trim = () => {
    if (out.length > 64_000) out = out.slice(-16_000);
  };
  proc.stderr!.on('data', (d) => ((out += d), trim()));
  // For diagnosis (e.g. --trace-gc in BENCH_NODE_ARGS): the process's output also goes to CHILD_LOG.<pid>.
  if (process.env.CHILD_LOG) proc.stdout!.on('data', (d) => appendFileSync(`${process.env.CHILD_LOG}.${proc.pid}`, d));
  const url = await new Promise<string>((resolve, reject) => {
    proc.stdout!.on('data', (d) => {
      out += d;
      if (!ready) {
        // Searched before trimming: one chunk can hold the ready line and much more after it.
        const m = worker ? (out.includes('task worker started') ? [''] : null) : /"url":"(http:\/\/[^"]+)\/graphql"/.exec(out);
        if (m) {
          ready = true;
          resolve(m[1] ?? '');
        }
      }
      trim();
    });
    proc.on('exit', (code) => reject(new Error(`${worker ? 'worker' : 'server'} exited with ${code}:\n${out.slice(-4000)}`)));
    setTimeout(() => reject(new Error(`${worker ? 'worker' : 'server'} did not start:\n${out.slice(-4000)}`)), 60_000).unref();
  });
  while (url) {
    const r = await fetch(url + '/healthz').catch(() => null);
    if (r?.status === 200) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)));
  return {
    proc,
    url,
    startedMs: Date.now() - t0,
    stop: () => {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM');
      return exited;
    },
  };
}

/** A plain GraphQL POST, as any client would send it. */
export async function postGraphql(url: string, query: string, variables: unknown = {}, token?: string) {
  const res = await fetch(url + '/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  return { status: res.status, headers: res.headers, body: (await res.json()) as { data?: any; errors?: any[] } };
}


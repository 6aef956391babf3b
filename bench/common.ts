// Shared set-up for benchmarks on PostgreSQL + Redis: a fresh database, worker processes, users.
import { spawn, type ChildProcess } from 'node:child_process';
import pg from 'pg';

export const PG = process.env.BENCH_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
export const REDIS = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
export const root = new URL('..', import.meta.url).pathname;

/** A new, empty database; dropped by the returned function. */
export async function freshDatabase(tag: string) {
  const name = `genhub_bench_${tag}_${Date.now()}`;
  const admin = async (sql: string) => {
    const c = new pg.Client({ connectionString: PG });
    await c.connect();
    try {
      await c.query(sql);
    } finally {
      await c.end();
    }
  };
  await admin(`CREATE DATABASE "${name}"`);
  const url = new URL(PG);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => admin(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`) };
}

/** Starts `src/main.ts <role>` and resolves when its log shows `ready`. */
export async function spawnRole(role: 'serve' | 'worker', env: Record<string, string>, ready: RegExp): Promise<{ proc: ChildProcess; out: () => string; stop(): Promise<void> }> {
  const full: NodeJS.ProcessEnv = { ...process.env, LOG_LEVEL: 'info', ...env };
  // BENCH_NODE_ARGS adds node flags to the spawned roles (e.g. --cpu-prof --cpu-prof-dir=/tmp/prof).
  const nodeArgs = role === 'worker' ? (process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean) : [];
  const proc = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', 'src/main.ts', role], { cwd: root, env: full, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stderr!.on('data', (d) => (out += d));
  await new Promise<void>((resolve, reject) => {
    proc.stdout!.on('data', (d) => {
      out += d;
      if (ready.test(out)) resolve();
      if (out.length > 1e6) out = out.slice(-1e5);
    });
    proc.on('exit', (code) => reject(new Error(`${role} exited with ${code}: ${out.slice(-2000)}`)));
  });
  return {
    proc,
    out: () => out,
    stop: () =>
      new Promise((r) => {
        if (proc.exitCode !== null) return r();
        proc.on('exit', () => r());
        proc.kill('SIGTERM');
      }),
  };
}

export function percentile(sorted: number[], p: number) {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

// Shared set-up for benchmarks on PostgreSQL + Redis: a fresh database, worker processes, users.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createPostgresDatabase } from '../test/helpers/database.js';
import { startServerProcess } from '../test/helpers/process.js';

export const PG = process.env.BENCH_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
export const REDIS = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** A new, empty database; dropped by the returned function. */
export const freshDatabase = (tag: string) => createPostgresDatabase(PG, `genhub_bench_${tag}`);

/**
 * The bench's data folder (`/tmp/genhub-bench-<tag>`), emptied: every run starts from the same
 * state. Left as it was, each P3 run added its 12,000 result files to the folders of the runs
 * before (354,400 files after one session's runs).
 */
export function freshDataDir(tag: string): string {
  const dir = `/tmp/genhub-bench-${tag}`;
  rmSync(dir, { recursive: true, force: true });
  return dir;
}

/**
 * The settings every bench process shares: its new database, Redis under a key prefix of its
 * own, a fixed JWT secret and a data folder; `extra` adds the bench's own.
 */
export const benchEnv = (tag: string, databaseUrl: string, extra: Record<string, string> = {}): Record<string, string> => ({
  DATABASE_URL: databaseUrl,
  REDIS_URL: REDIS,
  REDIS_PREFIX: `genhub-bench-${tag}-${Date.now()}:`,
  JWT_SECRET: `bench-${tag}-`.padEnd(40, 'x'),
  DATA_DIR: freshDataDir(tag),
  HOST: '127.0.0.1',
  ...extra,
});

/**
 * Starts `src/main.ts <role>`; BENCH_NODE_ARGS adds node flags to the processes it starts (e.g.
 * --cpu-prof --cpu-prof-dir=/tmp/prof); BENCH_ENTRY=dist/main.mjs runs the compiled bundle
 * (`npm run build`) as the Docker image does; BENCH_SERVER_ENV adds settings to their
 * environment, space-separated NAME=value (e.g. METRICS_PORT=0).
 */
export const spawnRole = (role: 'serve' | 'worker', env: Record<string, string>) =>
  startServerProcess({ ...env, ...serverSettings() }, [role], { nodeArgs: (process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean), entry: process.env.BENCH_ENTRY || undefined });

const serverSettings = (): Record<string, string> =>
  Object.fromEntries(
    (process.env.BENCH_SERVER_ENV ?? '')
      .split(' ')
      .filter((kv) => kv.indexOf('=') > 0)
      .map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]),
  );

export function percentile(sorted: number[], p: number) {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/**
 * CPU seconds spent by this process, the given child processes and the machine's PostgreSQL and
 * Redis servers (all their processes) between start() and the returned function's call, read
 * from /proc (Linux only; null elsewhere). On a machine shared by all of them this is what each
 * unit of work costs, which the wall clock alone does not show.
 */
export function cpuMeter(children: Record<string, number | undefined>) {
  const tick = 100; // USER_HZ on Linux
  const read = (pid: number | string, which: 'all' | 'sys' = 'all') => {
    try {
      const st = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const f = st.slice(st.lastIndexOf(')') + 2).split(' ');
      return (which === 'sys' ? Number(f[12]) : Number(f[11]) + Number(f[12])) / tick;
    } catch {
      return 0;
    }
  };
  const servers = () => {
    const out = { postgres: 0, redis: 0 };
    for (const pid of readdirSync('/proc')) {
      if (!/^\d+$/.test(pid)) continue;
      let cmd = '';
      try {
        cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      } catch {
        continue;
      }
      if (cmd.startsWith('postgres') || cmd.includes('/bin/postgres')) out.postgres += read(pid);
      else if (cmd.startsWith('redis-server')) out.redis += read(pid);
    }
    return out;
  };
  if (!existsSync('/proc/self/stat')) return null;
  // Each child's CPU, and its kernel part under `<name> (sys)`.
  const snap = () => ({
    self: read('self'),
    ...Object.fromEntries(Object.entries(children).flatMap(([k, pid]) => [[k, pid ? read(pid) : 0], [`${k} (sys)`, pid ? read(pid, 'sys') : 0]])),
    ...servers(),
  });
  const a = snap();
  // Backends that exit during the window take their CPU with them: this undercounts PostgreSQL
  // only if connections close mid-run, which the benches' pools do not do.
  return () => {
    const b = snap() as Record<string, number>;
    return Object.fromEntries(Object.entries(b).map(([k, v]) => [k, v - ((a as Record<string, number>)[k] ?? 0)]));
  };
}

/**
 * How fast one core of this machine is right now: the median time of five rounds of a fixed
 * single-threaded workload like the server's own (JSON of a task row both ways, SHA-256 of small
 * buffers, short-lived objects). Lower is faster. The machine's speed varies between sessions and
 * within one (a shared host), so each bench prints it before and after its run: runs compare only
 * at a similar probe.
 */
export function machineProbe(): number {
  const row = {
    id: 123456,
    requestId: '1414b2e5-1252-43b9-aaa1-0bb903763648',
    userId: 42,
    kind: 'text_generate',
    modelId: 'minimax',
    status: 'running',
    input: { prompt: 'bench prompt 123456', maxTokens: 16, temperature: 0.7 },
    output: { provider: 'demo', texts: [{ text: 'light river stone quiet morning silver garden window', finishReason: 'stop' }] },
    progress: 95,
    progressMessage: 'Choice 1 of 1',
    createdAt: '2026-12-04T19:43:22.850Z',
  };
  const rounds: number[] = [];
  let sink = 0;
  for (let r = 0; r < 5; r++) {
    const t = performance.now();
    for (let i = 0; i < 20_000; i++) {
      const copy = JSON.parse(JSON.stringify({ ...row, id: i, progress: i % 100 })) as typeof row;
      sink += copy.progress + createHash('sha256').update(copy.requestId).digest()[0]!;
    }
    rounds.push(performance.now() - t);
  }
  if (sink < 0) console.log(sink);
  return rounds.sort((a, b) => a - b)[2]!;
}

/** The probe's line for a bench's output: `before` (machineProbe() at its start) and a probe now. */
export const probeLine = (before: number) =>
  `\nmachine probe (bench/common.ts, one core, lower is faster): ${before.toFixed(0)} ms before the run, ${machineProbe().toFixed(0)} ms after`;

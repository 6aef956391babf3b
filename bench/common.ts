// Shared set-up for benchmarks on PostgreSQL + Redis: a fresh database, worker processes, users.
import { createPostgresDatabase } from '../test/helpers/database.js';
import { startServerProcess } from '../test/helpers/process.js';

export const PG = process.env.BENCH_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
export const REDIS = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** A new, empty database; dropped by the returned function. */
export const freshDatabase = (tag: string) => createPostgresDatabase(PG, `genhub_bench_${tag}`);

/**
 * The settings every bench process shares: its new database, Redis under a key prefix of its
 * own, a fixed JWT secret and a data folder; `extra` adds the bench's own.
 */
export const benchEnv = (tag: string, databaseUrl: string, extra: Record<string, string> = {}): Record<string, string> => ({
  DATABASE_URL: databaseUrl,
  REDIS_URL: REDIS,
  REDIS_PREFIX: `genhub-bench-${tag}-${Date.now()}:`,
  JWT_SECRET: `bench-${tag}-`.padEnd(40, 'x'),
  DATA_DIR: `/tmp/genhub-bench-${tag}`,
  HOST: '127.0.0.1',
  ...extra,
});

/**
 * Starts `src/main.ts <role>`; BENCH_NODE_ARGS adds node flags to the processes it starts (e.g.
 * --cpu-prof --cpu-prof-dir=/tmp/prof); BENCH_ENTRY=dist/main.mjs runs the compiled bundle
 * (`npm run build`) as the Docker image does.
 */
export const spawnRole = (role: 'serve' | 'worker', env: Record<string, string>) =>
  startServerProcess(env, [role], { nodeArgs: (process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean), entry: process.env.BENCH_ENTRY || undefined });

export function percentile(sorted: number[], p: number) {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

// Applies prisma/migrations in order and records them in _prisma_migrations exactly as
// `prisma migrate deploy` does (same table, checksum = SHA-256 of migration.sql), so the CLI and
// the server agree on what is applied. Used on start in embedded mode and, when asked, on
// PostgreSQL; `prisma migrate deploy` remains the production path.
import { createHash, randomUUID } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface SqlRunner {
  exec(sql: string): Promise<void>;
  query<T>(sql: string, params?: unknown[]): Promise<T[]>;
}

export interface Migration {
  name: string;
  sql: string;
  checksum: string;
}

export const migrationsDir = resolve(dirname(fileURLToPath(import.meta.url)), '../prisma/migrations');

export function readMigrations(dir = migrationsDir): Migration[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(dir, d.name, 'migration.sql')))
    .map((d) => d.name)
    .sort()
    .map((name) => {
      const sql = readFileSync(join(dir, name, 'migration.sql'), 'utf8');
      return { name, sql, checksum: createHash('sha256').update(sql).digest('hex') };
    });
}

/** Same lock id as Prisma Migrate, so the server and the CLI never migrate at once. */
const LOCK_ID = 72707369;

export async function applyMigrations(db: SqlRunner, opts: { lock?: boolean } = {}): Promise<string[]> {
  const applied: string[] = [];
  if (opts.lock) await db.query('SELECT pg_advisory_lock($1)', [LOCK_ID]);
  try {
    await db.exec(`CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
      "id" VARCHAR(36) PRIMARY KEY NOT NULL,
      "checksum" VARCHAR(64) NOT NULL,
      "finished_at" TIMESTAMPTZ,
      "migration_name" VARCHAR(255) NOT NULL,
      "logs" TEXT,
      "rolled_back_at" TIMESTAMPTZ,
      "started_at" TIMESTAMPTZ NOT NULL DEFAULT now(),
      "applied_steps_count" INTEGER NOT NULL DEFAULT 0)`);
    const rows = await db.query<{ migration_name: string; checksum: string; finished_at: unknown }>(
      'SELECT migration_name, checksum, finished_at FROM "_prisma_migrations" WHERE rolled_back_at IS NULL',
    );
    const done = new Map(rows.map((r) => [r.migration_name, r]));
    for (const m of readMigrations()) {
      const row = done.get(m.name);
      if (row) {
        if (!row.finished_at) throw new Error(`migration ${m.name} failed earlier; resolve it with prisma migrate resolve`);
        if (row.checksum !== m.checksum) throw new Error(`migration ${m.name} was modified after it was applied`);
        continue;
      }
      const id = randomUUID();
      await db.exec('BEGIN');
      try {
        await db.exec(m.sql);
        await db.query(
          `INSERT INTO "_prisma_migrations" (id, checksum, migration_name, finished_at, applied_steps_count)
           VALUES ($1, $2, $3, now(), 1)`,
          [id, m.checksum, m.name],
        );
        await db.exec('COMMIT');
      } catch (err) {
        await db.exec('ROLLBACK');
        throw err;
      }
      applied.push(m.name);
    }
  } finally {
    if (opts.lock) await db.query('SELECT pg_advisory_unlock($1)', [LOCK_ID]);
  }
  return applied;
}

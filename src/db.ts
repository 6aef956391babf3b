// The Prisma client over PostgreSQL (@prisma/adapter-pg) or the embedded PGlite database.
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaPGlite } from 'pglite-prisma-adapter';
import pg from 'pg';
import { PrismaClient } from './generated/prisma/client.js';
import { applyMigrations, readMigrations, type SqlRunner } from './migrate.js';
import { sha256 } from './lib/crypto.js';
import { lockFile } from './lib/dir-lock.js';
import type { Config } from './config.js';
import type { Logger } from './logger.js';

export { PrismaClient };

/**
 * A statement run on the pool without Prisma's client, prepared once per connection under its
 * name: for the lookups on every request, where the client's own work (about 90 µs of CPU per raw
 * query) was most of the cost. Rows come as pg parses them: `timestamp` columns as UTC dates (as
 * Prisma returns them), but int8 and numeric as strings where Prisma gives BigInt and Decimal.
 */
export type Sql = <T>(name: string, text: string, values: unknown[]) => Promise<T[]>;

export interface Database {
  prisma: PrismaClient;
  kind: 'embedded' | 'postgres';
  /** PostgreSQL only; the embedded database is reached through Prisma alone. */
  sql?: Sql;
  ping(): Promise<void>;
  close(): Promise<void>;
}

export interface DatabaseOptions {
  /** PostgreSQL URL; when absent the embedded database is used. */
  url?: string;
  /** Embedded data folder; null keeps the embedded database in memory (tests). */
  dataDir?: string | null;
  /** Apply pending migrations first (always true for the embedded database). */
  migrate?: boolean;
  /** PostgreSQL pool size. */
  poolSize?: number;
  /** Prepare Prisma's statements once per connection (default true). */
  prepared?: boolean;
  /**
   * PostgreSQL: milliseconds a statement may run before the server cancels it (none when unset
   * or 0). Statements that many callers share (tickBatcher, one in flight) must not wait forever.
   */
  statementTimeoutMs?: number;
  /** A PGlite data-dir dump to start from (tests): skips initdb and migrations already in it. */
  loadDataDir?: Blob;
  log?: Logger;
}

export async function openDatabase(opts: DatabaseOptions): Promise<Database> {
  return opts.url ? openPostgres(opts.url, opts) : openEmbedded(opts);
}

/** The database the configuration names: PostgreSQL at DATABASE_URL, or the embedded one in DATA_DIR. */
export function openConfiguredDatabase(config: Config, log?: Logger): Promise<Database> {
  return openDatabase({
    url: config.DATABASE_URL,
    dataDir: join(config.dataDir, 'pglite'),
    migrate: !config.DATABASE_URL || config.MIGRATE_ON_START,
    prepared: config.DATABASE_PREPARED_STATEMENTS,
    statementTimeoutMs: config.DATABASE_STATEMENT_TIMEOUT * 1000,
    log,
  });
}

async function openPostgres(url: string, opts: DatabaseOptions): Promise<Database> {
  if (opts.migrate) {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      const applied = await applyMigrations(pgRunner(client), { lock: true });
      if (applied.length) opts.log?.info({ applied }, 'migrations applied');
    } finally {
      await client.end();
    }
  }
  // Timestamps are stored as UTC clock times: SQL's now() must be UTC too, whatever the server's zone.
  const pool = new pg.Pool({
    connectionString: url,
    max: opts.poolSize ?? 10,
    options: '-c TimeZone=UTC',
    types: { getTypeParser: typeParser } as pg.CustomTypesConfig,
    ...(opts.statementTimeoutMs ? { statement_timeout: Math.round(opts.statementTimeoutMs) } : {}),
  });
  // Prisma's adapter listens for errors of idle clients only from its first query on; a lookup on
  // the pool can come first, and an unheard 'error' would end the process.
  pool.on('error', (err) => opts.log?.warn({ err: err.message }, 'idle database connection failed'));
  const adapter = new PrismaPg(pool, { statementNameGenerator: preparedName(opts.prepared === false ? 0 : undefined), disposeExternalPool: true });
  const prisma = new PrismaClient({ adapter });
  return {
    prisma,
    kind: 'postgres',
    // One literal of one shape (pg clones the config per query; a leading spread made it slow to build and to clone).
    sql: async <T>(name: string, text: string, values: unknown[]) => (await pool.query({ name: opts.prepared === false ? undefined : name, text, values })).rows as T[],
    ping: async () => void (await prisma.$queryRaw`SELECT 1`),
    close: () => prisma.$disconnect(),
  };
}

/**
 * A `timestamp` column's text (`2026-01-02 03:04:05.678`, or with a `T` as JSON writes it) as the
 * UTC clock time it holds (as Prisma writes and reads them); pg's own parser would read it in the
 * process's time zone.
 */
export const utcTimestamp = (text: string): Date => new Date(`${text.replace(' ', 'T')}Z`);

const TIMESTAMP = 1114;
const typeParser = ((oid: number, format?: string) =>
  oid === TIMESTAMP && format !== 'binary' ? utcTimestamp : pg.types.getTypeParser(oid, format as 'text')) as pg.CustomTypesConfig['getTypeParser'];

/**
 * Names for Prisma's statements, so that each pooled connection parses and plans a statement once
 * and then only binds and executes it (an unnamed statement is parsed and planned on every
 * execution: most of PostgreSQL's work for the short lookups on every request). The first
 * PREPARED_MAX distinct statements get a name; later ones (statements whose text varies with their
 * input, such as long IN lists) run unnamed, which bounds what each connection keeps prepared.
 */
const PREPARED_MAX = 500;
export function preparedName(max = PREPARED_MAX): (query: { sql: string }) => string {
  const names = new Map<string, string>();
  return ({ sql }) => {
    let name = names.get(sql);
    if (name === undefined && names.size < max) names.set(sql, (name = `g${sha256(sql).slice(0, 24)}`));
    // An empty name is pg's unnamed statement.
    return name ?? '';
  };
}

async function openEmbedded(opts: DatabaseOptions): Promise<Database> {
  const { dataDir, loadDataDir } = opts;
  let unlock = () => {};
  if (dataDir) {
    mkdirSync(dataDir, { recursive: true });
    // One process at a time on the folder (throws DirectoryInUseError): `<folder>.lock`.
    unlock = lockFile(`${dataDir}.lock`);
  }
  let pglite: PGlite | undefined;
  try {
    // A new data folder starts as a copy of the template: much faster than initdb.
    if (dataDir && !loadDataDir && readdirSync(dataDir).length === 0) {
      const template = embeddedTemplatePath().dir;
      if (existsSync(join(template, 'PG_VERSION'))) cpSync(template, dataDir, { recursive: true });
    }
    const db = (pglite = await PGlite.create(dataDir ?? undefined, loadDataDir ? { loadDataDir } : {}));
    await db.exec("SET TIME ZONE 'UTC'");
    const applied = await applyMigrations(pgliteRunner(db));
    if (applied.length) opts.log?.info({ applied }, 'migrations applied');
    const prisma = new PrismaClient({ adapter: new PrismaPGlite(db) });
    return {
      prisma,
      kind: 'embedded',
      ping: async () => void (await db.query('SELECT 1')),
      close: async () => {
        try {
          await prisma.$disconnect();
        } finally {
          try {
            if (!db.closed) await db.close();
          } finally {
            unlock();
          }
        }
      },
    };
  } catch (err) {
    // Closed before the folder is left to the next process.
    if (pglite && !pglite.closed) await pglite.close().catch(() => {});
    unlock();
    throw err;
  }
}

// The project folder: the parent of src/ (or of dist/ when running the bundle).
const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/**
 * Where `npm install` leaves a migrated embedded database (scripts/make-template.ts), as a data
 * folder and as a tarball, keyed by the PGlite version and the migrations so a stale template is
 * never used.
 */
export function embeddedTemplatePath(): { dir: string; tarball: string } {
  const { version } = JSON.parse(readFileSync(resolve(root, 'node_modules/@electric-sql/pglite/package.json'), 'utf8'));
  const migrations = sha256(readMigrations().map((m) => m.checksum).join(',')).slice(0, 12);
  const dir = resolve(root, 'node_modules/.cache/genhub', `pglite-${version}-${migrations}`);
  return { dir, tarball: `${dir}.tar` };
}

export function pgRunner(client: pg.Client): SqlRunner {
  return {
    exec: async (sql) => void (await client.query(sql)),
    query: async <T>(sql: string, params?: unknown[]) => (await client.query(sql, params)).rows as T[],
  };
}

export function pgliteRunner(db: PGlite): SqlRunner {
  return {
    exec: async (sql) => void (await db.exec(sql)),
    query: async <T>(sql: string, params?: unknown[]) => (await db.query<T>(sql, params)).rows,
  };
}

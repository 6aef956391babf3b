// An isolated database per test file: a fresh PostgreSQL database when TEST_DATABASE_URL is
// set, otherwise an in-memory embedded database started from a migrated template.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { openDatabase, pgRunner, pgliteRunner, type Database } from '../../src/db.js';
import { applyMigrations, readMigrations } from '../../src/migrate.js';
import { sha256 } from '../../src/lib/crypto.js';

export const testDatabaseUrl = process.env.TEST_DATABASE_URL || undefined;
export const mode = testDatabaseUrl ? 'postgres' : 'embedded';

export async function openTestDatabase(): Promise<Database> {
  return testDatabaseUrl ? openPostgresCopy(testDatabaseUrl) : openDatabase({ dataDir: null, loadDataDir: await embeddedTemplate() });
}

async function openPostgresCopy(adminUrl: string): Promise<Database> {
  const name = `genhub_test_${process.pid}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${name}"`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const client = new pg.Client({ connectionString: url.toString() });
  await client.connect();
  await applyMigrations(pgRunner(client));
  await client.end();
  const db = await openDatabase({ url: url.toString(), poolSize: 20 });
  return {
    ...db,
    close: async () => {
      await db.close();
      const a = new pg.Client({ connectionString: adminUrl });
      await a.connect();
      await a.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await a.end();
    },
  };
}

/** A dump of a migrated embedded database, made once per set of migrations and reused. */
async function embeddedTemplate(): Promise<Blob> {
  const dir = resolve('.test-data');
  const hash = sha256(readMigrations().map((m) => m.checksum).join(',')).slice(0, 16);
  const file = join(dir, `pglite-template-${hash}.tar`);
  if (!existsSync(file)) {
    const db = await PGlite.create();
    await applyMigrations(pgliteRunner(db));
    const dump = await db.dumpDataDir('none');
    await db.close();
    mkdirSync(dir, { recursive: true });
    const tmp = `${file}.${process.pid}`;
    writeFileSync(tmp, Buffer.from(await dump.arrayBuffer()));
    renameSync(tmp, file);
  }
  return new Blob([readFileSync(file)]);
}

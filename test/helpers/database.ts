// An isolated database per test file: a fresh PostgreSQL database when TEST_DATABASE_URL is
// set, otherwise an in-memory embedded database started from a migrated template.
import { randomBytes } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { embeddedTemplatePath, openDatabase, pgRunner, type Database } from '../../src/db.js';
import { applyMigrations } from '../../src/migrate.js';

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

/** The migrated template `npm install` made; made here when missing (migrations changed since). */
async function embeddedTemplate(): Promise<Blob> {
  const file = embeddedTemplatePath().tarball;
  if (!existsSync(file)) {
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/make-template.ts'], { cwd: fileURLToPath(new URL('../..', import.meta.url)), encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`could not make the embedded template: ${r.stderr}`);
  }
  return new Blob([readFileSync(file)]);
}

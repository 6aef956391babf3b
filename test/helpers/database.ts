// An isolated database per test file: a fresh PostgreSQL database when TEST_DATABASE_URL is
// set, otherwise an in-memory embedded database started from a migrated template.
import { randomBytes } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { embeddedTemplatePath, openDatabase, type Database } from '../../src/db.js';

export const testDatabaseUrl = process.env.TEST_DATABASE_URL || undefined;

export async function openTestDatabase(): Promise<Database> {
  return testDatabaseUrl ? openPostgresCopy(testDatabaseUrl) : openDatabase({ dataDir: null, loadDataDir: await embeddedTemplate() });
}

/** A new, empty PostgreSQL database on the server of `adminUrl`, and how to drop it. */
export async function createPostgresDatabase(adminUrl: string, prefix = 'genhub_test'): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `${prefix}_${process.pid}_${randomBytes(4).toString('hex')}`;
  const admin = async (sql: string) => {
    const client = new pg.Client({ connectionString: adminUrl });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  await admin(`CREATE DATABASE "${name}"`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => admin(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`) };
}

async function openPostgresCopy(adminUrl: string): Promise<Database> {
  const created = await createPostgresDatabase(adminUrl);
  const db = await openDatabase({ url: created.url, poolSize: 20, migrate: true });
  return {
    ...db,
    close: async () => {
      await db.close();
      await created.drop();
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

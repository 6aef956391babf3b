// DATABASE_STATEMENT_TIMEOUT: PostgreSQL cancels a statement that runs (or waits on a lock) longer
// than that, on the pool and through Prisma alike; shorter statements are untouched.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { loadConfig } from '../../src/config.js';
import { openDatabase, type Database } from '../../src/db.js';
import { createPostgresDatabase, testDatabaseUrl } from '../helpers/database.js';

describe('statement timeout', { skip: !testDatabaseUrl && 'needs TEST_DATABASE_URL (PostgreSQL)' }, () => {
  let pg: Awaited<ReturnType<typeof createPostgresDatabase>>;
  let db: Database;
  before(async () => {
    pg = await createPostgresDatabase(testDatabaseUrl!);
    db = await openDatabase({ url: pg.url, statementTimeoutMs: 300 });
  });
  after(async () => {
    await db?.close();
    await pg?.drop();
  });

  test('the setting is read in seconds, 30 by default, 0 for none', () => {
    assert.equal(loadConfig({}).DATABASE_STATEMENT_TIMEOUT, 30);
    assert.equal(loadConfig({ DATABASE_STATEMENT_TIMEOUT: '0' }).DATABASE_STATEMENT_TIMEOUT, 0);
    assert.throws(() => loadConfig({ DATABASE_STATEMENT_TIMEOUT: '-1' }), /DATABASE_STATEMENT_TIMEOUT/);
  });

  test('a statement over the limit is canceled, on the pool and through Prisma; one under it runs', async () => {
    await assert.rejects(db.sql!('sleep_long', 'SELECT pg_sleep(2)', []), (err: { code?: string }) => err.code === '57014');
    await assert.rejects(db.prisma.$queryRawUnsafe('SELECT pg_sleep(2)'), /cancel/i);
    assert.deepEqual(await db.sql!<{ n: number }>('short', 'SELECT 1 AS n FROM pg_sleep(0.01)', []), [{ n: 1 }]);
    // The connections stay usable after a cancel.
    assert.equal((await db.prisma.$queryRawUnsafe<{ n: number }[]>('SELECT 2 AS n'))[0]!.n, 2);
  });
});

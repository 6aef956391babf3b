// A database or Redis that cannot be reached or drops its connection is told apart from a bug:
// the API answers such a request 503 SERVICE_UNAVAILABLE (retryable) instead of a masked 500.
// The errors here are real ones, from the real drivers.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Redis } from 'ioredis';
import pg from 'pg';
import { openDatabase } from '../../src/db.js';
import { isUnavailable } from '../../src/lib/prisma-errors.js';
import { AppError } from '../../src/errors.js';
import { createPostgresDatabase, testDatabaseUrl } from '../helpers/database.js';
import { startTestServer } from '../helpers/harness.js';

const caught = (p: Promise<unknown>) => p.then(() => assert.fail('expected an error'), (err: unknown) => err);

describe('telling an unreachable backing service from a bug', () => {
  test('a database server nobody listens for', async () => {
    const db = await openDatabase({ url: 'postgresql://postgres@127.0.0.1:1/nothing', migrate: false, poolSize: 1 });
    try {
      const err = await caught(db.prisma.user.count());
      assert.ok(isUnavailable(err), String(err));
    } finally {
      await db.close().catch(() => {});
    }
  });

  test('a Redis server nobody listens for', async () => {
    const redis = new Redis('redis://127.0.0.1:1', { maxRetriesPerRequest: 0, retryStrategy: () => null, lazyConnect: true });
    redis.on('error', () => {});
    try {
      const err = await caught(redis.connect().then(() => redis.get('x')));
      assert.ok(isUnavailable(err), String(err));
    } finally {
      redis.disconnect();
    }
  });

  test('errors of the request itself are not taken for an outage', () => {
    assert.equal(isUnavailable(new Error('Cannot read properties of undefined')), false);
    assert.equal(isUnavailable(Object.assign(new Error('duplicate key value violates unique constraint'), { code: '23505' })), false);
    assert.equal(isUnavailable(null), false);
    // Our own errors may echo the client's input: their words are not read as a driver's.
    assert.equal(isUnavailable(new AppError('BAD_USER_INPUT', 'unknown model "ECONNRESET"')), false);
  });

  test("a refusal echoing a driver's words in the client's input stays the refusal it is", async () => {
    const t = await startTestServer();
    try {
      const reg = await t.gql('mutation { register(input: { username: "echoer", email: "echoer@example.com", password: "Passw0rdOK" }) { accessToken } }' as never);
      const token = (reg.data as { register: { accessToken: string } }).register.accessToken;
      const r = await t.gql('mutation { createChat(input: { model: "ECONNRESET Connection terminated" }) { id } }' as never, {}, { token });
      assert.equal(r.status, 400);
      assert.equal(r.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT');
      assert.equal(r.errors?.[0]?.extensions?.field, 'input.model');
    } finally {
      await t.close();
    }
  });

  test('PostgreSQL terminating the connection of a running transaction; a unique violation is not that', { skip: !testDatabaseUrl && 'needs TEST_DATABASE_URL' }, async () => {
    const created = await createPostgresDatabase(testDatabaseUrl!);
    const db = await openDatabase({ url: created.url, migrate: true, poolSize: 2 });
    const admin = new pg.Client({ connectionString: created.url });
    await admin.connect();
    try {
      const err = await caught(
        db.prisma.$transaction(async (tx) => {
          const [row] = await tx.$queryRaw<{ pid: number }[]>`SELECT pg_backend_pid() AS pid`;
          await admin.query('SELECT pg_terminate_backend($1)', [row!.pid]);
          await tx.$queryRaw`SELECT 1`;
        }),
      );
      assert.ok(isUnavailable(err), String(err));
      // The pool gets over it: the next query runs on a new connection.
      assert.equal(await db.prisma.user.count(), 0);

      await db.prisma.user.create({ data: { username: 'taken' } });
      const dup = await caught(db.prisma.user.create({ data: { username: 'taken' } }));
      assert.equal(isUnavailable(dup), false, String(dup));
    } finally {
      await admin.end();
      await db.close();
      await created.drop();
    }
  });
});

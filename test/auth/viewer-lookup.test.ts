// The credential lookups on the pool (PostgreSQL, `Database.sql`) return the viewer Prisma's raw
// query returns, timestamps included, whatever the process's time zone; and Prisma's statements
// are prepared under names that stay bounded; the lookups asked at one moment share a statement.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { preparedName, type Database } from '../../src/db.js';
import { createApiKey } from '../../src/modules/apikeys/apikeys.service.js';
import { resolveViewer } from '../../src/modules/auth/viewer.js';
import { createTokenSigner } from '../../src/modules/auth/tokens.js';
import { openTestDatabase, testDatabaseUrl } from '../helpers/database.js';

// One database for the file's lookups (each test makes users of its own).
let db: Database;
before(async () => {
  db = await openTestDatabase();
});
after(() => db.close());

describe('prepared statement names', () => {
  test('one name per statement text, none past the bound', () => {
    const name = preparedName(2);
    const a = name({ sql: 'SELECT 1' });
    assert.match(a, /^g[0-9a-f]{24}$/);
    assert.equal(name({ sql: 'SELECT 1' }), a);
    const b = name({ sql: 'SELECT 2' });
    assert.notEqual(b, a);
    // The third distinct text runs unnamed (pg's unnamed statement); the first two keep theirs.
    assert.equal(name({ sql: 'SELECT 3' }), '');
    assert.equal(name({ sql: 'SELECT 2' }), b);
  });
});

describe('credential lookup on the pool', { skip: !testDatabaseUrl && 'needs TEST_DATABASE_URL (PostgreSQL)' }, () => {
  test('an API key and a session resolve to the same viewer as through Prisma', async () => {
    assert.ok(db.sql, 'PostgreSQL offers the pool');
    const lastLoginAt = new Date('2026-01-02T03:04:05.678Z');
    const user = await db.prisma.user.create({
      data: { username: 'lookup', email: 'lookup@example.com', name: 'L', metadata: { a: [1, 'b'] }, lastLoginAt, creditAccount: { create: { available: 42, reserved: 7 } } },
    });
    const { key } = await createApiKey({ prisma: db.prisma }, user.id, { name: 'k', scopes: ['ai:read'] } as never);
    const session = await db.prisma.authSession.create({ data: { userId: user.id, expiresAt: new Date(Date.now() + 3600_000) } as never });
    const tokens = createTokenSigner(new Uint8Array(32).fill(7), 600);
    const token = await tokens.sign({ userId: user.id, sessionId: session.id });
    const keyUsage = { record: () => undefined } as never;
    // The process's zone must not shift timestamps (pg reads `timestamp` columns in local time).
    const zone = process.env.TZ;
    process.env.TZ = 'America/New_York';
    try {
      for (const credential of [key, token]) {
        const onPool = await resolveViewer({ prisma: db.prisma, sql: db.sql, tokens, keyUsage }, credential);
        const viaPrisma = await resolveViewer({ prisma: db.prisma, tokens, keyUsage }, credential);
        assert.equal(onPool.kind, 'user');
        assert.deepEqual(onPool, viaPrisma);
        if (onPool.kind !== 'user') return;
        assert.deepEqual(onPool.user.lastLoginAt, lastLoginAt);
        assert.deepEqual(onPool.user.createdAt, user.createdAt);
        assert.deepEqual(onPool.credits, { available: 42, reserved: 7 });
        assert.deepEqual(onPool.user.metadata, { a: [1, 'b'] });
        // The user is Prisma's own model object, field for field.
        assert.deepEqual(onPool.user, await db.prisma.user.findUnique({ where: { id: user.id } }));
      }
    } finally {
      if (zone === undefined) delete process.env.TZ;
      else process.env.TZ = zone;
    }
  });
});

describe('credential lookup through Prisma (the embedded database, or PostgreSQL without the pool)', () => {
  test("an API key and a session resolve to Prisma's own user and the balance", async () => {
    const lastLoginAt = new Date('2026-03-04T05:06:07.089Z');
    const user = await db.prisma.user.create({
      data: { username: 'lookup2', email: 'lookup2@example.com', fullName: 'F', metadata: { b: { c: null } }, role: 'admin', lastLoginAt, creditAccount: { create: { available: 5, reserved: 1 } } },
    });
    const { key } = await createApiKey({ prisma: db.prisma }, user.id, { name: 'k', scopes: ['ai:read'] } as never);
    const session = await db.prisma.authSession.create({ data: { userId: user.id, expiresAt: new Date(Date.now() + 3600_000) } as never });
    const tokens = createTokenSigner(new Uint8Array(32).fill(7), 600);
    const token = await tokens.sign({ userId: user.id, sessionId: session.id });
    const keyUsage = { record: () => undefined } as never;
    const model = await db.prisma.user.findUnique({ where: { id: user.id } });
    for (const credential of [key, token]) {
      const viewer = await resolveViewer({ prisma: db.prisma, tokens, keyUsage }, credential);
      assert.equal(viewer.kind, 'user');
      if (viewer.kind !== 'user') return;
      assert.deepEqual(viewer.user, model);
      assert.deepEqual(viewer.credits, { available: 5, reserved: 1 });
    }
    // A revoked key and an expired session are nobody.
    await db.prisma.apiKey.updateMany({ where: { userId: user.id }, data: { revokedAt: new Date() } });
    await db.prisma.authSession.update({ where: { id: session.id }, data: { expiresAt: new Date(Date.now() - 1000) } });
    assert.equal((await resolveViewer({ prisma: db.prisma, tokens, keyUsage }, key)).kind, 'anonymous');
    assert.equal((await resolveViewer({ prisma: db.prisma, tokens, keyUsage }, token)).kind, 'anonymous');
  });
});

describe('credential lookups of one moment share a statement', () => {
  test('each request gets its own caller; the same credential twice is one row; nothing is kept for later', async () => {
    const users = [];
    const keys: string[] = [];
    for (let i = 0; i < 3; i++) {
      const u = await db.prisma.user.create({ data: { username: `moment${i}`, email: `moment${i}@example.com`, creditAccount: { create: { available: 10 + i } } } });
      users.push(u);
      keys.push((await createApiKey({ prisma: db.prisma }, u.id, { name: 'k' })).key);
    }
    const session = await db.prisma.authSession.create({ data: { userId: users[0]!.id, expiresAt: new Date(Date.now() + 3600_000) } as never });
    const tokens = createTokenSigner(new Uint8Array(32).fill(7), 600);
    const token = await tokens.sign({ userId: users[0]!.id, sessionId: session.id });
    const keyUsage = { record: () => undefined } as never;
    // The statements each path sends, as the values they look up.
    const sent: unknown[][] = [];
    const paths = [
      {
        name: 'Prisma',
        deps: {
          prisma: new Proxy(db.prisma, {
            get: (target, p) =>
              p === '$queryRawUnsafe'
                ? (text: string, value: unknown) => {
                    sent.push(Array.isArray(value) ? value : [value]);
                    return target.$queryRawUnsafe(text, value);
                  }
                : Reflect.get(target, p),
          }),
        },
      },
      ...(db.sql
        ? [
            {
              name: 'pool',
              deps: {
                prisma: db.prisma,
                sql: (<T>(name: string, text: string, values: unknown[]) => {
                  sent.push(Array.isArray(values[0]) ? values[0] : [values[0]]);
                  return db.sql!<T>(name, text, values);
                }) as Database['sql'],
              },
            },
          ]
        : []),
    ];
    for (const path of paths) {
      sent.length = 0;
      const deps = { ...path.deps, tokens, keyUsage };
      const asked = [keys[0]!, keys[1]!, token, keys[2]!, keys[1]!, 'sk_not_a_key'];
      const got = await Promise.all(asked.map((c) => resolveViewer(deps, c)));
      assert.deepEqual(
        got.map((v) => (v.kind === 'user' ? [v.user.id, v.credits?.available, v.apiKey ? 'key' : 'session'] : v.kind)),
        [[users[0]!.id, 10, 'key'], [users[1]!.id, 11, 'key'], [users[0]!.id, 10, 'session'], [users[2]!.id, 12, 'key'], [users[1]!.id, 11, 'key'], 'anonymous'],
        path.name,
      );
      // One statement for the keys (the repeated one once) and one for the session (its plain `=` form).
      assert.equal(sent.length, 2, `${path.name}: ${JSON.stringify(sent)}`);
      assert.deepEqual(sent.map((v) => v.length).sort(), [1, 4]);
      // Requests with the same key share the row, not the objects made from it.
      assert.notEqual((got[1] as { user: object }).user, (got[4] as { user: object }).user);
      assert.deepEqual((got[1] as { user: object }).user, (got[4] as { user: object }).user);
      assert.notEqual((got[1] as { user: { metadata: object } }).user.metadata, (got[4] as { user: { metadata: object } }).user.metadata);
    }
    // A key revoked between two moments is refused at the next one: rows are not kept. Alone in
    // its moment, a key takes the one-value statement, as the first test's lookups do.
    await db.prisma.apiKey.updateMany({ where: { userId: users[2]!.id }, data: { revokedAt: new Date() } });
    for (const path of paths) assert.equal((await resolveViewer({ ...path.deps, tokens, keyUsage }, keys[2]!)).kind, 'anonymous', path.name);
  });
});

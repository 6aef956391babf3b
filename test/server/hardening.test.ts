// Production hardening: security headers on every answer, a nonce-based Content-Security-Policy
// on pages, introspection off, trusted documents (persisted operations) only, CORS by origin.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { startTestServer, type TestServer } from '../helpers/harness.js';
import { newUser } from '../helpers/ops.js';

const TRUSTED = 'query Trusted { models { id } }';
const INTROSPECT = 'query Schema { __schema { queryType { name } } }';
const sha = (s: string) => createHash('sha256').update(s).digest('hex');
const hash = sha(TRUSTED);
const file = join(mkdtempSync(join(tmpdir(), 'genhub-trusted-')), 'persisted.json');
writeFileSync(file, JSON.stringify({ [hash]: TRUSTED, [sha(INTROSPECT)]: INTROSPECT }));

let t: TestServer;
before(async () => {
  t = await startTestServer({
    GRAPHQL_INTROSPECTION: 'false',
    PERSISTED_OPERATIONS_FILE: file,
    PERSISTED_OPERATIONS_ONLY: 'true',
    CORS_ORIGINS: 'https://app.example.com',
    SIGNUP_CREDITS: '10',
  });
});
after(() => t.close());

const post = (body: unknown, headers: Record<string, string> = {}) =>
  fetch(`${t.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json', ...headers }, body: JSON.stringify(body) });

test('security headers on every answer; pages and docs carry a Content-Security-Policy whose nonce is on their own scripts only', async () => {
  for (const path of ['/healthz', '/graphql', '/login', '/docs', '/api/v1/ai/models', '/nowhere']) {
    const r = await fetch(t.url + path);
    assert.equal(r.headers.get('x-content-type-options'), 'nosniff', path);
    assert.equal(r.headers.get('x-frame-options'), 'SAMEORIGIN', path);
    assert.equal(r.headers.get('referrer-policy'), 'no-referrer', path);
    assert.equal(r.headers.get('cross-origin-opener-policy'), 'same-origin', path);
    await r.arrayBuffer();
  }
  const page = await fetch(`${t.url}/login?next=${encodeURIComponent('/library"><script>alert(1)</script>')}`);
  const csp = page.headers.get('content-security-policy')!;
  const nonce = /'nonce-([^']+)'/.exec(csp)![1]!;
  assert.match(csp, /frame-ancestors 'none'/);
  assert.doesNotMatch(csp, /script-src[^;]*unsafe-inline/);
  const html = await page.text();
  const scripts = [...html.matchAll(/<script([^>]*)>/g)].map((m) => m[1]);
  assert.ok(scripts.length > 0);
  for (const attrs of scripts) assert.equal(attrs, ` nonce="${nonce}"`);
  const other = (await fetch(`${t.url}/login`)).headers.get('content-security-policy')!;
  assert.notEqual(/'nonce-([^']+)'/.exec(other)![1], nonce, 'a new nonce per page');
  assert.match((await fetch(`${t.url}/docs`)).headers.get('content-security-policy') ?? '', /script-src 'self'/);
});

test('introspection is off; trusted documents only: a persisted operation runs, any other is refused, the REST routes still work', async () => {
  const u = await newUser(t, 'hard').catch(() => null);
  // Registration is itself an arbitrary operation here: refused.
  assert.equal(u, null, 'arbitrary operations are refused');
  const adhoc = await post({ query: '{ models { id } }' });
  const body = (await adhoc.json()) as any;
  assert.equal(body.data, undefined);
  assert.match(body.errors[0].message, /PersistedQueryOnly/);

  const reg = await fetch(`${t.url}/api/auth/register`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: `hard${process.pid}`, email: `hard${process.pid}@example.com`, password: 'SecurePass123!' }) });
  assert.equal(reg.status, 201, 'a REST route runs its own operations');
  const token = ((await reg.json()) as any).data.token as string;
  const trusted = await post({ extensions: { persistedQuery: { version: 1, sha256Hash: hash } } }, { authorization: `Bearer ${token}` });
  const ok = (await trusted.json()) as any;
  assert.equal(ok.errors, undefined, JSON.stringify(ok.errors));
  assert.ok(ok.data.models.some((m: any) => m.id === 'minimax'));
  const unknown = (await (await post({ extensions: { persistedQuery: { version: 1, sha256Hash: 'f'.repeat(64) } } })).json()) as any;
  assert.match(unknown.errors[0].message, /PersistedQueryNotFound/);
  // A forged internal marker does not open the door.
  const forged = (await (await post({ query: '{ models { id } }' }, { 'x-genhub-internal': 'guess' })).json()) as any;
  assert.match(forged.errors[0].message, /PersistedQueryOnly/);

  const ws = createClient({ url: t.wsUrl, webSocketImpl: WebSocket, connectionParams: { Authorization: `Bearer ${token}` }, lazy: true, retryAttempts: 0 });
  try {
    const it = ws.iterate({ query: 'subscription { myTaskEvents { type } }' });
    await assert.rejects(it.next(), (e: any) => /PersistedQueryOnly/.test(JSON.stringify(e)));
  } finally {
    await ws.dispose();
  }
});

test('introspection is refused before execution, even as a trusted document', async () => {
  const r = await post({ extensions: { persistedQuery: { version: 1, sha256Hash: sha(INTROSPECT) } } });
  const body = (await r.json()) as any;
  assert.equal(body.data, undefined);
  assert.match(body.errors[0].message, /introspection/i);
});

test('CORS: the configured origin is allowed, another is not', async () => {
  const pre = (origin: string) => fetch(`${t.url}/graphql`, { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type,authorization' } });
  const good = await pre('https://app.example.com');
  assert.equal(good.headers.get('access-control-allow-origin'), 'https://app.example.com');
  assert.equal(good.headers.get('access-control-allow-credentials'), 'true');
  const bad = await pre('https://evil.example.com');
  assert.notEqual(bad.headers.get('access-control-allow-origin'), 'https://evil.example.com');
  assert.notEqual(bad.headers.get('access-control-allow-origin'), '*');
  // A body of a type GraphQL does not read: the 415 is readable by the allowed origin only.
  const typed = (origin: string) => fetch(`${t.url}/graphql`, { method: 'POST', headers: { origin, 'content-type': 'text/plain' }, body: '{ __typename }' });
  const refused = await typed('https://app.example.com');
  assert.equal(refused.status, 415);
  assert.equal(refused.headers.get('access-control-allow-origin'), 'https://app.example.com');
  assert.equal(refused.headers.get('access-control-allow-credentials'), 'true');
  assert.equal((await refused.json()).errors[0].extensions.code, 'BAD_USER_INPUT');
  const other = await typed('https://evil.example.com');
  assert.equal(other.status, 415);
  assert.equal(other.headers.get('access-control-allow-origin'), null);
});

import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, describe, test } from 'node:test';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { parse } from 'graphql';
import { pino } from 'pino';
import { graphql } from '../gql/index.js';
import { codeOf, startTestServer, type TestServer } from '../helpers/harness.js';
import { MeDoc, newUser } from '../helpers/ops.js';
import { MAX_BODY } from '../../src/rest/core.js';

const RenameDoc = graphql(`mutation Rename($name: String!) { updateProfile(input: { name: $name }) { name } }`);

let t: TestServer;
before(async () => {
  t = await startTestServer({ GRAPHQL_MAX_DEPTH: '3' });
});
after(() => t.close());

describe('probes', () => {
  test('/healthz and /readyz answer 200', async () => {
    for (const path of ['/healthz', '/readyz']) {
      const res = await fetch(t.url + path);
      assert.equal(res.status, 200, path);
    }
  });
  test('unknown paths are 404', async () => {
    assert.equal((await fetch(t.url + '/nope')).status, 404);
  });
});

describe('GraphiQL', () => {
  test('is served to browsers outside production', async () => {
    const res = await fetch(t.url + '/graphql', { headers: { accept: 'text/html' } });
    assert.equal(res.status, 200);
    assert.match(await res.text(), /graphiql/i);
  });
});

describe('subscriptions', () => {
  test('over graphql-ws on /graphql, authenticated by connectionParams', async () => {
    const u = await newUser(t);
    const client = createClient({ url: t.wsUrl, webSocketImpl: WebSocket, connectionParams: { Authorization: `Bearer ${u.token}` }, lazy: false });
    try {
      const received: string[] = [];
      const iterator = client.iterate<{ viewerUpdated: { name: string } }>({ query: 'subscription { viewerUpdated { name } }' });
      const next = (async () => {
        for await (const msg of iterator) {
          received.push(msg.data!.viewerUpdated.name);
          if (msg.data!.viewerUpdated.name === 'second') break;
        }
      })();
      await waitFor(async () => {
        await t.ok(RenameDoc, { name: `first` }, { token: u.token });
        return received.length > 0;
      });
      await t.ok(RenameDoc, { name: 'second' }, { token: u.token });
      await next;
      assert.equal(received.at(-1), 'second');
    } finally {
      await client.dispose();
    }
  });

  test('graphql-ws without credentials is refused', async () => {
    const client = createClient({ url: t.wsUrl, webSocketImpl: WebSocket, lazy: false });
    try {
      const errors = await new Promise<unknown>((resolve) => {
        client.subscribe({ query: 'subscription { viewerUpdated { name } }' }, { next: (v) => resolve(v), error: resolve, complete: () => resolve(null) });
      });
      const first = (Array.isArray(errors) ? errors[0] : (errors as { errors?: unknown[] })?.errors?.[0]) as { extensions?: { code?: string } };
      assert.equal(first?.extensions?.code, 'UNAUTHENTICATED');
    } finally {
      await client.dispose();
    }
  });

  test('over server-sent events', async () => {
    const u = await newUser(t);
    const ac = new AbortController();
    const res = await fetch(`${t.url}/graphql`, {
      method: 'POST',
      signal: ac.signal,
      headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: `Bearer ${u.token}` },
      body: JSON.stringify({ query: 'subscription { viewerUpdated { name } }' }),
    });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /text\/event-stream/);
    const reader = res.body!.getReader();
    let text = '';
    const got = (async () => {
      const dec = new TextDecoder();
      while (!text.includes('sse-name')) {
        const { value, done } = await reader.read();
        if (done) break;
        text += dec.decode(value);
      }
    })();
    await waitFor(async () => {
      await t.ok(RenameDoc, { name: 'sse-name' }, { token: u.token });
      return text.includes('sse-name');
    });
    await got;
    ac.abort();
    assert.match(text, /event: next\ndata: \{"data":\{"viewerUpdated":\{"name":"sse-name"\}\}\}/);
  });
});

describe('hardening', () => {
  test('armor refuses queries with too many aliases or too much depth before running them', async () => {
    const aliases = `query { ${Array.from({ length: 30 }, (_, i) => `a${i}: me { id }`).join(' ')} }`;
    const r = await t.gql(aliases as never);
    assert.match(r.errors?.[0]?.message ?? '', /alias/i);
    const d = await t.gql(`query { usersConnection { edges { node { id } } } }` as never);
    assert.match(d.errors?.[0]?.message ?? '', /depth/i);
    const small = await t.gql(`query { me { id } }` as never);
    assert.equal(codeOf(small), 'UNAUTHENTICATED', 'a small query runs');
  });

  test('request bodies over the limit are refused with 413: by their Content-Length at once, or as a chunked body is read', async () => {
    const limit = MAX_BODY + 4 * 1024 * 1024;
    const post = (headers: Record<string, string>, write: (req: http.ClientRequest) => void) =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        // A connection of its own each (agent: false): the server closes one whose body it refused.
        const req = http.request(`${t.url}/graphql`, { method: 'POST', agent: false, headers: { 'content-type': 'application/json', ...headers } }, (res) => {
          let body = '';
          res.on('data', (c) => (body += c));
          res.on('end', () => resolve({ status: res.statusCode!, body }));
        });
        // Writing on after the refusal may end in EPIPE or a reset: the answer has come by then.
        req.on('error', (err) => (['EPIPE', 'ECONNRESET'].includes((err as NodeJS.ErrnoException).code ?? '') ? undefined : reject(err)));
        write(req);
      });
    // A declared length over the limit: refused before the body is read (only its start is sent).
    const declared = await post({ 'content-length': String(limit + 1) }, (req) => req.write('{"query":"'));
    assert.equal(declared.status, 413, declared.body);
    assert.equal(JSON.parse(declared.body).errors[0].extensions.code, 'REQUEST_ENTITY_TOO_LARGE');
    // No length (chunked): counted as it arrives.
    const chunked = await post({ 'transfer-encoding': 'chunked' }, (req) => {
      const chunk = Buffer.alloc(1024 * 1024, 0x20);
      req.write('{"query":"{ __typename }", "pad": "');
      let sent = 0;
      const more = () => {
        while (sent <= limit) {
          sent += chunk.length;
          if (!req.write(chunk)) return void req.once('drain', more);
        }
        req.end('"}');
      };
      more();
    });
    assert.equal(chunked.status, 413, chunked.body.slice(0, 300));
    // Under the limit, chunked or not, the operation runs.
    const small = await post({ 'transfer-encoding': 'chunked' }, (req) => req.end('{"query":"{ __typename }"}'));
    assert.equal(small.status, 200, small.body);
    assert.equal(JSON.parse(small.body).data.__typename, 'Query');
  });

  test('unexpected errors are masked; readiness reports the database down', async () => {
    const u = await newUser(t);
    await t.app.db.close();
    const r = await t.gql(MeDoc, undefined, { token: u.token });
    assert.ok(r.errors?.length);
    const body = JSON.stringify(r.errors);
    assert.match(r.errors![0]!.message, /Unexpected error/);
    assert.doesNotMatch(body, /prisma|pglite|postgres|stack|at \w+ \(/i);
    assert.equal((await fetch(t.url + '/readyz')).status, 503);
    assert.equal((await fetch(t.url + '/healthz')).status, 200);
  });
});

test("an unexpected error's log line does not quote the request (a password written into the document)", async () => {
  const lines: string[] = [];
  const log = pino({ level: 'warn' }, { write: (line: string) => void lines.push(line) });
  const s = await startTestServer({}, { log });
  try {
    await s.app.db.close();
    const r = await s.gql(parse('mutation { login(input: { login: "someone", password: "S3cretInTheDocument" }) { accessToken } }'));
    assert.match(r.errors?.[0]?.message ?? '', /Unexpected error/);
    assert.ok(lines.some((l) => /"level":50/.test(l)), `the error is logged: ${lines.join('')}`);
    assert.doesNotMatch(lines.join(''), /S3cretInTheDocument/);
  } finally {
    await s.close().catch(() => {});
  }
});

async function waitFor(check: () => Promise<boolean>, timeoutMs = 5000) {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('timed out');
}

test('LOG_LEVEL=debug writes an access line per request, without the query string; info writes none', async () => {
  for (const level of ['debug', 'info'] as const) {
    const lines: string[] = [];
    const log = pino({ level }, { write: (line: string) => void lines.push(line) });
    const s = await startTestServer({}, { log });
    try {
      assert.equal((await fetch(`${s.url}/healthz`)).status, 200);
      assert.equal((await fetch(`${s.url}/assets/12345?exp=99999999999&sig=SignatureNotToLog`)).status, 404);
      const r = await s.gql(parse('{ me { id } }'));
      assert.equal(r.errors?.[0]?.extensions?.code, 'UNAUTHENTICATED');
      await waitFor(async () => level === 'info' || lines.filter((l) => /"msg":"request"/.test(l)).length >= 3);
      const access = lines.filter((l) => /"msg":"request"/.test(l)).map((l) => JSON.parse(l) as { method: string; path: string; status: number; ms: number });
      if (level === 'info') {
        assert.deepEqual(access, []);
        continue;
      }
      assert.deepEqual(
        access.map((a) => [a.method, a.path, a.status]),
        [
          ['GET', '/healthz', 200],
          ['GET', '/assets/12345', 404],
          ['POST', '/graphql', r.status],
        ],
      );
      assert.ok(access.every((a) => typeof a.ms === 'number' && a.ms >= 0));
      assert.doesNotMatch(lines.join(''), /SignatureNotToLog/);
    } finally {
      await s.close();
    }
  }
});

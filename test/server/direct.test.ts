// The direct path for plain JSON operations (src/schema/direct.ts) answers exactly as Yoga does:
// the same status, body and headers. Each request goes to the server twice: with its length (the
// direct path) and with a chunked body (which the direct path leaves to Yoga). A server that
// answers only through the direct path, and 501 when it declines, shows which requests it takes.
import assert from 'node:assert/strict';
import http, { type IncomingHttpHeaders } from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { startTestServer, type TestServer } from '../helpers/harness.js';
import { newUser } from '../helpers/ops.js';
import { GraphQLError, GraphQLScalarType } from 'graphql';
import { RequestCache } from '@pothos/plugin-scope-auth';
import { useScopeCacheRelease } from '../../src/schema/scope-cache.js';
import { createSchema, createYoga, maskError } from 'graphql-yoga';
import { createDirect, fastPathSupported, HeaderMap, regularMediaType } from '../../src/schema/direct.js';
import { useVariableCost, variableCostCheck } from '../../src/schema/cost.js';

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

function post(url: string, body: string, headers: Record<string, string>, opts: { chunked?: boolean } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const req = http.request(
      { host: u.hostname, port: u.port, path: '/graphql', method: 'POST', headers: { ...headers, ...(opts.chunked ? {} : { 'content-length': String(Buffer.byteLength(body)) }) } },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: text }));
      },
    );
    req.on('error', reject);
    if (opts.chunked) {
      req.write(body.slice(0, 2));
      req.end(body.slice(2));
    } else req.end(body);
  });
}

// Headers that differ between any two answers (or between the two transfer encodings).
const VARYING = ['date', 'content-length', 'transfer-encoding', 'connection', 'keep-alive', 'x-ratelimit-remaining', 'x-ratelimit-reset'];
const comparable = (a: Answer) => ({ status: a.status, body: a.body, headers: Object.fromEntries(Object.entries(a.headers).filter(([k]) => !VARYING.includes(k)).sort()) });

let t: TestServer;
let directOnly: http.Server;
let directUrl: string;
let token: string;
before(async () => {
  t = await startTestServer({ RATE_LIMIT_API_PER_MINUTE: '100' });
  const direct = t.app.http.direct!;
  directOnly = http.createServer(async (req, res) => {
    if (!(await direct.http(req, res))) res.writeHead(501).end();
  });
  await new Promise<void>((r) => directOnly.listen(0, '127.0.0.1', r));
  directUrl = `http://127.0.0.1:${(directOnly.address() as AddressInfo).port}`;
  token = (await newUser(t, 'direct')).token;
});
after(async () => {
  directOnly.close();
  await t.close();
});

const JSON_TYPE = { 'content-type': 'application/json' };
const WIDE = 'id status progress cost modelId createdAt';
const HEAVY = `${WIDE} assets { id url width height task { ${WIDE} assets { id url width height } } }`;

describe('direct path', () => {
  const cases: [string, string, Record<string, string>][] = [
    ['a query, Accept absent', JSON.stringify({ query: '{ me { id email credits { available reserved } } }' }), {}],
    ['a query, graphql-response+json', JSON.stringify({ query: '{ me { id email } }' }), { accept: 'application/graphql-response+json' }],
    ['a query, both JSON types', JSON.stringify({ query: 'query Q($n: Int) { me { id } models { id } chats(limit: $n) { total } }', variables: { n: 2 }, operationName: 'Q' }), { accept: 'application/graphql-response+json, application/json' }],
    ['a mutation', JSON.stringify({ query: 'mutation { updateProfile(input: { name: "D" }) { name } }' }), { accept: 'application/json' }],
    ['a syntax error', JSON.stringify({ query: '{ me { id ' }), { accept: 'application/graphql-response+json' }],
    ['a validation error (200 under application/json)', JSON.stringify({ query: '{ nope }' }), { accept: 'application/json' }],
    ['a validation error', JSON.stringify({ query: '{ nope }' }), { accept: 'application/graphql-response+json' }],
    ['a variable of the wrong type', JSON.stringify({ query: 'query($n: Int) { chats(limit: $n) { total } }', variables: { n: 'x' } }), {}],
    ['no query', JSON.stringify({ qu: '{ me { id } }' }), {}],
    ['variables not an object', JSON.stringify({ query: '{ me { id } }', variables: 3 }), {}],
    ['not JSON', '{bad', {}],
    ['a batch', JSON.stringify([{ query: '{ me { id } }' }]), {}],
    ['a resolver refusal (another field needs admin)', JSON.stringify({ query: '{ users(first: 1) { totalCount } }' }), { accept: 'application/graphql-response+json' }],
    // Known documents run on a plan (the plugins' steps called directly): the same answers.
    ['a known document whose variables are over the cost limit', JSON.stringify({ query: `query($n: Int) { tasksConnection(first: $n) { edges { node { ${HEAVY} } } } }`, variables: { n: 100 } }), { accept: 'application/graphql-response+json' }],
    ['the same document within the limit', JSON.stringify({ query: `query($n: Int) { tasksConnection(first: $n) { edges { node { ${HEAVY} } } } }`, variables: { n: 2 } }), { accept: 'application/graphql-response+json' }],
    ['a mutation refusing its input, naming the field', JSON.stringify({ query: 'mutation($i: UpdateProfileInput!) { updateProfile(input: $i) { name } }', variables: { i: { email: 'not-an-email' } } }), { accept: 'application/graphql-response+json' }],
    ['a required variable left out', JSON.stringify({ query: 'mutation($i: UpdateProfileInput!) { updateProfile(input: $i) { name } }' }), {}],
    ['two operations, the one named', JSON.stringify({ query: 'query A { me { id } } query B { models { id } }', operationName: 'B' }), {}],
    ['two operations, an unknown name', JSON.stringify({ query: 'query A { me { id } } query B { models { id } }', operationName: 'C' }), {}],
    ['two operations, no name', JSON.stringify({ query: 'query A { me { id } } query B { models { id } }' }), {}],
    ['an extra parameter', JSON.stringify({ query: '{ me { id } }', extra: 1 }), {}],
    ['a null extra parameter and extensions', JSON.stringify({ query: '{ me { id } }', extra: null, extensions: { x: 1 } }), {}],
    ['introspection (on outside production)', JSON.stringify({ query: '{ __schema { queryType { name } } }' }), {}],
  ];
  for (const [name, body, headers] of cases) {
    test(`answers as Yoga does: ${name}`, async () => {
      const h = { ...JSON_TYPE, authorization: `Bearer ${token}`, ...headers };
      assert.notEqual((await post(directUrl, body, h)).status, 501, 'the direct path takes the request');
      const direct = await post(t.url, body, h);
      const yoga = await post(t.url, body, h, { chunked: true });
      assert.deepEqual(comparable(direct), comparable(yoga));
    });
  }

  test('known documents run on plans; refused documents and subscriptions get none', async () => {
    const direct = t.app.http.direct!;
    assert.equal(direct.planned, true, "the server's plugins are the ones the plans stand in for");
    const h = { ...JSON_TYPE, authorization: `Bearer ${token}` };
    const before = direct.planCount();
    await post(t.url, JSON.stringify({ query: '{ me { id username } }' }), h);
    await post(t.url, JSON.stringify({ query: '{ me { id username } }' }), h);
    assert.equal(direct.planCount(), before + 1, 'one plan for the document, used again');
    await post(t.url, JSON.stringify({ query: '{ me { nope } }' }), h);
    await post(t.url, JSON.stringify({ query: '{ me { id ' }), h);
    assert.equal(direct.planCount(), before + 1, 'no plan for a document that does not validate or parse');
  });

  test("the REST layer's data path: the server's plain selections give their data, a JSON field its JSON", async () => {
    const direct = t.app.http.direct!;
    const request = { method: 'POST', url: 'http://localhost/graphql', headers: new HeaderMap({ 'content-type': 'application/json', authorization: `Bearer ${token}` }) };
    const ask = (query: string) => direct.run({ query }, request, {}, 'application/graphql-response+json', { data: true });
    // Twice: the first run makes the plan. IDs, enums, dates and numbers are plain values.
    for (let i = 0; i < 2; i++) {
      const plain = await ask('{ me { id email role createdAt credits { available reserved } } models { id kind name updatedAt } }');
      assert.equal(plain.body, '');
      const data = plain.data as { me: { email: string; createdAt: string }; models: { kind: string }[] };
      assert.match(data.me.email, /@/);
      assert.equal(typeof data.me.createdAt, 'string');
      assert.ok(data.models.length > 0 && typeof data.models[0]!.kind === 'string');
      const json = await ask('{ presets { total items { id parameters } } }');
      assert.equal(json.data, undefined);
      assert.equal(typeof JSON.parse(json.body).data.presets.total, 'number');
    }
  });

  test('an invalid API key and a rate limit are refused as by Yoga, with their headers', async () => {
    const bad = { ...JSON_TYPE, 'x-api-key': 'sk_nope', accept: 'application/graphql-response+json' };
    const body = JSON.stringify({ query: '{ me { id } }' });
    const [d, y] = [await post(t.url, body, bad), await post(t.url, body, bad, { chunked: true })];
    assert.equal(d.status, 401);
    assert.deepEqual(comparable(d), comparable(y));
    // Exhaust the limit (100 a minute per user), then both paths refuse alike.
    const user = await newUser(t, 'limited');
    const h = { ...JSON_TYPE, authorization: `Bearer ${user.token}`, accept: 'application/graphql-response+json' };
    let last: Answer | undefined;
    for (let i = 0; i < 101 && last?.status !== 429; i++) last = await post(t.url, body, h);
    assert.equal(last!.status, 429);
    assert.ok(last!.headers['retry-after'], 'Retry-After');
    assert.equal(last!.headers['x-ratelimit-remaining'], '0');
    const y2 = await post(t.url, body, h, { chunked: true });
    assert.deepEqual(comparable(last!), comparable(y2));
  });

  test('a client that leaves mid-body gets nothing and the server goes on', async () => {
    const u = new URL(t.url);
    const left = await new Promise<string>((resolve) => {
      const socket = net.connect(Number(u.port), u.hostname, () => {
        socket.write(`POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"query":`);
        setTimeout(() => socket.destroy(), 50);
      });
      let got = '';
      socket.on('data', (d) => (got += d));
      socket.on('close', () => resolve(got));
    });
    assert.equal(left, '', 'no answer to a request whose body never came');
    const after = await post(t.url, JSON.stringify({ query: '{ me { id } }' }), { ...JSON_TYPE, authorization: `Bearer ${token}` });
    assert.equal(after.status, 200);
  });

  test('declines what Yoga must answer: other methods, types, Accept, Origin, no or large length', async () => {
    const body = JSON.stringify({ query: '{ me { id } }' });
    const declined = async (headers: Record<string, string>, opts: { chunked?: boolean } = {}) => (await post(directUrl, body, headers, opts)).status === 501;
    assert.ok(await declined({ 'content-type': 'application/graphql+json' }));
    assert.ok(await declined({ ...JSON_TYPE, accept: 'text/event-stream' }));
    assert.ok(await declined({ ...JSON_TYPE, accept: 'multipart/mixed' }));
    assert.ok(await declined({ ...JSON_TYPE, origin: 'http://localhost:3000' }));
    assert.ok(await declined(JSON_TYPE, { chunked: true }));
    const res = await fetch(`${directUrl}/graphql?query=%7Bme%7Bid%7D%7D`);
    assert.equal(res.status, 501);
    assert.ok(!(await declined(JSON_TYPE)));
  });

  test('a subscription is answered by Yoga: a stream where Accept allows one, else its refusal', async () => {
    const body = JSON.stringify({ query: 'subscription { quotaWarnings { quotaType used } }' });
    const h = { ...JSON_TYPE, authorization: `Bearer ${token}` };
    // Only JSON accepted: Yoga's 406, the same on both paths, and no stream left open.
    const json = { ...h, accept: 'application/json' };
    const [d, y] = [await post(t.url, body, json), await post(t.url, body, json, { chunked: true })];
    assert.equal(d.status, 406);
    assert.deepEqual(comparable(d), comparable(y));
    // Accept left out: an SSE stream, as Yoga sends it.
    const stream = await new Promise<{ status: number; type: string | undefined }>((resolve, reject) => {
      const u = new URL(t.url);
      const req = http.request({ host: u.hostname, port: u.port, path: '/graphql', method: 'POST', headers: { ...h, 'content-length': String(Buffer.byteLength(body)) } }, (res) => {
        resolve({ status: res.statusCode!, type: res.headers['content-type'] });
        res.destroy();
      });
      req.on('error', reject);
      req.end(body);
    });
    assert.equal(stream.status, 200);
    assert.match(stream.type ?? '', /^text\/event-stream/);
  });

  test('Accept resolves to the media type Yoga would choose', () => {
    assert.equal(regularMediaType(undefined), 'application/json');
    assert.equal(regularMediaType('*/*'), 'application/json');
    assert.equal(regularMediaType('application/graphql-response+json'), 'application/graphql-response+json');
    assert.equal(regularMediaType('application/graphql-response+json, application/json'), 'application/graphql-response+json');
    assert.equal(regularMediaType('application/json, application/graphql-response+json'), 'application/json');
    assert.equal(regularMediaType('application/json; charset=latin1'), null);
    assert.equal(regularMediaType('text/event-stream'), null);
    assert.equal(regularMediaType('text/html'), null);
  });
});

describe('plans, on a server of their own', () => {
  const scopeBuilder = { options: { scopeAuth: {} } };
  // A JSON value kept by the server (as a cache would keep it): a caller must never get it itself.
  const shared = { kept: true };
  const scopedSeen: { ctx: object; cache: unknown }[] = [];
  // A small Yoga with the hooks the plans stand in for (a context option, the variable cost,
  // Yoga's masking): resolvers that fail in each way, answered by Yoga and by a plan alike.
  const schema = createSchema({
    typeDefs: 'scalar JSON type Query { ok: String, boom: String, refused: String, who: String, scoped: String, list(first: Int): [Item], blob: JSON } type Item { a: String, b: String, c: String, n: Int, blob: JSON }',
    resolvers: {
      JSON: new GraphQLScalarType({ name: 'JSON', serialize: (v) => v }),
      Item: { n: (i: { a: string }) => Number(i.a), blob: () => shared },
      Query: {
        blob: () => shared,
        ok: () => 'fine',
        boom: () => {
          throw new Error('a secret from the database');
        },
        refused: () => {
          throw new GraphQLError('Not yours', { extensions: { code: 'FORBIDDEN' } });
        },
        who: (_r: unknown, _a: unknown, ctx: { who: string; request: { method: string }; params: { query: string } }) => `${ctx.who} ${ctx.request.method} ${ctx.params.query.length}`,
        // Makes the auth-scope cache Pothos keeps for a context, as an authScopes check does.
        scoped: (_r: unknown, _a: unknown, ctx: { who: string }) => {
          scopedSeen.push({ ctx, cache: RequestCache.fromContext(ctx as never, scopeBuilder as never) });
          return 'ok';
        },
        list: (_r: unknown, a: { first?: number }) => Array.from({ length: a.first ?? 1 }, (_, i) => ({ a: String(i), b: 'b', c: 'c' })),
      },
    },
  });
  const logged: unknown[] = [];
  const costOptions = { maxCost: 50 };
  const yoga = createYoga({
    schema,
    logging: { debug: () => {}, info: () => {}, warn: () => {}, error: (...a: unknown[]) => logged.push(a[0]) },
    plugins: [useVariableCost(costOptions), useScopeCacheRelease()],
    context: async ({ request }: { request: { headers: { get(n: string): string | null } } }) => {
      if (request.headers.get('x-who') === 'nobody') throw new GraphQLError('Who are you?', { extensions: { code: 'UNAUTHENTICATED', http: { status: 401 } } });
      if (request.headers.get('x-who') === 'crash') throw new Error('context crashed');
      return { who: request.headers.get('x-who') ?? 'anon' };
    },
  });
  const direct = createDirect(yoga, {
    process: (r) => r,
    responseHeaders: () => undefined,
    handleError: (err) => {
      const masked = maskError(err, 'Unexpected error.', false) as GraphQLError;
      if (masked !== err) logged.push(err);
      return [masked];
    },
    context: (initial) => (yoga as any).getEnveloped(initial).contextFactory(),
    variableCost: variableCostCheck(costOptions),
    maskError: (err) => {
      const masked = maskError(err, 'Unexpected error.', false) as GraphQLError;
      if (masked !== err) logged.push(err);
      return masked;
    },
  });

  async function both(params: Record<string, unknown>, who = 'ann') {
    const headers = { 'content-type': 'application/json', accept: 'application/graphql-response+json', 'x-who': who };
    const viaYoga = await yoga.fetch('http://x/graphql', { method: 'POST', headers, body: JSON.stringify(params) });
    const yogaAnswer = { status: viaYoga.status, body: await viaYoga.text() };
    const request = { method: 'POST', url: 'http://x/graphql', headers: new HeaderMap(headers) };
    const mine = await direct.run(params, request, {}, 'application/graphql-response+json');
    return { yoga: yogaAnswer, planned: { status: mine.status, body: mine.body } };
  }

  test('the plans are on for these hooks', () => assert.equal(direct.planned, true));
  const cases: [string, Record<string, unknown>, string?][] = [
    ['data', { query: '{ ok who }' }],
    ['an unexpected error, masked', { query: '{ ok boom }' }],
    ['an error of our own, as it is', { query: '{ ok refused }' }],
    ['a refused context', { query: '{ ok }' }, 'nobody'],
    ['a context that crashed, masked', { query: '{ ok }' }, 'crash'],
    ['a cost over the limit by variable', { query: 'query($n: Int) { list(first: $n) { a b c } }', variables: { n: 100 } }],
    ['the same document within it', { query: 'query($n: Int) { list(first: $n) { a b c } }', variables: { n: 3 } }],
    ['a variable that does not coerce', { query: 'query($n: Int) { list(first: $n) { a } }', variables: { n: 'x' } }],
  ];
  for (const [name, params, who] of cases) {
    test(`a plan answers as Yoga does: ${name}`, async () => {
      logged.length = 0;
      const { yoga: y, planned } = await both(params, who);
      assert.deepEqual(planned, y);
      // What Yoga logs once, the plan logs once too (an error it hides).
      assert.equal(logged.length % 2, 0, 'each hidden error logged once per path');
    });
  }
  test('the plans were used', () => assert.ok(direct.planCount() >= 3));
  test("a plan lets go of the auth-scope cache of its request's context", async () => {
    // Left to its WeakMap, that cache (which refers to its context) kept every request's context
    // alive through young-generation collections, and each was promoted (BENCHMARKS.md, P1).
    scopedSeen.length = 0;
    const request = { method: 'POST', url: 'http://x/graphql', headers: new HeaderMap({ 'content-type': 'application/json', 'x-who': 'ann' }) };
    for (let i = 0; i < 2; i++) assert.match((await direct.run({ query: '{ scoped }' }, request, {}, 'application/json')).body, /"scoped":"ok"/);
    // And through Yoga itself (useScopeCacheRelease).
    const viaYoga = await yoga.fetch('http://x/graphql', { method: 'POST', headers: { 'content-type': 'application/json', 'x-who': 'ann' }, body: JSON.stringify({ query: '{ scoped }' }) });
    assert.match(await viaYoga.text(), /"scoped":"ok"/);
    assert.equal(scopedSeen.length, 3);
    for (const { ctx, cache } of scopedSeen) assert.notEqual(RequestCache.fromContext(ctx as never, scopeBuilder as never), cache, 'the cache made during the request is gone');
  });
  test('asked for data, a plan gives it as its JSON would parse; with errors or a JSON scalar selected, the JSON', async () => {
    const headers = { 'content-type': 'application/json', accept: 'application/graphql-response+json', 'x-who': 'ann' };
    const request = { method: 'POST', url: 'http://x/graphql', headers: new HeaderMap(headers) };
    const ask = (query: string) => direct.run({ query }, request, {}, 'application/graphql-response+json', { data: true });
    const viaYoga = async (query: string) => (await yoga.fetch('http://x/graphql', { method: 'POST', headers, body: JSON.stringify({ query }) })).text();
    // Twice each: the first run makes the plan.
    for (let i = 0; i < 2; i++) {
      const plain = '{ ok who list(first: 3) { a n } }';
      const r = await ask(plain);
      assert.equal(r.status, 200);
      assert.equal(r.body, '');
      assert.deepEqual(JSON.parse(JSON.stringify(r.data)), JSON.parse(await viaYoga(plain)).data);
      assert.match(r.headers['content-type']!, /^application\/graphql-response\+json; charset=utf-8$/);
      for (const query of ['{ ok blob }', '{ list { ...F } } fragment F on Item { a blob }', '{ ok boom }']) {
        const j = await ask(query);
        assert.equal(j.data, undefined, query);
        assert.equal(j.body, await viaYoga(query), query);
      }
    }
    assert.deepEqual(shared, { kept: true });
  });
  test('a plugin the plans do not stand in for turns them off', () => {
    const more = createYoga({ schema, plugins: [useVariableCost(costOptions), useScopeCacheRelease(), { onExecute: () => {} }], context: () => ({}) });
    assert.equal(fastPathSupported(more), false);
    assert.equal(fastPathSupported(yoga), true);
  });
});

// graphql-armor's limits (GRAPHQL_MAX_DEPTH, _ALIASES, _TOKENS, _COST and the directive limit)
// refuse a document BEFORE anything of it runs. Each refusal is proven by a side effect that did
// not happen: mutations that would create presets, tasks (with credit holds) or redemptions leave
// no row and no ledger entry behind, and a refused query does not even reach the request context
// (no rate-limit count, no X-RateLimit-* headers). The same documents at the limit do run, so it
// is the limit that refuses them; realistic operations of the app pass. Over HTTP, SSE and
// graphql-ws alike.
//
// Documents are built from the running server's own limits, so changing a limit keeps this file
// meaningful.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { startTestServer, type TestServer } from '../helpers/harness.js';
import { ADMIN_ENV, adminToken, newUser } from '../helpers/ops.js';

let t: TestServer;
let limits: { depth: number; aliases: number; tokens: number; cost: number };
let u: Awaited<ReturnType<typeof newUser>>;
let code: string;

before(async () => {
  t = await startTestServer({ ...ADMIN_ENV, DEMO_DELAY_MS: '5', SIGNUP_CREDITS: '1000' });
  const c = t.app.deps.config;
  limits = { depth: c.GRAPHQL_MAX_DEPTH, aliases: c.GRAPHQL_MAX_ALIASES, tokens: c.GRAPHQL_MAX_TOKENS, cost: c.GRAPHQL_MAX_COST };
  u = await newUser(t, 'armor');
  const admin = await adminToken(t);
  const r = await post(`mutation { createRedemptionCodes(input: { amount: 7, maxUses: 1000 }) { code } }`, admin);
  code = r.body.data.createRedemptionCodes[0].code;
});
after(() => t.close());

/** The maximum directive count the server configures (armor's plugin takes it as a literal). */
const MAX_DIRECTIVES = 50;

async function post(query: string, token = u.token, variables?: Record<string, unknown>) {
  const res = await fetch(`${t.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await res.json()) as { data?: any; errors?: { message: string; extensions?: { code?: string } }[] };
  return { status: res.status, headers: res.headers, body };
}

/** What a document could have changed for the user: rows it owns and its ledger (once its earlier tasks have finished). */
async function footprint() {
  const { prisma } = t.app.deps;
  const userId = u.user.databaseId;
  for (let i = 0; i < 200 && (await prisma.task.count({ where: { userId, status: { in: ['queued', 'running'] } } })) > 0; i++) await new Promise((r) => setTimeout(r, 50));
  const [presets, tasks, holds, entries, redemptions, account] = await Promise.all([
    prisma.preset.count({ where: { userId } }),
    prisma.task.count({ where: { userId } }),
    prisma.creditHold.count({ where: { userId } }),
    prisma.creditEntry.count({ where: { userId } }),
    prisma.codeRedemption.count({ where: { userId } }),
    prisma.creditAccount.findUniqueOrThrow({ where: { userId }, select: { available: true, reserved: true } }),
  ]);
  return { presets, tasks, holds, entries, redemptions, ...account };
}

/** The API requests the user has made, as the rate limiter counts them (a cheap legit query). */
async function remaining() {
  const r = await post(`query { me { id } }`);
  assert.equal(r.body.errors, undefined);
  return Number(r.headers.get('x-ratelimit-remaining'));
}

/** A refusal by armor: the message names the limit, and nothing of the document ran. */
function refused(r: Awaited<ReturnType<typeof post>>, limit: RegExp) {
  assert.ok(r.status < 500, `HTTP ${r.status}`);
  assert.equal(r.body.data ?? null, null, JSON.stringify(r.body));
  assert.match(r.body.errors?.[0]?.message ?? '', limit, JSON.stringify(r.body.errors));
  // The request context (authentication, the API rate limit) is made only for an operation that
  // passed validation: a refused one has no rate-limit headers.
  assert.equal(r.headers.get('x-ratelimit-remaining'), null, 'refused before the request context');
}

const aliased = (n: number, field: (i: number) => string) => Array.from({ length: n }, (_, i) => `a${i}: ${field(i)}`).join(' ');
/** Under a Task: assets { task { assets { task … } } }, `levels` deep around `leaf`. */
function chain(levels: number, leaf: string) {
  let s = leaf;
  for (let i = levels - 1; i >= 0; i--) s = `${i % 2 ? 'task' : 'assets'} { ${s} }`;
  return s;
}
const IMAGE = `input: { model: "sdxl", prompt: "armor", width: 64, height: 64 }`;

describe('over HTTP, refused before execution', () => {
  test('aliases: one more aliased createPreset / redeemCode than allowed creates nothing; at the limit they run', async () => {
    const before = await footprint();
    const count = await remaining();
    refused(await post(`mutation { ${aliased(limits.aliases + 1, (i) => `createPreset(input: { name: "alias ${i}" }) { id }`)} }`), /alias/i);
    refused(await post(`mutation { ${aliased(limits.aliases + 1, () => `redeemCode(code: "${code}") { amount }`)} }`), /alias/i);
    // Fragments do not hide aliases.
    refused(await post(`mutation { ...F } fragment F on Mutation { ${aliased(limits.aliases + 1, (i) => `createPreset(input: { name: "frag ${i}" }) { id }`)} }`), /alias/i);
    assert.deepEqual(await footprint(), before, 'no preset, no redemption, no ledger entry');
    assert.equal(await remaining(), count - 1, 'the refused documents were not counted as requests');

    const ok = await post(`mutation { ${aliased(limits.aliases, (i) => `createPreset(input: { name: "alias ${i}" }) { id }`)} }`);
    assert.equal(ok.body.errors, undefined, JSON.stringify(ok.body.errors));
    const redeemed = await post(`mutation { r: redeemCode(code: "${code}") { amount } }`);
    assert.equal(redeemed.body.data?.r?.amount, 7, 'the code was redeemable all along');
    const after = await footprint();
    assert.equal(after.presets, before.presets + limits.aliases, 'the same document at the limit runs');
    assert.equal(after.redemptions, before.redemptions + 1);
  });

  test('depth: a task-creating mutation one level too deep creates no task and holds no credits; at the limit it runs', async () => {
    const before = await footprint();
    // generateImage (1) + chain + the leaf field: depth = levels + 2.
    const tooDeep = `mutation { generateImage(${IMAGE}) { ${chain(limits.depth - 1, 'id')} } }`;
    refused(await post(tooDeep), /depth/i);
    assert.deepEqual(await footprint(), before, 'no task, no hold, no ledger entry');

    const atLimit = await post(`mutation { generateImage(${IMAGE}) { ${chain(limits.depth - 2, 'id')} } }`);
    assert.equal(atLimit.body.errors, undefined, JSON.stringify(atLimit.body.errors));
    const after = await footprint();
    assert.equal(after.tasks, before.tasks + 1, 'the same mutation at the limit creates its task');
    assert.equal(after.holds, before.holds + 1);
  });

  test('tokens: a createPreset with a token-heavy literal is refused while parsing; a small one runs', async () => {
    const before = await footprint();
    const list = (n: number) => Array.from({ length: n }, () => '0').join(',');
    const heavy = await post(`mutation { createPreset(input: { name: "tokens", parameters: { steps: [${list(limits.tokens)}] } }) { id } }`);
    refused(heavy, /token/i);
    assert.equal(heavy.body.errors?.[0]?.extensions?.code, 'GRAPHQL_PARSE_FAILED');
    assert.ok(heavy.status >= 400 && heavy.status < 500, `HTTP ${heavy.status}`);
    // Tokens are counted in the document only: the same data as a variable is the data's size, not the document's.
    refused(await post(`query { me { ${Array.from({ length: limits.tokens }, () => 'id').join(' ')} } }`), /token/i);
    assert.deepEqual(await footprint(), before);

    const small = await post(`mutation { createPreset(input: { name: "tokens", parameters: { steps: [${list(50)}] } }) { id } }`);
    assert.equal(small.body.errors, undefined, JSON.stringify(small.body.errors));
    assert.equal((await footprint()).presets, before.presets + 1);
  });

  test('directives: more than the limit on a createPreset selection creates nothing', async () => {
    const before = await footprint();
    const fields = (n: number) => Array.from({ length: n }, () => 'id @include(if: true)').join(' ');
    refused(await post(`mutation { createPreset(input: { name: "directives" }) { ${fields(MAX_DIRECTIVES + 1)} } }`), /directive/i);
    assert.deepEqual(await footprint(), before);
    const ok = await post(`mutation { createPreset(input: { name: "directives" }) { ${fields(3)} } }`);
    assert.equal(ok.body.errors, undefined, JSON.stringify(ok.body.errors));
  });

  test('cost: lists nested within the depth limit — a paged connection and a wide task selection — are refused; no task is created', async () => {
    const before = await footprint();
    const count = await remaining();
    // 100 tasks × their assets × each asset's task × its assets: under the depth, alias and token limits, over the cost.
    const wide = 'id status progress cost modelId createdAt';
    const connection = `query { tasksConnection(first: 100) { edges { node { ${wide} assets { id url width height task { ${wide} assets { id url width height } } } } } } }`;
    const r = await post(connection);
    refused(r, /cost/i);
    assert.ok(parseFloat(/found (\S+)/.exec(r.body.errors![0]!.message)?.[1] ?? '') > limits.cost, r.body.errors![0]!.message);
    // A mutation whose result selection is costly: many fields under nested lists, within the depth limit.
    const leaves = Array.from({ length: 60 }, () => wide).join(' ');
    refused(await post(`mutation { generateImage(${IMAGE}) { ${chain(limits.depth - 3, leaves)} } }`), /cost/i);
    assert.deepEqual(await footprint(), before, 'no task, no hold');
    assert.equal(await remaining(), count - 1, 'the refused documents were not counted as requests');
  });

  test('realistic operations of the app pass every limit', async () => {
    // The Image Generator's dashboard, the AIDeer task creation and history, the ledger page: as the REST layer sends them.
    const ASSET = 'databaseId kind mimeType fileName size width height durationSec prompt metadata url shortKey thumbnailUrl downloadUrl createdAt task { modelId }';
    const TASK = 'databaseId requestId kindName modelId status progress progressMessage cost texts errorCode errorMessage createdAt startedAt finishedAt assets { databaseId kind url thumbnailUrl mimeType }';
    const ops = [
      `query { me { username credits { available } } models { id name kind supportedEndpoints } assets(limit: 8) { total items { ${ASSET} } } }`,
      `mutation { t: generateImage(${IMAGE}) { ${TASK} } }`,
      `query { tasks(limit: 100) { total items { ${TASK} } } }`,
      `query { tasksConnection(first: 20) { totalCount edges { cursor node { id status assets { id url thumbnailUrl } } } pageInfo { hasNextPage endCursor } } }`,
      `query { me { credits { available reserved } creditEntries(offset: 0, limit: 100) { total items { id kind amount balanceAfter reason taskId createdAt } } } }`,
    ];
    for (const op of ops) {
      const r = await post(op);
      assert.equal(r.body.errors, undefined, `${op}: ${JSON.stringify(r.body.errors)}`);
      assert.ok(r.headers.get('x-ratelimit-remaining'), 'ran with its request context');
    }
  });
});

describe('over SSE and graphql-ws', () => {
  test('a subscription over SSE with too many aliases is refused', async () => {
    const res = await fetch(`${t.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: `Bearer ${u.token}` },
      body: JSON.stringify({ query: `subscription { viewerUpdated { ${aliased(limits.aliases + 1, () => 'name')} } }` }),
      signal: AbortSignal.timeout(10_000),
    });
    assert.ok(res.status < 500);
    const text = await res.text();
    assert.match(text, /Aliases limit/);
    assert.doesNotMatch(text, /"data":\{/);
  });

  /** Runs one operation on a graphql-ws client: its events, or the error that ended it. */
  function run(client: Client, query: string) {
    return new Promise<{ data?: unknown[]; error?: unknown }>((resolve) => {
      const data: unknown[] = [];
      client.subscribe({ query }, { next: (v) => data.push(v), error: (error) => resolve({ error }), complete: () => resolve({ data }) });
    });
  }
  const messageOf = (e: unknown) => (Array.isArray(e) ? (e[0] as { message?: string })?.message : ((e as { reason?: string; message?: string })?.reason ?? (e as Error)?.message)) ?? '';

  test('graphql-ws: armor applies — a too-aliased mutation creates nothing, too deep / too many tokens are refused, a small operation runs', async () => {
    const client = createClient({ url: t.wsUrl, webSocketImpl: WebSocket, connectionParams: { authorization: `Bearer ${u.token}` } });
    try {
      const before = await footprint();
      const aliases = await run(client, `mutation { ${aliased(limits.aliases + 1, (i) => `createPreset(input: { name: "ws ${i}" }) { id }`)} }`);
      assert.match(messageOf(aliases.error), /alias/i);
      const deep = await run(client, `subscription { myTaskEvents { task { ${chain(limits.depth, 'id')} } } }`);
      assert.match(messageOf(deep.error), /depth/i);
      const tokens = await run(client, `query { me { ${Array.from({ length: limits.tokens }, () => 'id').join(' ')} } }`);
      assert.match(messageOf(tokens.error), /token/i);
      assert.deepEqual(await footprint(), before, 'nothing was created');
      const ok = await run(client, `query { me { username } }`);
      assert.deepEqual(ok.data, [{ data: { me: { username: u.username } } }]);
    } finally {
      await client.dispose();
    }
  });

  test('graphql-ws: a refused operation ends only itself, not the connection and its other subscriptions', async () => {
    const closes: number[] = [];
    const client = createClient({ url: t.wsUrl, webSocketImpl: WebSocket, connectionParams: { authorization: `Bearer ${u.token}` }, retryAttempts: 0, lazy: false, on: { closed: (e) => void closes.push((e as { code: number }).code) } });
    try {
      assert.ok((await run(client, `query { me { id } }`)).data, 'connected');
      const r = await run(client, `query { ${aliased(limits.aliases + 1, () => 'me { id }')} }`);
      assert.ok(Array.isArray(r.error), `an error message for the operation, not a closed socket (${(r.error as { code?: number }).code}: ${messageOf(r.error)})`);
      assert.deepEqual(closes, [], 'the socket stayed open');
    } finally {
      await client.dispose();
    }
  });
});

describe('the cost of page sizes given as variables (and limit:) counts like the same sizes written in the document', () => {
  // Armor multiplies only a literal first:/last:; the cost plugin (src/schema/cost.ts) counts the
  // page sizes an operation runs with, and refuses it the way armor does, before anything runs.
  const wide = 'id status progress cost modelId createdAt';
  const heavy = `${wide} assets { id url width height task { ${wide} assets { id url width height } } }`;
  const connection = `query($n: Int) { tasksConnection(first: $n) { edges { node { ${heavy} } } } }`;
  const found = (r: Awaited<ReturnType<typeof post>>) => parseFloat(/found (\S+)/.exec(r.body.errors?.[0]?.message ?? '')?.[1] ?? '');

  /** A refusal by the cost limit: armor's message, a validation error (400), nothing ran. */
  function overCost(r: Awaited<ReturnType<typeof post>>) {
    refused(r, /^Query Cost limit of \d+ exceeded, found \S+\.$/);
    assert.ok(found(r) > limits.cost, r.body.errors![0]!.message);
    assert.equal(r.body.errors?.[0]?.extensions?.code, 'GRAPHQL_VALIDATION_FAILED', JSON.stringify(r.body.errors));
    assert.equal(r.status, 400);
  }

  test('first: $n counts as the same first written in the document; a small page runs', async () => {
    const count = await remaining();
    const literal = await post(`query { tasksConnection(first: 100) { edges { node { ${heavy} } } } }`);
    refused(literal, /cost/i);
    const viaVariable = await post(connection, u.token, { n: 100 });
    overCost(viaVariable);
    assert.equal(found(viaVariable), found(literal), 'the same cost as armor counts for the literal');
    // A variable's default value is the page size when no value is given.
    overCost(await post(`query($n: Int = 100) { tasksConnection(first: $n) { edges { node { ${heavy} } } } }`));
    // last: counts as first: does; fragments cost as armor counts them.
    overCost(await post(`query($n: Int) { tasksConnection(last: $n) { ...C } } fragment C on QueryTasksConnection { edges { node { ...T } } } fragment T on Task { ${heavy} }`, u.token, { n: 100 }));
    assert.equal(await remaining(), count - 1, 'the refused operations were not counted as requests');

    const small = await post(connection, u.token, { n: 5 });
    assert.equal(small.body.errors, undefined, JSON.stringify(small.body.errors));
    assert.ok(Array.isArray(small.body.data?.tasksConnection?.edges));
    // The same document is refused again with a large page: the verdict is not cached per document.
    overCost(await post(connection, u.token, { n: 100 }));
  });

  test('limit: counts, written or as a variable; a page size over the cap gets its own refusal, not the cost one', async () => {
    const offset = `query($n: Int) { tasks(limit: $n) { total items { ${heavy} } } }`;
    overCost(await post(offset, u.token, { n: 100 }));
    overCost(await post(`query { tasks(limit: 100) { total items { ${heavy} } } }`));
    // pageSize: (avatars) too, refused before the resolver would look the model up.
    overCost(await post(`query($n: Int) { avatars(modelId: "1", pageSize: $n) { items { id url task { ${heavy} } } } }`, u.token, { n: 100 }));
    // And limit: nested under a field (a user's ledger).
    const ledger = `query($n: Int) { me { creditEntries(limit: $n) { items { ${Array.from({ length: 5 }, () => 'id amount balanceAfter reservedAfter reservedDelta kind reason taskId holdId createdAt').join(' ')} } } } }`;
    overCost(await post(ledger, u.token, { n: 100 }));
    const small = await post(offset, u.token, { n: 5 });
    assert.equal(small.body.errors, undefined, JSON.stringify(small.body.errors));
    assert.equal((await post(ledger, u.token, { n: 3 })).body.errors, undefined);
    // Resolvers allow at most 100 rows a page: a larger size counts as 100, and is refused by the
    // resolver with a code naming the argument, as without the cost limit.
    const tooLarge = await post(`query($n: Int) { tasks(limit: $n) { total items { id } } }`, u.token, { n: 100_000 });
    assert.equal(tooLarge.body.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT', JSON.stringify(tooLarge.body.errors));
  });

  test('a page size left out counts as the page the resolver returns: the argument\'s default, or 20 for a connection', async () => {
    // chats: 100 chats with their messages (default 50 each): up to 5,000 rows, over the limit…
    const nested = await post(`query { chats(limit: 100) { items { id messages { content } } } }`);
    overCost(nested);
    // …counted as the same page written out, and runs with one message a chat.
    const written = await post(`query { chats(limit: 100) { items { id messages(limit: 50) { content } } } }`);
    overCost(written);
    assert.equal(found(nested), found(written), 'the default counts as the same page written out');
    const one = await post(`query { chats(limit: 100) { items { id messages(limit: 1) { content } } } }`);
    assert.equal(one.body.errors, undefined, JSON.stringify(one.body.errors));
    // null is the default too.
    overCost(await post(`query($n: Int) { chats(limit: 100) { items { id messages(limit: $n) { content } } } }`, u.token, { n: null }));
    // A connection without first or last returns 20 rows: counted as first: 20.
    const three = (size: string) => ['a', 'b', 'c'].map((k) => `${k}: tasksConnection${size} { edges { node { ${heavy} } } }`).join(' ');
    const bare = await post(`query { ${three('')} }`);
    overCost(bare);
    assert.equal(found(bare), found(await post(`query { ${three('(first: 20)')} }`)), 'counted as first: 20');
    const small = await post(`query { ${three('(first: 5)')} }`);
    assert.equal(small.body.errors, undefined, JSON.stringify(small.body.errors));
  });

  test('a mutation over the cost by a variable page size creates nothing; with a small page it runs', async () => {
    const { prisma } = t.app.deps;
    const chats = () => prisma.chat.count({ where: { userId: u.user.databaseId } });
    const before = await footprint();
    const chatsBefore = await chats();
    const count = await remaining();
    // generateImage comes first and would hold credits and queue a task; createChat would add a chat.
    const mutation = `mutation($n: Int) { t: generateImage(${IMAGE}) { id } c: createChat(input: { title: "cost" }) { id messages(limit: $n) { content task { ${heavy} } } } }`;
    overCost(await post(mutation, u.token, { n: 100 }));
    assert.deepEqual(await footprint(), before, 'no task, no hold, no ledger entry');
    assert.equal(await chats(), chatsBefore, 'no chat');
    assert.equal(await remaining(), count - 1, 'not counted as a request');

    const ok = await post(mutation, u.token, { n: 2 });
    assert.equal(ok.body.errors, undefined, JSON.stringify(ok.body.errors));
    assert.equal((await footprint()).tasks, before.tasks + 1, 'the same mutation with a small page runs');
    assert.equal(await chats(), chatsBefore + 1);
  });

  test('graphql-ws: a query and a subscription over the cost by a variable are refused; the connection stays open', async () => {
    const client = createClient({ url: t.wsUrl, webSocketImpl: WebSocket, connectionParams: { authorization: `Bearer ${u.token}` }, retryAttempts: 0 });
    const run = (query: string, variables: Record<string, unknown>) =>
      new Promise<{ data?: unknown[]; error?: unknown }>((resolve) => {
        const data: unknown[] = [];
        client.subscribe({ query, variables }, { next: (v) => data.push(v), error: (error) => resolve({ error }), complete: () => resolve({ data }) });
      });
    const messageOf = (e: unknown) => (Array.isArray(e) ? ((e[0] as { message?: string })?.message ?? '') : String((e as Error)?.message ?? e));
    try {
      const before = await footprint();
      const query = await run(connection, { n: 100 });
      assert.ok(Array.isArray(query.error), `an error message for the operation: ${messageOf(query.error)}`);
      assert.match(messageOf(query.error), /^Query Cost limit of \d+ exceeded/);
      const entries = Array.from({ length: 5 }, () => 'id amount balanceAfter reservedAfter reservedDelta kind reason taskId holdId createdAt').join(' ');
      const subscription = await run(`subscription($n: Int) { viewerUpdated { creditEntries(limit: $n) { items { ${entries} } } } }`, { n: 100 });
      assert.match(messageOf(subscription.error), /^Query Cost limit of \d+ exceeded/);
      const mutation = await run(`mutation($n: Int) { createPreset(input: { name: "ws cost" }) { id } createChat(input: { title: "ws cost" }) { messages(limit: $n) { task { ${heavy} } } } }`, { n: 100 });
      assert.match(messageOf(mutation.error), /^Query Cost limit of \d+ exceeded/);
      assert.deepEqual(await footprint(), before, 'nothing was created');
      const ok = await run(connection, { n: 2 });
      assert.equal(ok.error, undefined, messageOf(ok.error));
      assert.equal(ok.data?.length, 1);
    } finally {
      await client.dispose();
    }
  });
});

test('field suggestions are blocked in production', async () => {
  const dev = await post(`query { me { usernam } }`);
  assert.match(dev.body.errors?.[0]?.message ?? '', /Did you mean/, 'outside production the schema helps');
  const prod = await startTestServer({ NODE_ENV: 'production' });
  try {
    const res = await fetch(`${prod.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: 'query { me { usernam } }' }) });
    const body = (await res.json()) as { errors?: { message: string }[] };
    assert.ok(body.errors?.length, 'refused');
    assert.doesNotMatch(JSON.stringify(body.errors), /Did you mean|username/, 'no suggestion reveals the schema');
  } finally {
    await prod.close();
  }
});

test('armor refusals over HTTP are 4xx with an extensions.code', async () => {
  for (const query of [
    `query { ${aliased(limits.aliases + 1, () => 'me { id }')} }`,
    `query { tasks { items { ${chain(limits.depth, 'id')} } } }`,
    `query { me { ${Array.from({ length: MAX_DIRECTIVES + 1 }, () => 'id @include(if: true)').join(' ')} } }`,
  ]) {
    const r = await post(query);
    assert.equal(r.body.errors?.[0]?.extensions?.code, 'GRAPHQL_VALIDATION_FAILED', JSON.stringify(r.body.errors));
    assert.equal(r.status, 400);
  }
});

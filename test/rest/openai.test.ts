// The OpenAI-compatible API (/v1), driven by the official `openai` package exactly as a user
// would: only baseURL and apiKey are set. Each error surfaces as the SDK's own error class.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createClient } from 'graphql-ws';
import OpenAI from 'openai';
import sharp from 'sharp';
import WebSocket from 'ws';
import { parse } from 'graphql';
import { startTestServer, type TestServer } from '../helpers/harness.js';
import { ADMIN_ENV, adminToken, manyUsers, newUser } from '../helpers/ops.js';
import { subscriptionsLive } from '../helpers/tasks.js';

let t: TestServer;
let admin: string;
before(async () => {
  t = await startTestServer({
    ...ADMIN_ENV,
    DEMO_DELAY_MS: '5',
    SIGNUP_CREDITS: '200',
    // A backend that writes slowly (about 100 ms a token), for the client that leaves mid-stream.
    PROVIDERS: JSON.stringify({ slow: { type: 'demo', delayMs: 2900 } }),
    TIER_LIMITS: JSON.stringify({ basic: { daily: 1 } }),
  });
  admin = await adminToken(t);
});
after(() => t.close());

const gql = async (query: string, variables: Record<string, unknown>, token: string) => {
  const r = await t.gql(parse(query), variables, { token });
  assert.equal(r.errors, undefined, JSON.stringify(r.errors));
  return r.data as any;
};

/** A signed-up user and an API key of theirs (default permissions unless given). */
async function keyed(permissions?: string[]) {
  const u = await newUser(t, 'oai');
  const k = await gql(`mutation($input: CreateApiKeyInput!) { createApiKey(input: $input) { key } }`, { input: { name: 'sdk', ...(permissions ? { permissions } : {}) } }, u.token);
  return { ...u, key: k.createApiKey.key as string, client: new OpenAI({ baseURL: `${t.url}/v1`, apiKey: k.createApiKey.key }) };
}
const credits = async (token: string) => (await gql(`query { me { credits { available reserved } } }`, {}, token)).me.credits;

test('models: list and retrieve; an unknown model is NotFoundError model_not_found; every answer has x-request-id and rate-limit headers', async () => {
  const u = await keyed();
  const { data, response } = await u.client.models.list().withResponse();
  const ids = data.data.map((m) => m.id);
  assert.ok(ids.includes('minimax') && ids.includes('sdxl'), ids.join());
  for (const m of data.data) {
    assert.equal(m.object, 'model');
    assert.equal(typeof m.created, 'number');
    assert.equal(m.owned_by, 'genhub');
  }
  assert.match(response.headers.get('x-request-id') ?? '', /^req_[0-9a-f]{32}$/);
  assert.ok(Number(response.headers.get('x-ratelimit-limit-requests')) > 0);
  assert.ok(Number(response.headers.get('x-ratelimit-remaining-requests')) >= 0);
  assert.match(response.headers.get('x-ratelimit-reset-requests') ?? '', /^(\d+m)?\d+s$/);

  const one = await u.client.models.retrieve('minimax');
  assert.equal(one.id, 'minimax');
  const err = await u.client.models.retrieve('no-such-model').catch((e) => e);
  assert.ok(err instanceof OpenAI.NotFoundError, String(err));
  assert.equal(err.status, 404);
  assert.equal(err.code, 'model_not_found');
  assert.equal(err.param, 'model');
  assert.match(err.requestID ?? '', /^req_/);
  const nul = await u.client.models.retrieve('bad\u0000id').catch((e) => e);
  assert.ok(nul instanceof OpenAI.NotFoundError, String(nul));

  // Everything under /v1 answers OpenAI's way, with a request id: unknown paths and methods too.
  const unknown = await fetch(`${t.url}/v1/embeddings`, { method: 'POST', headers: { authorization: `Bearer ${u.key}` } });
  assert.equal(unknown.status, 404);
  assert.equal(((await unknown.json()) as any).error.code, 'unknown_url');
  assert.match(unknown.headers.get('x-request-id') ?? '', /^req_/);
  const method = await fetch(`${t.url}/v1/models`, { method: 'DELETE', headers: { authorization: `Bearer ${u.key}` } });
  assert.equal(method.status, 405);
  assert.equal(method.headers.get('allow'), 'GET');
  assert.equal(((await method.json()) as any).error.type, 'invalid_request_error');
});

test('chat completion: OpenAI shape, charged through the ledger, a task in history', async () => {
  const u = await keyed();
  const before = await credits(u.token);
  const c = await u.client.chat.completions.create({ model: 'minimax', messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Hello there' }], max_tokens: 50, temperature: 0.5 });
  assert.equal(c.object, 'chat.completion');
  assert.match(c.id, /^chatcmpl-/);
  assert.equal(c.model, 'minimax');
  assert.equal(c.choices.length, 1);
  assert.equal(c.choices[0]!.message.role, 'assistant');
  assert.match(c.choices[0]!.message.content ?? '', /^\[demo\] Reply to: "Hello there"/);
  assert.ok(['stop', 'length'].includes(c.choices[0]!.finish_reason));
  assert.equal(c.usage!.total_tokens, c.usage!.prompt_tokens + c.usage!.completion_tokens);
  assert.ok(c.usage!.completion_tokens > 0);

  const requestId = c.id.slice('chatcmpl-'.length);
  const task = (await gql(`query($r: String!) { taskByRequest(requestId: $r) { kindName status cost texts } }`, { r: requestId }, u.token)).taskByRequest;
  assert.equal(task.kindName, 'text.chat');
  assert.equal(task.status, 'succeeded');
  assert.deepEqual(task.texts, [c.choices[0]!.message.content]);
  const after = await credits(u.token);
  assert.equal(after.available, before.available - task.cost);
  assert.equal(after.reserved, 0);
  assert.ok(task.cost > 0);

  // n choices and stop sequences (a string or a list); developer messages count as system.
  const two = await u.client.chat.completions.create({ model: 'minimax', messages: [{ role: 'developer', content: 'Be brief.' }, { role: 'user', content: [{ type: 'text', text: 'Two replies' }] }], n: 2, stop: 'zzz' });
  assert.equal(two.choices.length, 2);
  assert.deepEqual(two.choices.map((x) => x.index), [0, 1]);
});

test('streamed chat completion: chunks in order, the role first, usage last, [DONE]; progress visible in GraphQL subscriptions', async () => {
  const u = await keyed();
  const ws = createClient({ url: t.wsUrl, webSocketImpl: WebSocket, connectionParams: { Authorization: `Bearer ${u.token}` }, lazy: false });
  const seen: { id: string; type: string; status: string }[] = [];
  const sub = ws.iterate<any>({ query: 'subscription { myTaskEvents { type task { requestId status } } }' });
  const reading = (async () => {
    for await (const m of sub) seen.push({ id: m.data.myTaskEvents.task.requestId, type: m.data.myTaskEvents.type, status: m.data.myTaskEvents.task.status });
  })();
  try {
    await subscriptionsLive(t, ws, u.token);
    const stream = await u.client.chat.completions.create({ model: 'minimax', messages: [{ role: 'user', content: 'Stream please' }], stream: true, stream_options: { include_usage: true } });
    const chunks: OpenAI.Chat.Completions.ChatCompletionChunk[] = [];
    for await (const chunk of stream) chunks.push(chunk);
    assert.ok(chunks.length > 3);
    const ids = new Set(chunks.map((c) => c.id));
    assert.equal(ids.size, 1);
    assert.equal(chunks[0]!.object, 'chat.completion.chunk');
    assert.equal(chunks[0]!.choices[0]!.delta.role, 'assistant');
    const text = chunks.flatMap((c) => c.choices.map((x) => x.delta.content ?? '')).join('');
    const last = chunks.at(-1)!;
    assert.deepEqual(last.choices, []);
    assert.ok(last.usage && last.usage.completion_tokens > 0);
    assert.equal(chunks.at(-2)!.choices[0]!.finish_reason !== null, true);
    for (const c of chunks.slice(0, -1)) assert.equal(c.usage, null);

    const requestId = [...ids][0]!.slice('chatcmpl-'.length);
    const task = (await gql(`query($r: String!) { taskByRequest(requestId: $r) { texts output } }`, { r: requestId }, u.token)).taskByRequest;
    assert.equal(text, task.texts[0]);
    assert.equal(last.usage!.completion_tokens, task.output.usage.completionTokens);
    for (let i = 0; i < 50 && !seen.some((e) => e.id === requestId && e.type === 'succeeded'); i++) await new Promise((r) => setTimeout(r, 50));
    const mine = seen.filter((e) => e.id === requestId).map((e) => e.type);
    assert.equal(mine[0], 'created');
    assert.equal(mine.at(-1), 'succeeded');

    // Without include_usage there is no usage chunk.
    const plain = await u.client.chat.completions.create({ model: 'minimax', messages: [{ role: 'user', content: 'again' }], stream: true });
    const got: OpenAI.Chat.Completions.ChatCompletionChunk[] = [];
    for await (const chunk of plain) got.push(chunk);
    assert.ok(got.every((c) => c.choices.length === 1 && c.usage === undefined));
  } finally {
    await ws.dispose();
    await reading.catch(() => {});
  }
});

test('completions, streamed and whole', async () => {
  const u = await keyed();
  const c = await u.client.completions.create({ model: 'minimax', prompt: 'Once upon a time', max_tokens: 8, n: 2, stop: ['\n\n'] });
  assert.equal(c.object, 'text_completion');
  assert.match(c.id, /^cmpl-/);
  assert.equal(c.choices.length, 2);
  assert.ok(c.choices.every((x) => x.text.length > 0 && x.finish_reason === 'length'));
  assert.ok(c.usage!.completion_tokens <= 16);

  const s = await u.client.completions.create({ model: 'minimax', prompt: 'Stream it', max_tokens: 10, stream: true });
  let text = '';
  let finish: string | null = null;
  for await (const chunk of s) {
    assert.equal(chunk.object, 'text_completion');
    text += chunk.choices[0]?.text ?? '';
    finish = chunk.choices[0]?.finish_reason ?? finish;
  }
  assert.ok(text.startsWith('[demo]'));
  assert.equal(finish, 'length');
});

test('image generation: url (served) and b64_json (the image itself)', async () => {
  const u = await keyed();
  const r = await u.client.images.generate({ model: 'sdxl', prompt: 'a lighthouse at dusk', n: 2, size: '256x256' });
  assert.equal(r.data!.length, 2);
  for (const img of r.data!) {
    const res = await fetch(img.url!);
    assert.equal(res.status, 200);
    const meta = await sharp(Buffer.from(await res.arrayBuffer())).metadata();
    assert.deepEqual([meta.width, meta.height], [256, 256]);
  }
  const b = await u.client.images.generate({ prompt: 'a lighthouse at dawn', response_format: 'b64_json', size: '128x128' });
  const meta = await sharp(Buffer.from(b.data![0]!.b64_json!, 'base64')).metadata();
  assert.deepEqual([meta.format, meta.width, meta.height], ['png', 128, 128]);

  const bad = await u.client.images.generate({ prompt: 'x', size: 'huge' as any }).catch((e) => e);
  assert.ok(bad instanceof OpenAI.BadRequestError);
  assert.equal(bad.param, 'size');
  const big = await u.client.images.generate({ prompt: 'x', n: 50 }).catch((e) => e);
  assert.ok(big instanceof OpenAI.BadRequestError, String(big));
  assert.equal(big.param, 'n');
});

test('errors in OpenAI shape, as the SDK error classes: 401, 402, 403, 404, 429, 400 with param', async () => {
  const u = await keyed();
  const wrong = new OpenAI({ baseURL: `${t.url}/v1`, apiKey: 'sk_live_not-a-real-key-at-all' });
  const e401 = await wrong.chat.completions.create({ model: 'minimax', messages: [{ role: 'user', content: 'hi' }] }).catch((e) => e);
  assert.ok(e401 instanceof OpenAI.AuthenticationError, String(e401));
  assert.equal(e401.code, 'invalid_api_key');
  assert.equal(e401.type, 'invalid_request_error');
  const session = new OpenAI({ baseURL: `${t.url}/v1`, apiKey: u.token });
  const e401b = await session.models.list().catch((e) => e);
  assert.ok(e401b instanceof OpenAI.AuthenticationError, 'a session token is not an API key');

  // 402: an account with no credits.
  const [poor] = await manyUsers(t, 1, 0);
  const pk = await gql(`mutation { createApiKey(input: { name: "poor" }) { key } }`, {}, poor!.token);
  const poorClient = new OpenAI({ baseURL: `${t.url}/v1`, apiKey: pk.createApiKey.key });
  const e402 = await poorClient.chat.completions.create({ model: 'minimax', messages: [{ role: 'user', content: 'hi' }] }).catch((e) => e);
  assert.ok(e402 instanceof OpenAI.APIError, String(e402));
  assert.equal(e402.status, 402);
  assert.equal(e402.code, 'insufficient_credits');

  // 403: a key without ai:write.
  const reader = await keyed(['ai:read']);
  const e403 = await reader.client.chat.completions.create({ model: 'minimax', messages: [{ role: 'user', content: 'hi' }] }).catch((e) => e);
  assert.ok(e403 instanceof OpenAI.PermissionDeniedError, String(e403));

  // 404: an unknown model.
  const e404 = await u.client.chat.completions.create({ model: 'gpt-99', messages: [{ role: 'user', content: 'hi' }] }).catch((e) => e);
  assert.ok(e404 instanceof OpenAI.NotFoundError);
  assert.equal(e404.code, 'model_not_found');
  assert.equal(e404.param, 'model');

  // 429: the basic tier here allows one AI request a day; the quota refusal is not retried.
  const limited = await keyed();
  await t.app.deps.prisma.user.update({ where: { id: limited.user.databaseId }, data: { tier: 'basic' } });
  await limited.client.chat.completions.create({ model: 'minimax', messages: [{ role: 'user', content: 'one' }] });
  const started = Date.now();
  const e429 = await limited.client.chat.completions.create({ model: 'minimax', messages: [{ role: 'user', content: 'two' }] }).catch((e) => e);
  assert.ok(e429 instanceof OpenAI.RateLimitError, String(e429));
  assert.equal(e429.code, 'rate_limit_exceeded');
  assert.equal(e429.headers.get('x-ratelimit-remaining-requests'), '0');
  assert.ok(Date.now() - started < 2000, 'not retried');

  // 400 naming the parameter.
  const cases: [Record<string, unknown>, string][] = [
    [{ messages: [] }, 'messages'],
    [{ messages: [{ role: 'tool', content: 'x' }] }, 'messages[0].role'],
    [{ messages: [{ role: 'user', content: 'x' }], temperature: 5 }, 'temperature'],
    [{ messages: [{ role: 'user', content: 'x' }], max_tokens: 0 }, 'max_tokens'],
    [{ messages: [{ role: 'user', content: 'x' }], top_p: 'high' }, 'top_p'],
    [{ messages: [{ role: 'user', content: 'x' }], stream_options: { include_usage: true } }, 'stream_options'],
    [{ messages: [{ role: 'user', content: 'x' }], tools: [] }, 'tools'],
  ];
  for (const [body, param] of cases) {
    const e = await u.client.chat.completions.create({ model: 'minimax', ...body } as any).catch((x) => x);
    assert.ok(e instanceof OpenAI.BadRequestError, `${param}: ${e}`);
    assert.equal(e.param, param, JSON.stringify(e.error));
    assert.equal(e.type, 'invalid_request_error');
  }
  const noModel = await u.client.chat.completions.create({ messages: [{ role: 'user', content: 'x' }] } as any).catch((x) => x);
  assert.equal(noModel.param, 'model');
  assert.equal((await credits(u.token)).reserved, 0, 'no refused request holds credits');
});

test('Idempotency-Key: a repeated request is answered again without a second task or charge; another body with the key is refused', async () => {
  const u = await keyed();
  const before = await credits(u.token);
  const body = { model: 'minimax', messages: [{ role: 'user' as const, content: 'exactly once' }] };
  const a = await u.client.chat.completions.create(body, { headers: { 'Idempotency-Key': 'oai-once-1' } });
  const b = await u.client.chat.completions.create(body, { headers: { 'Idempotency-Key': 'oai-once-1' } });
  assert.equal(a.id, b.id);
  assert.equal(a.choices[0]!.message.content, b.choices[0]!.message.content);
  const tasks = await t.app.deps.prisma.task.findMany({ where: { userId: u.user.databaseId } });
  assert.equal(tasks.length, 1);
  assert.equal((await credits(u.token)).available, before.available - tasks[0]!.cost);
  const other = await u.client.chat.completions.create({ ...body, messages: [{ role: 'user', content: 'something else' }] }, { headers: { 'Idempotency-Key': 'oai-once-1' } }).catch((e) => e);
  assert.ok(other instanceof OpenAI.ConflictError, String(other));
});

test('a client that leaves mid-stream is charged only for its prompt and the tokens it received', async () => {
  // One credit a token, on the slow backend: the charge counts tokens exactly.
  await gql(
    `mutation($input: CreateModelInput!) { createModel(input: $input) { id } }`,
    { input: { id: 'slow-chat', name: 'Slow chat', kind: 'text', provider: 'slow', maxTokens: 100, supportedEndpoints: ['chat', 'generate'], pricePer1kTokens: 1000 } },
    admin,
  );
  const u = await keyed();
  const start = await credits(u.token);
  const stream = await u.client.chat.completions.create({ model: 'slow-chat', messages: [{ role: 'user', content: 'Tell me everything' }], max_tokens: 29, stream: true });
  let received = 0;
  let id = '';
  for await (const chunk of stream) {
    id = chunk.id;
    if (chunk.choices[0]?.delta.content) received++;
    if (received === 5) break; // the SDK closes the connection
  }
  const requestId = id.slice('chatcmpl-'.length);
  let task: any;
  for (let i = 0; i < 100; i++) {
    task = await t.app.deps.prisma.task.findFirstOrThrow({ where: { requestId } });
    if (task.status !== 'running' && task.status !== 'queued') break;
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.equal(task.status, 'canceled');
  const usage = await t.app.deps.prisma.usageRecord.findFirstOrThrow({ where: { taskId: task.id } });
  // The connection's close stops the stream at once (tokens come 100 ms apart here).
  assert.equal(usage.completionTokens, received, `charged ${usage.completionTokens} tokens, received ${received}`);
  assert.equal(usage.cost, usage.promptTokens + usage.completionTokens);
  assert.equal(task.cost, usage.cost);
  const hold = await t.app.deps.prisma.creditHold.findUniqueOrThrow({ where: { id: task.holdId! } });
  assert.equal(hold.status, 'captured');
  assert.equal(hold.captured, usage.cost);
  assert.ok(hold.amount > usage.cost + 10, 'far less than the hold for 29 tokens');
  const end = await credits(u.token);
  assert.deepEqual(end, { available: start.available - usage.cost, reserved: 0 });
  const entries = await t.app.deps.prisma.creditEntry.findMany({ where: { holdId: hold.id } });
  assert.deepEqual(entries.map((e) => e.kind).sort(), ['capture', 'hold']);
});

test('a stream canceled by its owner (another connection) is charged for the tokens produced, never free', async () => {
  const u = await keyed();
  const stream = await u.client.chat.completions.create({ model: 'slow-chat', messages: [{ role: 'user', content: 'Cancel me' }], max_tokens: 29, stream: true });
  let received = 0;
  let id = '';
  const failure = await (async () => {
    for await (const chunk of stream) {
      id = chunk.id;
      if (chunk.choices[0]?.delta.content) received++;
      if (received === 3) {
        const task = await t.app.deps.prisma.task.findFirstOrThrow({ where: { requestId: id.slice('chatcmpl-'.length) } });
        await gql(`mutation($id: ID!) { cancelTask(id: $id) { status } }`, { id: String(task.id) }, u.token);
      }
    }
  })().catch((e) => e);
  assert.ok(failure instanceof OpenAI.APIError, `the stream ends in an error: ${failure}`);
  const task = await t.app.deps.prisma.task.findFirstOrThrow({ where: { requestId: id.slice('chatcmpl-'.length) } });
  assert.equal(task.status, 'canceled');
  const usage = await t.app.deps.prisma.usageRecord.findFirstOrThrow({ where: { taskId: task.id } });
  assert.ok(usage.completionTokens >= 3 && usage.completionTokens < 29, `charged ${usage.completionTokens}`);
  assert.equal(task.cost, usage.promptTokens + usage.completionTokens);
  assert.deepEqual(await credits(u.token), { available: 200 - task.cost, reserved: 0 });
});

test('an Idempotency-Key repeat of a request still streaming waits for it and answers its whole text; one task', async () => {
  const u = await keyed();
  const body = { model: 'slow-chat', messages: [{ role: 'user' as const, content: 'Both of us' }], max_tokens: 20 };
  const first = await u.client.chat.completions.create({ ...body, stream: true }, { headers: { 'Idempotency-Key': 'oai-stream-1' } });
  const it = first[Symbol.asyncIterator]();
  await it.next();
  const repeat = u.client.chat.completions.create(body, { headers: { 'Idempotency-Key': 'oai-stream-1' } });
  let text = '';
  for (let r = await it.next(); !r.done; r = await it.next()) text += r.value.choices[0]?.delta.content ?? '';
  const again = await repeat;
  assert.ok(again.choices[0]!.message.content!.endsWith(text), 'the repeat has the whole text');
  assert.equal(await t.app.deps.prisma.task.count({ where: { userId: u.user.databaseId } }), 1);
});

test('images need ai:read too: a key without it is refused before anything is made', async () => {
  const writer = await keyed(['ai:write']);
  const e = await writer.client.images.generate({ prompt: 'nothing' }).catch((x) => x);
  assert.ok(e instanceof OpenAI.PermissionDeniedError, String(e));
  assert.equal(await t.app.deps.prisma.task.count({ where: { userId: writer.user.databaseId } }), 0);
  assert.deepEqual(await credits(writer.token), { available: 200, reserved: 0 });
});

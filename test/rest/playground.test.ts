// Seed 004 (AI API Playground): every route, its success and each failure status it documents,
// in its own envelopes, with X-RateLimit-* headers.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startTestServer, type TestServer } from '../helpers/harness.js';

let t: TestServer;
before(async () => {
  t = await startTestServer({ DEMO_DELAY_MS: '5', SIGNUP_CREDITS: '100', TIER_LIMITS: JSON.stringify({ free: { perMinute: 25 } }) });
});
after(() => t.close());

type Opts = { token?: string; key?: string; body?: unknown; raw?: string };
async function call(method: string, path: string, o: Opts = {}) {
  const headers: Record<string, string> = {};
  if (o.token) headers.authorization = `Bearer ${o.token}`;
  if (o.key) headers['x-api-key'] = o.key;
  if (o.body !== undefined || o.raw !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(t.url + path, { method, headers, body: o.raw ?? (o.body === undefined ? undefined : JSON.stringify(o.body)) });
  const text = await res.text();
  return { status: res.status, headers: res.headers, text, body: res.headers.get('content-type')?.includes('json') ? JSON.parse(text) : null };
}
const failed = (r: Awaited<ReturnType<typeof call>>, status: number, code: string) => {
  assert.equal(r.status, status, r.text);
  assert.equal(r.body.success, false);
  assert.equal(r.body.error.code, code, r.text);
  assert.ok(r.body.error.message);
  assert.ok(!Number.isNaN(Date.parse(r.body.timestamp)));
};
let n = 0;
async function account() {
  const username = `pg${process.pid}n${++n}`;
  const r = await call('POST', '/api/auth/register', { body: { username, email: `${username}@example.com`, password: 'SecurePass123!' } });
  assert.equal(r.status, 201, r.text);
  return { username, email: `${username}@example.com`, token: r.body.data.token as string, id: r.body.data.user.id as string };
}

test('auth: register (201, 400), login (200, 400, 401), me (200, 401), profile (200, 400, 401), password (200, 400, 401), logout (200, 401)', async () => {
  const r = await call('POST', '/api/auth/register', { body: { username: 'johndoe' + process.pid, email: `john${process.pid}@example.com`, password: 'SecurePass123!' } });
  assert.equal(r.status, 201);
  assert.equal(r.body.success, true);
  assert.equal(r.body.message, 'User registered successfully');
  assert.deepEqual(Object.keys(r.body.data.user).sort(), ['created_at', 'email', 'id', 'tier', 'username']);
  assert.equal(r.body.data.user.tier, 'free');
  assert.ok(r.body.data.token);
  failed(await call('POST', '/api/auth/register', { body: { username: 'x!', email: 'a@b.co', password: 'SecurePass123!' } }), 400, 'VALIDATION_ERROR');
  failed(await call('POST', '/api/auth/register', { body: { username: 'validname', email: 'not-an-email', password: 'SecurePass123!' } }), 400, 'VALIDATION_ERROR');
  failed(await call('POST', '/api/auth/register', { body: { username: 'validname2', email: 'v2@example.com', password: 'short' } }), 400, 'VALIDATION_ERROR');
  failed(await call('POST', '/api/auth/register', { raw: '{not json' }), 400, 'VALIDATION_ERROR');
  failed(await call('POST', '/api/auth/register', { body: { username: 'johndoe' + process.pid, email: `other${process.pid}@example.com`, password: 'SecurePass123!' } }), 400, 'VALIDATION_ERROR');

  const a = await account();
  const login = await call('POST', '/api/auth/login', { body: { email: a.email, password: 'SecurePass123!' } });
  assert.equal(login.status, 200);
  assert.equal(login.body.message, 'Login successful');
  assert.equal(login.body.data.user.username, a.username);
  failed(await call('POST', '/api/auth/login', { body: { email: a.email, password: 'WrongPass123!' } }), 401, 'AUTHENTICATION_ERROR');
  failed(await call('POST', '/api/auth/login', { body: { password: 'x' } }), 400, 'VALIDATION_ERROR');

  const me = await call('GET', '/api/auth/me', { token: a.token });
  assert.equal(me.status, 200);
  assert.equal(me.body.data.username, a.username);
  assert.deepEqual(me.body.data.quota.daily, { used: 0, limit: 50 });
  assert.deepEqual(me.body.data.api_keys, []);
  assert.ok(me.headers.get('x-ratelimit-limit'), 'rate-limit headers on every answer');
  assert.ok(me.headers.get('x-ratelimit-remaining'));
  assert.ok(!Number.isNaN(Date.parse(me.headers.get('x-ratelimit-reset')!)));
  failed(await call('GET', '/api/auth/me'), 401, 'AUTHENTICATION_ERROR');
  failed(await call('GET', '/api/auth/me', { token: 'garbage' }), 401, 'AUTHENTICATION_ERROR');

  const prof = await call('PUT', '/api/auth/profile', { token: a.token, body: { username: a.username + 'u' } });
  assert.equal(prof.status, 200);
  assert.equal(prof.body.data.username, a.username + 'u');
  assert.equal(prof.body.message, 'Profile updated successfully');
  failed(await call('PUT', '/api/auth/profile', { token: a.token, body: { email: 'nope' } }), 400, 'VALIDATION_ERROR');
  failed(await call('PUT', '/api/auth/profile', { body: { username: 'x' } }), 401, 'AUTHENTICATION_ERROR');

  failed(await call('PUT', '/api/auth/password', { token: a.token, body: { oldPassword: 'WrongPass123!', newPassword: 'NewSecurePass456!' } }), 400, 'VALIDATION_ERROR');
  failed(await call('PUT', '/api/auth/password', { token: a.token, body: { oldPassword: 'SecurePass123!' } }), 400, 'VALIDATION_ERROR');
  failed(await call('PUT', '/api/auth/password', { body: { oldPassword: 'a', newPassword: 'b' } }), 401, 'AUTHENTICATION_ERROR');
  const pw = await call('PUT', '/api/auth/password', { token: a.token, body: { oldPassword: 'SecurePass123!', newPassword: 'NewSecurePass456!' } });
  assert.equal(pw.status, 200);
  assert.equal(pw.body.message, 'Password changed successfully');

  const again = await call('POST', '/api/auth/login', { body: { email: a.email, password: 'NewSecurePass456!' } });
  const token = again.body.data.token;
  const out = await call('POST', '/api/auth/logout', { token });
  assert.equal(out.status, 200);
  assert.equal(out.body.message, 'Logout successful');
  failed(await call('GET', '/api/auth/me', { token }), 401, 'AUTHENTICATION_ERROR');
  failed(await call('POST', '/api/auth/logout'), 401, 'AUTHENTICATION_ERROR');
});

test('AI: chat (200 OpenAI shape, SSE stream, 400, 401, 402, 403), generate (200, 400, 401, 402), models (200, 401), usage (200, 400, 401, 403)', async () => {
  const a = await account();
  const chat = await call('POST', '/api/v1/ai/chat', { token: a.token, body: { messages: [{ role: 'user', content: 'Hello, how are you?' }], model: 'minimax', max_tokens: 40, temperature: 0.7, top_p: 0.9, stream: false } });
  assert.equal(chat.status, 200, chat.text);
  const d = chat.body.data;
  assert.match(d.id, /^chat-/);
  assert.equal(d.model, 'minimax');
  assert.equal(d.choices[0].index, 0);
  assert.equal(d.choices[0].message.role, 'assistant');
  assert.ok(d.choices[0].message.content.length > 0);
  assert.ok(['stop', 'length'].includes(d.choices[0].finish_reason));
  assert.equal(d.usage.total_tokens, d.usage.prompt_tokens + d.usage.completion_tokens);
  assert.ok(d.created > 1_600_000_000);

  const stream = await call('POST', '/api/v1/ai/chat', { token: a.token, body: { messages: [{ role: 'user', content: 'Tell me about lighthouses' }], max_tokens: 40, stream: true } });
  assert.equal(stream.status, 200);
  assert.match(stream.headers.get('content-type')!, /text\/event-stream/);
  const lines = stream.text.split('\n\n').filter(Boolean);
  assert.equal(lines.at(-1), 'data: [DONE]');
  const chunks = lines.slice(0, -1).map((l) => JSON.parse(l.replace(/^data: /, '')));
  const text = chunks.flatMap((c) => c.choices.map((x: any) => x.delta?.content ?? '')).join('');
  assert.ok(chunks.length > 3, 'streamed in pieces');
  assert.equal(chunks[0].object, 'chat.completion.chunk');
  assert.equal(chunks[0].choices[0].delta.role, 'assistant');
  assert.ok(chunks.some((c) => c.choices[0]?.finish_reason));
  assert.ok(chunks.at(-1).usage.completion_tokens > 0, 'usage at the end');
  const task = await t.app.deps.prisma.task.findFirstOrThrow({ where: { requestId: chunks[0].id.replace('chatcmpl-', '') } });
  assert.equal(text, (task.output as any).texts[0].text, 'the chunks make the stored text');

  failed(await call('POST', '/api/v1/ai/chat', { token: a.token, body: { model: 'minimax' } }), 400, 'VALIDATION_ERROR');
  failed(await call('POST', '/api/v1/ai/chat', { token: a.token, body: { messages: [{ role: 'robot', content: 'x' }] } }), 400, 'VALIDATION_ERROR');
  failed(await call('POST', '/api/v1/ai/chat', { token: a.token, body: { messages: [{ role: 'user', content: 'x' }], temperature: 'hot' } }), 400, 'VALIDATION_ERROR');
  failed(await call('POST', '/api/v1/ai/chat', { body: { messages: [{ role: 'user', content: 'x' }] } }), 401, 'AUTHENTICATION_ERROR');
  const poor = await account();
  await t.app.deps.prisma.creditAccount.update({ where: { userId: Number(poor.id) }, data: { available: 0 } });
  failed(await call('POST', '/api/v1/ai/chat', { token: poor.token, body: { messages: [{ role: 'user', content: 'x' }] } }), 402, 'INSUFFICIENT_CREDITS');
  const readKey = await call('POST', '/api/v1/api-keys', { token: a.token, body: { name: 'reader', permissions: ['ai:read'] } });
  failed(await call('POST', '/api/v1/ai/chat', { key: readKey.body.data.api_key.key, body: { messages: [{ role: 'user', content: 'x' }] } }), 403, 'AUTHORIZATION_ERROR');

  const gen = await call('POST', '/api/v1/ai/generate', { token: a.token, body: { prompt: 'Write a short story about artificial intelligence', model: 'minimax', max_tokens: 30, n: 2, stop: ['END'] } });
  assert.equal(gen.status, 200, gen.text);
  assert.match(gen.body.data.id, /^gen-/);
  assert.equal(gen.body.data.choices.length, 2);
  assert.deepEqual(gen.body.data.choices.map((c: any) => c.index), [0, 1]);
  assert.ok(gen.body.data.choices.every((c: any) => typeof c.text === 'string' && c.finish_reason));
  failed(await call('POST', '/api/v1/ai/generate', { token: a.token, body: { model: 'minimax' } }), 400, 'VALIDATION_ERROR');
  failed(await call('POST', '/api/v1/ai/generate', { token: a.token, body: { prompt: 'x', stop: 'END' } }), 400, 'VALIDATION_ERROR');
  failed(await call('POST', '/api/v1/ai/generate', { body: { prompt: 'x' } }), 401, 'AUTHENTICATION_ERROR');
  failed(await call('POST', '/api/v1/ai/generate', { token: poor.token, body: { prompt: 'x' } }), 402, 'INSUFFICIENT_CREDITS');

  const models = await call('GET', '/api/v1/ai/models', { token: a.token });
  assert.equal(models.status, 200);
  const minimax = models.body.data.models.find((m: any) => m.id === 'minimax');
  assert.deepEqual(minimax.supported_endpoints, ['chat', 'generate']);
  assert.ok(minimax.max_tokens > 0 && minimax.pricing.per_1k_tokens !== undefined);
  failed(await call('GET', '/api/v1/ai/models'), 401, 'AUTHENTICATION_ERROR');

  const usage = await call('GET', '/api/v1/ai/usage?model=minimax', { token: a.token });
  assert.equal(usage.status, 200);
  assert.equal(usage.body.data.usage.by_model.minimax.requests, usage.body.data.usage.total_requests);
  assert.ok(usage.body.data.usage.total_requests >= 3);
  assert.equal(usage.body.data.usage.by_date.length, 1);
  assert.ok(usage.body.data.quota.daily.used >= 3);
  failed(await call('GET', '/api/v1/ai/usage?start_date=yesterday-ish', { token: a.token }), 400, 'VALIDATION_ERROR');
  failed(await call('GET', '/api/v1/ai/usage'), 401, 'AUTHENTICATION_ERROR');
  failed(await call('GET', '/api/v1/ai/usage', { key: readKey.body.data.api_key.key }), 403, 'AUTHORIZATION_ERROR');

  const page = await call('GET', '/api/v1/usage?page=1&limit=2&sort=desc', { token: a.token });
  assert.equal(page.status, 200);
  assert.equal(page.body.data.items.length, 2);
  const p = page.body.data.pagination;
  assert.deepEqual([p.page, p.limit, p.has_prev], [1, 2, false]);
  assert.equal(p.pages, Math.ceil(p.total / 2));
  assert.equal(p.has_next, p.total > 2);
  const asc = await call('GET', `/api/v1/usage?page=1&limit=100&sort=asc`, { token: a.token });
  const ids = asc.body.data.items.map((x: any) => x.id);
  assert.deepEqual(ids, [...ids].sort((x: number, y: number) => x - y));
  failed(await call('GET', '/api/v1/usage?limit=500', { token: a.token }), 400, 'VALIDATION_ERROR');
  failed(await call('GET', '/api/v1/usage?sort=sideways', { token: a.token }), 400, 'VALIDATION_ERROR');
  failed(await call('GET', '/api/v1/usage'), 401, 'AUTHENTICATION_ERROR');
  failed(await call('GET', '/api/v1/usage', { key: readKey.body.data.api_key.key }), 403, 'AUTHORIZATION_ERROR');
});

test('API keys (201, 200, 400, 401, 403, 404) and webhooks (201, 200, 400, 401, 403, 404)', async () => {
  const a = await account();
  const b = await account();
  const made = await call('POST', '/api/v1/api-keys', { token: a.token, body: { name: 'My Application', permissions: ['ai:read', 'ai:write', 'usage:read'], expires_in: 30 } });
  assert.equal(made.status, 201);
  assert.equal(made.body.message, 'API key created successfully');
  const k = made.body.data.api_key;
  assert.match(k.key, /^sk_live_/);
  assert.deepEqual(Object.keys(k).sort(), ['created_at', 'expires_at', 'id', 'key', 'last_used', 'name', 'permissions']);
  failed(await call('POST', '/api/v1/api-keys', { token: a.token, body: { name: 'x', permissions: ['everything'] } }), 400, 'VALIDATION_ERROR');
  failed(await call('POST', '/api/v1/api-keys', { body: { name: 'x' } }), 401, 'AUTHENTICATION_ERROR');
  failed(await call('POST', '/api/v1/api-keys', { key: k.key, body: { name: 'child' } }), 403, 'AUTHORIZATION_ERROR');
  assert.equal((await call('GET', '/api/auth/me', { key: k.key })).body.data.username, a.username, 'X-API-Key works');

  const list = await call('GET', '/api/v1/api-keys', { token: a.token });
  assert.equal(list.status, 200);
  assert.equal(list.body.data.api_keys.length, 1);
  assert.equal(list.body.data.api_keys[0].key, undefined);
  failed(await call('GET', '/api/v1/api-keys'), 401, 'AUTHENTICATION_ERROR');
  const one = await call('GET', `/api/v1/api-keys/${k.id}`, { token: a.token });
  assert.equal(one.status, 200);
  assert.equal(one.body.data.api_key.usage_count, 2, 'both requests made with it count, the refused one too');
  assert.ok(one.body.data.api_key.last_used);
  failed(await call('GET', `/api/v1/api-keys/${k.id}`, { token: b.token }), 404, 'NOT_FOUND');
  const up = await call('PUT', `/api/v1/api-keys/${k.id}`, { token: a.token, body: { name: 'Updated Application Name', permissions: ['ai:read', 'ai:write', 'usage:read', 'webhooks:write'] } });
  assert.equal(up.status, 200);
  assert.equal(up.body.message, 'API key updated successfully');
  assert.deepEqual(up.body.data.api_key.permissions, ['ai:read', 'ai:write', 'usage:read', 'webhooks:write']);
  failed(await call('PUT', `/api/v1/api-keys/${k.id}`, { token: a.token, body: { name: '' } }), 400, 'VALIDATION_ERROR');
  failed(await call('PUT', `/api/v1/api-keys/${k.id}`, { token: b.token, body: { name: 'pwned' } }), 404, 'NOT_FOUND');
  failed(await call('DELETE', `/api/v1/api-keys/${k.id}`, { token: b.token }), 404, 'NOT_FOUND');

  // Webhooks, with the key (webhooks:write but not webhooks:read).
  failed(await call('POST', '/api/v1/webhooks', { key: k.key, body: { url: 'https://your-app.com/webhook', events: ['ai.task.exploded'] } }), 400, 'VALIDATION_ERROR');
  failed(await call('POST', '/api/v1/webhooks', { key: k.key, body: { url: 'http://169.254.169.254/', events: ['ai.task.completed'] } }), 400, 'VALIDATION_ERROR');
  failed(await call('POST', '/api/v1/webhooks', { body: { url: 'https://example.com/', events: ['ai.task.completed'] } }), 401, 'AUTHENTICATION_ERROR');
  failed(await call('GET', '/api/v1/webhooks', { key: k.key }), 403, 'AUTHORIZATION_ERROR');
  const del = await call('DELETE', `/api/v1/api-keys/${k.id}`, { token: a.token });
  assert.equal(del.status, 200);
  assert.equal(del.body.message, 'API key deleted successfully');
  failed(await call('GET', '/api/auth/me', { key: k.key }), 401, 'AUTHENTICATION_ERROR');
  failed(await call('DELETE', `/api/v1/api-keys/${k.id}`, { token: a.token }), 404, 'NOT_FOUND');
});

test('webhooks CRUD with a session; another user’s webhook is not found', async () => {
  const a = await account();
  const b = await account();
  // A public address: the name resolves nowhere here, so an IP literal from a documentation range is used.
  const wh = await call('POST', '/api/v1/webhooks', { token: a.token, body: { url: 'http://93.184.215.14/webhook', events: ['ai.task.completed', 'ai.task.failed', 'quota.warning'], secret: 'your-webhook-secret', active: true } });
  assert.equal(wh.status, 201, wh.text);
  const w = wh.body.data.webhook;
  assert.equal(w.secret, 'your-webhook-secret');
  assert.equal(w.last_delivery, null);
  const list = await call('GET', '/api/v1/webhooks', { token: a.token });
  assert.equal(list.body.data.webhooks.length, 1);
  assert.equal(list.body.data.webhooks[0].secret, undefined, 'secrets are not listed');
  const up = await call('PUT', `/api/v1/webhooks/${w.id}`, { token: a.token, body: { url: 'http://93.184.215.14/new-webhook', events: ['ai.task.completed'], active: false } });
  assert.equal(up.status, 200);
  assert.equal(up.body.data.webhook.active, false);
  assert.ok(up.body.data.webhook.updated_at);
  failed(await call('PUT', `/api/v1/webhooks/${w.id}`, { token: a.token, body: { events: [] } }), 400, 'VALIDATION_ERROR');
  failed(await call('PUT', `/api/v1/webhooks/${w.id}`, { token: b.token, body: { active: true } }), 404, 'NOT_FOUND');
  failed(await call('DELETE', `/api/v1/webhooks/${w.id}`, { token: b.token }), 404, 'NOT_FOUND');
  failed(await call('DELETE', `/api/v1/webhooks/${w.id}`), 401, 'AUTHENTICATION_ERROR');
  const del = await call('DELETE', `/api/v1/webhooks/${w.id}`, { token: a.token });
  assert.equal(del.status, 200);
  assert.equal(del.body.message, 'Webhook deleted successfully');
  failed(await call('DELETE', `/api/v1/webhooks/${w.id}`, { token: a.token }), 404, 'NOT_FOUND');
});

test('rate limits: 429 RATE_LIMIT_EXCEEDED with Retry-After once the tier’s minute is used', async () => {
  const a = await account();
  let last;
  for (let i = 0; i < 30; i++) {
    last = await call('POST', '/api/v1/ai/generate', { token: a.token, body: { prompt: `p${i}`, max_tokens: 5 } });
    if (last.status === 429) break;
  }
  failed(last!, 429, 'RATE_LIMIT_EXCEEDED');
  assert.ok(Number(last!.headers.get('retry-after')) > 0, `retry-after: ${last!.headers.get('retry-after')}`);
  assert.equal(last!.headers.get('x-ratelimit-remaining'), '0');
});

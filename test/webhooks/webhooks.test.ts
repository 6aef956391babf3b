// Webhooks: every event reaches a receiver that fails half its requests, each request verifies
// with the standardwebhooks package, every attempt is logged; replay; an endpoint failing for too
// long is disabled and announced; SSRF guard; ownership.
import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { Webhook as Verifier } from 'standardwebhooks';
import { graphql } from '../gql/index.js';
import { codeOf, startTestServer, type TestServer } from '../helpers/harness.js';
import { newUser } from '../helpers/ops.js';
import { waitForTask } from '../helpers/tasks.js';
import { until } from '../helpers/wait.js';
import { dispatch } from '../../src/modules/webhooks/webhooks.service.js';

const CreateWebhook = graphql(`mutation CreateWebhook($input: CreateWebhookInput!) { createWebhook(input: $input) { id url events secret active } }`);
const UpdateWebhook = graphql(`mutation UpdateWebhook($id: String!, $input: UpdateWebhookInput!) { updateWebhook(id: $id, input: $input) { id active events disabledAt } }`);
const DeleteWebhook = graphql(`mutation DeleteWebhook($id: String!) { deleteWebhook(id: $id) }`);
const WebhookQuery = graphql(`
  query WebhookQuery($id: String!) {
    webhook(id: $id) {
      id active disabledAt disabledReason lastDeliveryAt
      deliveries(limit: 100) { id eventType status attemptCount payload attempts { attemptNo statusCode success latencyMs responseExcerpt error } }
    }
  }
`);
const Webhooks = graphql(`query Webhooks { webhooks { id } }`);
const Replay = graphql(`mutation Replay($id: String!) { replayWebhookDelivery(id: $id) { id status } }`);
const GenText = graphql(`mutation HookText($input: GenerateTextInput!) { generateText(input: $input) { databaseId } }`);
const GenImage = graphql(`mutation HookImage($input: GenerateImageInput!) { generateImage(input: $input) { databaseId } }`);

interface Received {
  headers: IncomingHttpHeaders;
  body: string;
  status: number;
}

/** A receiver answering by `answer(n, k)` for its n-th request (from 0), the k-th of its webhook-id, recording everything. */
async function receiver(answer: (n: number, k: number) => number) {
  const got: Received[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const status = answer(got.length, got.filter((g) => g.headers['webhook-id'] === req.headers['webhook-id']).length);
      got.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), status });
      res.writeHead(status, { 'content-type': 'text/plain' });
      res.end(status < 300 ? 'thanks' : `nope ${got.length}`);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { got, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, close: () => new Promise((r) => server.close(r)) };
}


let t: TestServer;
before(async () => {
  t = await startTestServer({
    DEMO_DELAY_MS: '10',
    SIGNUP_CREDITS: '500',
    WEBHOOK_RETRY_SCHEDULE: '0,30,60,120,240,480',
    WEBHOOK_ALLOWED_HOSTS: '127.0.0.1',
    TIER_LIMITS: JSON.stringify({ free: { daily: 10 } }),
    TASK_MAX_ATTEMPTS: '1',
    PROVIDERS: JSON.stringify({ dead: { type: 'sdwebui', url: 'http://127.0.0.1:9', timeoutMs: 500 } }),
    MODEL_PROVIDERS: JSON.stringify({ sd15: { provider: 'dead' } }),
  });
});
after(() => t.close());

test('a receiver failing half its requests still gets every event; each request verifies; every attempt is logged', async () => {
  // Each event's first attempt fails and its second succeeds: half of all requests fail, whatever
  // order the concurrent deliveries arrive in.
  const rx = await receiver((_n, k) => (k % 2 === 0 ? 500 : 200));
  try {
    const u = await newUser(t);
    const { createWebhook } = await t.ok(CreateWebhook, { input: { url: rx.url, events: ['ai.task.completed', 'ai.task.failed', 'quota.warning', 'ai.task.started'] } }, { token: u.token });
    assert.match(createWebhook.secret, /^whsec_[A-Za-z0-9+/=]{32}$/);
    // 8 text tasks and a failing image task: 9 AI requests of a daily 10 → the 90% warning.
    const ids: number[] = [];
    for (let i = 0; i < 8; i++) ids.push((await t.ok(GenText, { input: { model: 'minimax', prompt: `story ${i}`, maxTokens: 20 } }, { token: u.token })).generateText.databaseId);
    ids.push((await t.ok(GenImage, { input: { model: 'sd15', prompt: 'unreachable backend', width: 64, height: 64 } }, { token: u.token })).generateImage.databaseId);
    for (const id of ids) await waitForTask(t, id);
    const expected = 8 /* completed */ + 1 /* failed */ + 9 /* started */ + 1; /* quota.warning */

    const hook = await until('every delivery to finish', async () => {
      const { webhook } = await t.ok(WebhookQuery, { id: createWebhook.id }, { token: u.token });
      return webhook!.deliveries.length === expected && webhook!.deliveries.every((d) => d.status !== 'pending') && webhook;
    });
    assert.ok(hook.deliveries.every((d) => d.status === 'succeeded'), 'every event delivered');
    const byType = (type: string) => hook.deliveries.filter((d) => d.eventType === type);
    assert.equal(byType('ai.task.completed').length, 8);
    assert.equal(byType('ai.task.failed').length, 1);
    assert.equal(byType('quota.warning').length, 1);
    const warning = byType('quota.warning')[0]!.payload as { event: string; data: { quota_type: string; used: number; limit: number; percentage: number } };
    assert.equal(warning.event, 'quota.warning');
    assert.deepEqual([warning.data.quota_type, warning.data.used, warning.data.limit, warning.data.percentage], ['daily', 9, 10, 90]);
    const failed = byType('ai.task.failed')[0]!.payload as { data: { status: string; error: string } };
    assert.equal(failed.data.status, 'failed');
    assert.ok(failed.data.error.length > 0);
    const completed = byType('ai.task.completed')[0]!.payload as { data: { status: string; result: { choices: { text: string }[]; usage: { total_tokens: number } } } };
    assert.equal(completed.data.status, 'completed');
    assert.ok(completed.data.result.choices[0]!.text.length > 0);
    assert.ok(completed.data.result.usage.total_tokens > 0);

    // Every request the receiver saw verifies with an independent Standard Webhooks verifier.
    const verifier = new Verifier(createWebhook.secret);
    for (const r of rx.got) {
      const headers = { 'webhook-id': String(r.headers['webhook-id']), 'webhook-timestamp': String(r.headers['webhook-timestamp']), 'webhook-signature': String(r.headers['webhook-signature']) };
      const payload = verifier.verify(r.body, headers) as { id: string };
      assert.ok(payload.id.startsWith('evt_'));
    }
    assert.throws(() => verifier.verify(rx.got[0]!.body.replace('"', ' "'), { 'webhook-id': String(rx.got[0]!.headers['webhook-id']), 'webhook-timestamp': String(rx.got[0]!.headers['webhook-timestamp']), 'webhook-signature': String(rx.got[0]!.headers['webhook-signature']) }));

    // The log holds exactly the attempts the receiver saw, with their statuses.
    const attempts = hook.deliveries.flatMap((d) => d.attempts.map((a) => ({ id: d.id, ...a })));
    assert.equal(attempts.length, rx.got.length);
    for (const d of hook.deliveries) {
      const seen = rx.got.filter((r) => r.headers['webhook-id'] === d.id).map((r) => r.status);
      assert.deepEqual(d.attempts.map((a) => a.statusCode), seen, `attempts of ${d.id}`);
      assert.equal(d.attemptCount, seen.length);
      assert.equal(d.attempts.at(-1)!.success, true);
      for (const a of d.attempts.filter((x) => !x.success)) assert.match(a.responseExcerpt ?? '', /^nope/);
    }
    assert.equal(attempts.filter((a) => !a.success).length, attempts.filter((a) => a.success).length, 'half of all requests failed and were retried');

    // Replay: the same delivery once more, same webhook-id, logged.
    const one = hook.deliveries[0]!;
    const before = rx.got.length;
    await t.ok(Replay, { id: one.id }, { token: u.token });
    await until('the replay', async () => rx.got.length > before && rx.got.at(-1)!.headers['webhook-id'] === one.id);
    const again = await until('the replay logged', async () => {
      const { webhook } = await t.ok(WebhookQuery, { id: createWebhook.id }, { token: u.token });
      const d = webhook!.deliveries.find((x) => x.id === one.id)!;
      return d.attempts.length > one.attempts.length && d.status !== 'pending' && d;
    });
    assert.equal(again.status, 'succeeded');
    assert.equal(again.attemptCount, rx.got.filter((r) => r.headers['webhook-id'] === one.id).length, 'the replay’s attempts are logged too');
  } finally {
    await rx.close();
  }
});

test('redirects count as failures; an endpoint failing for too long is disabled and that is announced', async () => {
  const bad = await receiver(() => 302);
  const good = await receiver(() => 204);
  const config = t.app.deps.config;
  const saved = config.WEBHOOK_DISABLE_AFTER_MS;
  config.WEBHOOK_DISABLE_AFTER_MS = 200;
  try {
    const u = await newUser(t);
    const failing = (await t.ok(CreateWebhook, { input: { url: bad.url, events: ['ai.task.completed'] } }, { token: u.token })).createWebhook;
    const watcher = (await t.ok(CreateWebhook, { input: { url: good.url, events: ['webhook.disabled'], secret: 'a plain shared secret' } }, { token: u.token })).createWebhook;
    const task = (await t.ok(GenText, { input: { model: 'minimax', prompt: 'hello', maxTokens: 10 } }, { token: u.token })).generateText.databaseId;
    await waitForTask(t, task);
    const hook = await until('the endpoint to be disabled', async () => {
      const { webhook } = await t.ok(WebhookQuery, { id: failing.id }, { token: u.token });
      return !webhook!.active && webhook;
    });
    assert.ok(hook.disabledAt);
    assert.match(hook.disabledReason ?? '', /failed/);
    assert.ok(hook.deliveries[0]!.attempts.every((a) => a.statusCode === 302 && !a.success));
    const note = await until('the announcement', async () => good.got.find((r) => JSON.parse(r.body).event === 'webhook.disabled'));
    const verified = new Verifier(Buffer.from('a plain shared secret').toString('base64')).verify(note.body, {
      'webhook-id': String(note.headers['webhook-id']),
      'webhook-timestamp': String(note.headers['webhook-timestamp']),
      'webhook-signature': String(note.headers['webhook-signature']),
    }) as { data: { webhook_id: string } };
    assert.equal(verified.data.webhook_id, failing.id);
    // Turned on again, it starts afresh.
    const on = await t.ok(UpdateWebhook, { id: failing.id, input: { active: true } }, { token: u.token });
    assert.equal(on.updateWebhook.active, true);
    assert.equal(on.updateWebhook.disabledAt, null);
    void watcher;
  } finally {
    config.WEBHOOK_DISABLE_AFTER_MS = saved;
    await bad.close();
    await good.close();
  }
});

test('validation and ownership: events, URL shape; another user’s webhook and deliveries do not exist for you', async () => {
  const a = await newUser(t);
  const b = await newUser(t);
  const badEvent = await t.gql(CreateWebhook, { input: { url: 'http://127.0.0.1:9/x', events: ['ai.task.exploded'] } }, { token: a.token });
  assert.equal(codeOf(badEvent), 'BAD_USER_INPUT');
  assert.match(JSON.stringify(badEvent.errors), /input\.events/);
  for (const url of ['ftp://127.0.0.1/x', 'not a url', 'http://user:pw@127.0.0.1/x']) {
    const r = await t.gql(CreateWebhook, { input: { url, events: ['ai.task.completed'] } }, { token: a.token });
    assert.equal(r.errors?.[0]?.extensions?.field, 'input.url', url);
  }
  const { createWebhook } = await t.ok(CreateWebhook, { input: { url: 'http://127.0.0.1:9/x', events: ['ai.task.completed'] } }, { token: a.token });
  for (const r of [
    await t.gql(WebhookQuery, { id: createWebhook.id }, { token: b.token }),
    await t.gql(UpdateWebhook, { id: createWebhook.id, input: { url: 'http://127.0.0.1:9/y' } }, { token: b.token }),
    await t.gql(DeleteWebhook, { id: createWebhook.id }, { token: b.token }),
  ]) {
    assert.equal(codeOf(r), 'NOT_FOUND');
  }
  assert.deepEqual((await t.ok(Webhooks, {}, { token: b.token })).webhooks, []);
  const delivery = await t.app.deps.prisma.webhookDelivery.create({ data: { id: 'msg_owner_test', webhookId: createWebhook.id, eventType: 'ai.task.completed', payload: {} } });
  assert.equal(codeOf(await t.gql(Replay, { id: delivery.id }, { token: b.token })), 'NOT_FOUND');
  assert.equal((await t.ok(DeleteWebhook, { id: createWebhook.id }, { token: a.token })).deleteWebhook, true);
});

test('SSRF guard: metadata, private and loopback targets are refused without the allow-list', async () => {
  const strict = await startTestServer({});
  try {
    const u = await newUser(strict);
    for (const url of ['http://169.254.169.254/latest/meta-data/', 'http://10.0.0.1/hook', 'http://localhost:8080/hook', 'http://127.0.0.1:8080/hook', 'http://[::1]/hook', 'http://0.0.0.0/hook', 'http://[::ffff:10.0.0.1]/']) {
      const r = await strict.gql(CreateWebhook, { input: { url, events: ['ai.task.completed'] } }, { token: u.token });
      assert.equal(codeOf(r), 'BAD_USER_INPUT', url);
      assert.equal(r.errors![0]!.extensions!.field, 'input.url');
      assert.match(r.errors![0]!.message, /not allowed/, url);
    }
    // Saved while it was allowed (or resolving elsewhere), now loopback: the connection itself is refused.
    const hook = await strict.app.deps.prisma.webhook.create({ data: { id: 'wh_guard_test', userId: u.user.databaseId, url: 'http://127.0.0.1:9/x', events: ['ai.task.completed'], secret: 'whsec_AAAAAAAAAAAA' } });
    const { deliver } = await import('../../src/modules/webhooks/webhooks.service.js');
    await strict.app.deps.prisma.webhookDelivery.create({ data: { id: 'msg_guard_test', webhookId: hook.id, eventType: 'ai.task.completed', payload: { x: 1 } } });
    await deliver(strict.app.deps, 'msg_guard_test').catch(() => {});
    const attempt = await strict.app.deps.prisma.webhookAttempt.findFirstOrThrow({ where: { deliveryId: 'msg_guard_test' } });
    assert.equal(attempt.success, false);
    assert.match(attempt.error ?? '', /loopback/);
  } finally {
    await strict.close();
  }
});

test('a webhook deleted after it was read for an event drops out; the user’s other webhooks still get the event', async () => {
  const u = await newUser(t);
  const rx = await receiver(() => 200);
  try {
    const kept = (await t.ok(CreateWebhook, { input: { url: rx.url, events: ['ai.task.completed'] } }, { token: u.token })).createWebhook;
    const gone = (await t.ok(CreateWebhook, { input: { url: rx.url, events: ['ai.task.completed'] } }, { token: u.token })).createWebhook;
    await t.app.deps.prisma.webhook.delete({ where: { id: gone.id } });
    // The ids as the statement that finished a task read them, before the delete.
    const event = { id: `evt_${Date.now()}`, type: 'ai.task.completed', data: { probe: 'deleted-hook' }, createdAt: new Date().toISOString() };
    await dispatch(t.app.deps, u.user.databaseId, event, [gone.id, kept.id]);
    const deliveries = await t.app.deps.prisma.webhookDelivery.findMany({ where: { payload: { path: ['id'], equals: event.id } } });
    assert.deepEqual(deliveries.map((d) => d.webhookId), [kept.id]);
    await until('the kept webhook’s delivery', async () => rx.got.some((g) => g.body.includes('deleted-hook')), 10_000);
  } finally {
    await rx.close();
  }
});

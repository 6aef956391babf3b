// The Playground's WebSocket AI stream (/v1/ai/stream): tokens in order and a done message whose
// text is their concatenation, several requests on one connection, errors as messages, auth.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import WebSocket from 'ws';
import { graphql } from '../gql/index.js';
import { startTestServer, type TestServer } from '../helpers/harness.js';
import { newUser } from '../helpers/ops.js';

const CreateKey = graphql(`mutation StreamKey($input: CreateApiKeyInput!) { createApiKey(input: $input) { key } }`);

let t: TestServer;
before(async () => {
  t = await startTestServer({ DEMO_DELAY_MS: '5', SIGNUP_CREDITS: '100' });
});
after(() => t.close());

function connect(query: string, headers: Record<string, string> = {}) {
  const ws = new WebSocket(`${t.wsUrl.replace('/graphql', '')}/v1/ai/stream${query}`, { headers });
  const inbox: any[] = [];
  const waiters: (() => void)[] = [];
  ws.on('message', (m) => {
    inbox.push(JSON.parse(String(m)));
    waiters.splice(0).forEach((w) => w());
  });
  const until = async (pred: (m: any) => boolean) => {
    for (;;) {
      const hit = inbox.find(pred);
      if (hit) return hit;
      await new Promise<void>((r) => waiters.push(r));
    }
  };
  return { ws, inbox, until, open: new Promise((r, f) => (ws.once('open', r), ws.once('error', f))) };
}

test('chat and generate over one connection: start, tokens in order, done; the text is the tokens', async () => {
  const u = await newUser(t, 'ws');
  const c = connect(`?token=${u.token}`);
  await c.open;
  c.ws.send(JSON.stringify({ id: 'a', type: 'chat', messages: [{ role: 'user', content: 'Tell me about the sea' }], max_tokens: 40 }));
  c.ws.send(JSON.stringify({ id: 'b', type: 'generate', prompt: 'Once upon a time', n: 2, max_tokens: 20 }));
  const doneA = await c.until((m) => m.id === 'a' && m.type === 'done');
  const doneB = await c.until((m) => m.id === 'b' && m.type === 'done');
  const start = c.inbox.find((m) => m.id === 'a' && m.type === 'start');
  assert.ok(start.task_id);
  assert.ok(c.inbox.indexOf(start) < c.inbox.findIndex((m) => m.id === 'a' && m.type === 'token'), 'start comes first');
  const text = c.inbox.filter((m) => m.id === 'a' && m.type === 'token').map((m) => m.content).join('');
  assert.ok(text.length > 0);
  assert.equal(text, doneA.choices[0].text);
  assert.ok(doneA.usage.total_tokens > 0);
  const task = await t.app.deps.prisma.task.findFirstOrThrow({ where: { requestId: start.task_id } });
  assert.equal(text, (task.output as any).texts[0].text, 'the stored text');
  assert.equal(doneB.choices.length, 2);
  for (const i of [0, 1]) assert.equal(c.inbox.filter((m) => m.id === 'b' && m.type === 'token' && m.index === i).map((m) => m.content).join(''), doneB.choices[i].text);
  c.ws.close();
});

test('errors arrive as messages in the Playground’s codes; an API key works as a header; no credential → AUTHENTICATION_ERROR', async () => {
  const u = await newUser(t, 'ws');
  const { createApiKey } = await t.ok(CreateKey, { input: { name: 'ws', permissions: ['ai:read'] } }, { token: u.token });
  const c = connect('', { 'x-api-key': createApiKey.key });
  await c.open;
  c.ws.send('not json');
  assert.equal((await c.until((m) => m.id === null)).error.code, 'VALIDATION_ERROR');
  c.ws.send(JSON.stringify({ id: 1, type: 'dance' }));
  assert.equal((await c.until((m) => m.id === 1)).error.code, 'VALIDATION_ERROR');
  c.ws.send(JSON.stringify({ id: 2, type: 'chat', messages: [{ role: 'user', content: 'hi' }] }));
  assert.equal((await c.until((m) => m.id === 2)).error.code, 'AUTHORIZATION_ERROR', 'the key lacks ai:write');
  c.ws.close();

  const writer = connect(`?token=${u.token}`);
  await writer.open;
  writer.ws.send(JSON.stringify({ id: 3, type: 'chat', model: 'minimax' }));
  const bad = await writer.until((m) => m.id === 3);
  assert.equal(bad.error.code, 'VALIDATION_ERROR');
  assert.ok(bad.error.details.fields.some((f: any) => f.field === 'messages'));
  writer.ws.close();

  const anon = connect('');
  await anon.open;
  anon.ws.send(JSON.stringify({ id: 4, type: 'generate', prompt: 'x' }));
  assert.equal((await anon.until((m) => m.id === 4)).error.code, 'AUTHENTICATION_ERROR');
  anon.ws.close();
});

// Chats and presets: CRUD, paging, sending messages, replies streamed and stored, presets used by
// chats and tasks, and ownership.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { graphql } from '../gql/index.js';
import { codeOf, startTestServer, type TestServer } from '../helpers/harness.js';
import { ADMIN_ENV, adminToken, newUser } from '../helpers/ops.js';
import { waitForTask } from '../helpers/tasks.js';

const CreateChat = graphql(`mutation CreateChat($input: ChatInput) { createChat(input: $input) { id databaseId title modelId systemPrompt preset { databaseId } } }`);
const UpdateChat = graphql(`mutation UpdateChat($id: ID!, $input: ChatInput!) { updateChat(id: $id, input: $input) { id title modelId systemPrompt } }`);
const DeleteChat = graphql(`mutation DeleteChat($id: ID!) { deleteChat(id: $id) }`);
const Chats = graphql(`query Chats($offset: Int, $limit: Int) { chats(offset: $offset, limit: $limit) { total offset limit items { databaseId title } } }`);
const ChatsConnection = graphql(`query ChatsConnection($first: Int, $after: String) { chatsConnection(first: $first, after: $after) { totalCount pageInfo { hasNextPage endCursor } edges { node { databaseId } } } }`);
const ChatQuery = graphql(`
  query ChatQuery($id: ID!) {
    chat(id: $id) { databaseId title messageCount messages { role content promptTokens completionTokens taskId } }
  }
`);
const Send = graphql(`
  mutation Send($chatId: ID!, $content: String!, $options: ChatSendOptions) {
    sendChatMessage(chatId: $chatId, content: $content, options: $options) { message { role content } task { databaseId status input cost } }
  }
`);
const CreatePreset = graphql(`mutation CreatePreset($input: CreatePresetInput!) { createPreset(input: $input) { id databaseId name modelId parameters systemPrompt shared mine } }`);
const UpdatePreset = graphql(`mutation UpdatePreset($id: ID!, $input: UpdatePresetInput!) { updatePreset(id: $id, input: $input) { name parameters } }`);
const DeletePreset = graphql(`mutation DeletePreset($id: ID!) { deletePreset(id: $id) }`);
const Presets = graphql(`query Presets($mine: Boolean) { presets(mine: $mine) { total items { databaseId name shared mine } } }`);
const PresetQuery = graphql(`query PresetQuery($id: ID!) { preset(id: $id) { databaseId name } }`);
const GenImage = graphql(`mutation PresetImage($input: GenerateImageInput!) { generateImage(input: $input) { databaseId modelId input } }`);

let t: TestServer;
before(async () => {
  t = await startTestServer({ DEMO_DELAY_MS: '20', SIGNUP_CREDITS: '200', ...ADMIN_ENV });
});
after(() => t.close());

test('chats: create with defaults, update, list with offset/limit and as a connection, delete', async () => {
  const u = await newUser(t);
  const first = await t.ok(CreateChat, {}, { token: u.token });
  assert.equal(first.createChat.title, 'New chat');
  assert.equal(first.createChat.modelId, 'minimax', 'seed 004’s default model');
  const ids = [first.createChat.databaseId];
  for (let i = 0; i < 3; i++) ids.push((await t.ok(CreateChat, { input: { title: `Chat ${i}`, model: 'minimax' } }, { token: u.token })).createChat.databaseId);
  const up = await t.ok(UpdateChat, { id: first.createChat.id, input: { title: 'Renamed', systemPrompt: 'Be brief.' } }, { token: u.token });
  assert.equal(up.updateChat.title, 'Renamed');
  assert.equal(up.updateChat.systemPrompt, 'Be brief.');

  const page = await t.ok(Chats, { offset: 1, limit: 2 }, { token: u.token });
  assert.equal(page.chats.total, 4);
  assert.equal(page.chats.items.length, 2);
  assert.deepEqual([page.chats.offset, page.chats.limit], [1, 2]);
  const conn = await t.ok(ChatsConnection, { first: 3 }, { token: u.token });
  assert.equal(conn.chatsConnection.totalCount, 4);
  assert.equal(conn.chatsConnection.pageInfo.hasNextPage, true);
  const rest = await t.ok(ChatsConnection, { first: 3, after: conn.chatsConnection.pageInfo.endCursor }, { token: u.token });
  assert.deepEqual([...conn.chatsConnection.edges, ...rest.chatsConnection.edges].map((e) => e.node.databaseId).sort(), [...ids].sort());

  const bad = await t.gql(CreateChat, { input: { model: 'sdxl' } }, { token: u.token });
  assert.equal(codeOf(bad), 'BAD_USER_INPUT');
  assert.match(bad.errors![0]!.message, /cannot chat/);
  const long = await t.gql(CreateChat, { input: { title: 'x'.repeat(201) } }, { token: u.token });
  assert.equal(codeOf(long), 'BAD_USER_INPUT');

  assert.equal((await t.ok(DeleteChat, { id: first.createChat.id }, { token: u.token })).deleteChat, true);
  assert.equal(codeOf(await t.gql(ChatQuery, { id: first.createChat.id }, { token: u.token })), 'NOT_FOUND');
  assert.equal((await t.ok(Chats, {}, { token: u.token })).chats.total, 3);
});

test('a message starts a text.chat task with the history; the reply and its token usage are stored when it succeeds', async () => {
  const u = await newUser(t);
  const { createChat } = await t.ok(CreateChat, { input: { title: 'Weather', systemPrompt: 'You are terse.' } }, { token: u.token });
  const one = await t.ok(Send, { chatId: createChat.id, content: 'Hello, how are you?' }, { token: u.token });
  assert.deepEqual(one.sendChatMessage.message, { role: 'user', content: 'Hello, how are you?' });
  const firstTask = await waitForTask(t, one.sendChatMessage.task.databaseId);
  assert.equal(firstTask.status, 'succeeded');
  const two = await t.ok(Send, { chatId: createChat.id, content: 'What is the weather like today?', options: { maxTokens: 50 } }, { token: u.token });
  const input = two.sendChatMessage.task.input as { messages: { role: string; content: string }[]; maxTokens: number };
  assert.deepEqual(input.messages.map((m) => m.role), ['system', 'user', 'assistant', 'user'], 'system prompt, history, then the new message');
  assert.equal(input.maxTokens, 50);
  const task = await waitForTask(t, two.sendChatMessage.task.databaseId);

  const { chat } = await t.ok(ChatQuery, { id: createChat.id }, { token: u.token });
  assert.equal(chat!.messageCount, 4);
  assert.deepEqual(chat!.messages.map((m) => m.role), ['user', 'assistant', 'user', 'assistant']);
  const reply = chat!.messages[3]!;
  const texts = (task.output as { texts: { text: string }[]; usage: { promptTokens: number; completionTokens: number } }).texts;
  assert.equal(reply.content, texts[0]!.text);
  assert.ok(reply.content.length > 0);
  assert.equal(reply.taskId, task.id);
  assert.ok(reply.completionTokens! > 0 && reply.promptTokens! > 0, 'token usage stored with the reply');
});

test('a message refused for credits leaves no trace in the chat', async () => {
  const u = await newUser(t);
  const { createChat } = await t.ok(CreateChat, {}, { token: u.token });
  await t.app.deps.prisma.creditAccount.update({ where: { userId: u.user.databaseId }, data: { available: 0 } });
  const r = await t.gql(Send, { chatId: createChat.id, content: 'hi' }, { token: u.token });
  assert.equal(codeOf(r), 'INSUFFICIENT_CREDITS');
  const { chat } = await t.ok(ChatQuery, { id: createChat.id }, { token: u.token });
  assert.equal(chat!.messageCount, 0);
  const empty = await t.gql(Send, { chatId: createChat.id, content: '   ' }, { token: u.token });
  assert.equal(codeOf(empty), 'BAD_USER_INPUT');
  assert.deepEqual(empty.errors![0]!.extensions!.field, 'content');
});

test('chatReply streams the reply over graphql-ws: tokens in order, and the stored message is their concatenation', async () => {
  const u = await newUser(t);
  const { createChat } = await t.ok(CreateChat, { input: { title: 'Stream' } }, { token: u.token });
  const client = createClient({ url: t.wsUrl, webSocketImpl: WebSocket, connectionParams: { Authorization: `Bearer ${u.token}` } });
  try {
    const events: { type: string; delta: string | null; task: { databaseId: number; status: string } | null; message: { content: string } | null }[] = [];
    for await (const r of client.iterate<{ chatReply: (typeof events)[number] }>({
      query: `subscription { chatReply(chatId: "${createChat.id}", content: "Tell me a story about a lighthouse", options: { maxTokens: 60 }) { type delta task { databaseId status } message { content } } }`,
    })) {
      assert.equal((r as { errors?: unknown }).errors, undefined);
      events.push(r.data!.chatReply);
    }
    assert.equal(events[0]!.type, 'created');
    assert.equal(events.at(-1)!.type, 'done');
    const tokens = events.filter((e) => e.type === 'token');
    assert.ok(tokens.length > 3, `streamed in pieces (${tokens.length})`);
    const streamed = tokens.map((e) => e.delta).join('');
    const done = events.at(-1)!;
    assert.equal(done.task!.status, 'succeeded');
    assert.equal(done.message!.content, streamed);
    const { chat } = await t.ok(ChatQuery, { id: createChat.id }, { token: u.token });
    assert.equal(chat!.messages.at(-1)!.content, streamed, 'the stored reply equals the tokens received');
    assert.equal(chat!.messages.at(-2)!.content, 'Tell me a story about a lighthouse');
  } finally {
    await client.dispose();
  }
});

test('chatReply over server-sent events', async () => {
  const u = await newUser(t);
  const { createChat } = await t.ok(CreateChat, {}, { token: u.token });
  const res = await fetch(`${t.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: `Bearer ${u.token}` },
    body: JSON.stringify({ query: `subscription { chatReply(chatId: "${createChat.id}", content: "Hi there") { type delta message { content } } }` }),
  });
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /text\/event-stream/);
  const text = await res.text();
  const events = text
    .split('\n')
    .filter((l) => l.startsWith('data: ') && l.length > 6)
    .map((l) => JSON.parse(l.slice(6)) as { data?: { chatReply: { type: string; delta: string | null; message: { content: string } | null } } })
    .filter((e) => e.data);
  const deltas = events.filter((e) => e.data!.chatReply.type === 'token').map((e) => e.data!.chatReply.delta).join('');
  const done = events.at(-1)!.data!.chatReply;
  assert.equal(done.type, 'done');
  assert.equal(done.message!.content, deltas);
});

test('presets: CRUD, validation, shared presets published by admins, and used by chats and tasks', async () => {
  const u = await newUser(t);
  const admin = await adminToken(t);
  const mine = await t.ok(CreatePreset, { input: { name: 'Tiny images', model: 'sd15', parameters: { width: 128, height: 128, steps: 5, negativePrompt: 'blurry' } } }, { token: u.token });
  assert.equal(mine.createPreset.mine, true);
  assert.equal(mine.createPreset.shared, false);
  const badKey = await t.gql(CreatePreset, { input: { name: 'x', parameters: { evil: 1 } } }, { token: u.token });
  assert.equal(codeOf(badKey), 'BAD_USER_INPUT');
  assert.equal(badKey.errors![0]!.extensions!.field, 'input.parameters');
  const badModel = await t.gql(CreatePreset, { input: { name: 'x', model: 'nope' } }, { token: u.token });
  assert.equal(badModel.errors![0]!.extensions!.field, 'input.model');
  const notAdmin = await t.gql(CreatePreset, { input: { name: 'x', shared: true } }, { token: u.token });
  assert.equal(codeOf(notAdmin), 'FORBIDDEN');
  const shared = await t.ok(CreatePreset, { input: { name: 'House chat', model: 'minimax', systemPrompt: 'Answer like a pirate.', parameters: { maxTokens: 40, temperature: 0.2 }, shared: true } }, { token: admin });

  const listed = await t.ok(Presets, {}, { token: u.token });
  const names = listed.presets.items.map((p) => p.name);
  assert.ok(names.includes('Tiny images') && names.includes('House chat'));
  assert.deepEqual((await t.ok(Presets, { mine: true }, { token: u.token })).presets.items.map((p) => p.name), ['Tiny images']);
  assert.equal(codeOf(await t.gql(UpdatePreset, { id: shared.createPreset.id, input: { name: 'mine now' } }, { token: u.token })), 'FORBIDDEN');
  const renamed = await t.ok(UpdatePreset, { id: mine.createPreset.id, input: { name: 'Small images', parameters: { width: 128, height: 128, steps: 5 } } }, { token: u.token });
  assert.equal(renamed.updatePreset.name, 'Small images');

  // A task from a preset: its model and parameters, explicit fields winning.
  const img = await t.ok(GenImage, { input: { presetId: mine.createPreset.databaseId, prompt: 'a lighthouse', steps: 7 } }, { token: u.token });
  assert.equal(img.generateImage.modelId, 'sd15');
  assert.deepEqual(img.generateImage.input, { prompt: 'a lighthouse', width: 128, height: 128, steps: 7 });
  const noModel = await t.gql(GenImage, { input: { prompt: 'x' } }, { token: u.token });
  assert.equal(noModel.errors![0]!.extensions!.field, 'input.model');

  // A chat on the shared preset: its system prompt and parameters.
  const { createChat } = await t.ok(CreateChat, { input: { presetId: shared.createPreset.databaseId } }, { token: u.token });
  assert.equal(createChat.modelId, 'minimax');
  const sent = await t.ok(Send, { chatId: createChat.id, content: 'Where is the treasure?' }, { token: u.token });
  const input = sent.sendChatMessage.task.input as { messages: { role: string; content: string }[]; maxTokens: number; temperature: number };
  assert.deepEqual(input.messages[0], { role: 'system', content: 'Answer like a pirate.' });
  assert.equal(input.maxTokens, 40);
  assert.equal(input.temperature, 0.2);
  await waitForTask(t, sent.sendChatMessage.task.databaseId);

  assert.equal((await t.ok(DeletePreset, { id: mine.createPreset.id }, { token: u.token })).deletePreset, true);
  assert.equal(codeOf(await t.gql(PresetQuery, { id: mine.createPreset.id }, { token: u.token })), 'NOT_FOUND');
});

test('ownership: another user’s chat and preset do not exist for you', async () => {
  const a = await newUser(t);
  const b = await newUser(t);
  const { createChat } = await t.ok(CreateChat, { input: { title: 'private' } }, { token: a.token });
  const { createPreset } = await t.ok(CreatePreset, { input: { name: 'private preset' } }, { token: a.token });
  for (const r of [
    await t.gql(ChatQuery, { id: createChat.id }, { token: b.token }),
    await t.gql(UpdateChat, { id: createChat.id, input: { title: 'pwned' } }, { token: b.token }),
    await t.gql(DeleteChat, { id: createChat.id }, { token: b.token }),
    await t.gql(Send, { chatId: createChat.id, content: 'hi' }, { token: b.token }),
    await t.gql(PresetQuery, { id: createPreset.id }, { token: b.token }),
    await t.gql(UpdatePreset, { id: createPreset.id, input: { name: 'pwned' } }, { token: b.token }),
    await t.gql(DeletePreset, { id: createPreset.id }, { token: b.token }),
    await t.gql(CreateChat, { input: { presetId: createPreset.databaseId } }, { token: b.token }),
    await t.gql(GenImage, { input: { presetId: createPreset.databaseId, model: 'sd15', prompt: 'x' } }, { token: b.token }),
  ]) {
    assert.equal(codeOf(r), 'NOT_FOUND', JSON.stringify(r.errors));
  }
  assert.equal((await t.ok(Chats, {}, { token: b.token })).chats.total, 0);
  assert.equal((await t.ok(Presets, { mine: true }, { token: b.token })).presets.total, 0);
  const { chat } = await t.ok(ChatQuery, { id: createChat.id }, { token: a.token });
  assert.equal(chat!.title, 'private');
  assert.equal(chat!.messageCount, 0);
  assert.equal(codeOf(await t.gql(ChatQuery, { id: createChat.id })), 'UNAUTHENTICATED');
});

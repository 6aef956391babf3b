// API keys: shown once, stored hashed, accepted as X-API-Key and Bearer, permissions enforced per
// field, revoked and expired keys refused with 401, managed from sessions only, ownership.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { graphql } from '../gql/index.js';
import { codeOf, startTestServer, type TestServer } from '../helpers/harness.js';
import { newUser } from '../helpers/ops.js';

const CreateKey = graphql(`mutation CreateKey($input: CreateApiKeyInput!) { createApiKey(input: $input) { key apiKey { id name permissions expiresAt usageCount lastUsedAt } } }`);
const UpdateKey = graphql(`mutation UpdateKey($id: String!, $input: UpdateApiKeyInput!) { updateApiKey(id: $id, input: $input) { id name permissions } }`);
const DeleteKey = graphql(`mutation DeleteKey($id: String!) { deleteApiKey(id: $id) }`);
const Keys = graphql(`query Keys { apiKeys { id name permissions usageCount lastUsedAt } }`);
const KeyQuery = graphql(`query KeyQuery($id: String!) { apiKey(id: $id) { id usageCount lastUsedAt } }`);
const Me = graphql(`query KeyMe { me { databaseId username } }`);
const Gen = graphql(`mutation KeyGen($input: GenerateImageInput!) { generateImage(input: $input) { databaseId } }`);
const History = graphql(`query KeyHistory { tasks { total } }`);
const Hooks = graphql(`query KeyHooks { webhooks { id } }`);

let t: TestServer;
before(async () => {
  t = await startTestServer({ SIGNUP_CREDITS: '100', DEMO_DELAY_MS: '0' });
});
after(() => t.close());

const withKey = (key: string, header: 'x-api-key' | 'bearer'): { headers: Record<string, string> } => ({ headers: header === 'x-api-key' ? { 'x-api-key': key } : { authorization: `Bearer ${key}` } });

test('a key is shown once and stored as a hash; it works as X-API-Key and as Bearer; use is counted', async () => {
  const u = await newUser(t);
  const { createApiKey } = await t.ok(CreateKey, { input: { name: 'My Application', permissions: ['ai:read', 'ai:write', 'usage:read'], expiresIn: 30 } }, { token: u.token });
  assert.match(createApiKey.key, /^sk_live_[A-Za-z0-9_-]{43}$/, '32 random bytes after sk_live_');
  assert.ok(createApiKey.key.startsWith(createApiKey.apiKey.id), 'the id is the visible prefix');
  const days = (Date.parse(createApiKey.apiKey.expiresAt!) - Date.now()) / 86_400_000;
  assert.ok(days > 29.9 && days <= 30);
  const row = await t.app.deps.prisma.apiKey.findUniqueOrThrow({ where: { id: createApiKey.apiKey.id } });
  assert.ok(!JSON.stringify(row).includes(createApiKey.key.slice(16)), 'the secret is not stored');
  const defaults = await t.ok(CreateKey, { input: { name: 'defaults' } }, { token: u.token });
  assert.deepEqual(defaults.createApiKey.apiKey.permissions, ['ai:read', 'ai:write', 'usage:read']);
  const ninety = (Date.parse(defaults.createApiKey.apiKey.expiresAt!) - Date.now()) / 86_400_000;
  assert.ok(ninety > 89.9 && ninety <= 90, 'expires in 90 days by default');

  for (const how of ['x-api-key', 'bearer'] as const) {
    const r = await t.gql(Me, {}, withKey(createApiKey.key, how));
    assert.equal(r.data?.me?.databaseId, u.user.databaseId, how);
  }
  const listed = await t.ok(Keys, {}, { token: u.token });
  assert.equal(listed.apiKeys.length, 2);
  assert.ok(!JSON.stringify(listed).includes(createApiKey.key), 'never listed again');
  const got = await t.ok(KeyQuery, { id: createApiKey.apiKey.id }, { token: u.token });
  assert.equal(got.apiKey.usageCount, 2);
  assert.ok(got.apiKey.lastUsedAt);
});

test('permissions are enforced per field; changing them takes effect on the next request', async () => {
  const u = await newUser(t);
  const { createApiKey } = await t.ok(CreateKey, { input: { name: 'reader', permissions: ['ai:read'] } }, { token: u.token });
  const key = withKey(createApiKey.key, 'bearer');
  const denied = await t.gql(Gen, { input: { model: 'sd15', prompt: 'x', width: 64, height: 64 } }, key);
  assert.equal(codeOf(denied), 'FORBIDDEN');
  assert.equal(await t.app.deps.prisma.task.count({ where: { userId: u.user.databaseId } }), 0, 'no task created');
  assert.equal((await t.gql(History, {}, key)).data?.tasks.total, 0, 'ai:read allows history');
  assert.equal(codeOf(await t.gql(Hooks, {}, key)), 'FORBIDDEN', 'webhooks:read is not granted');
  const bad = await t.gql(UpdateKey, { id: createApiKey.apiKey.id, input: { permissions: ['ai:write', 'root'] } }, { token: u.token });
  assert.equal(codeOf(bad), 'BAD_USER_INPUT');
  const up = await t.ok(UpdateKey, { id: createApiKey.apiKey.id, input: { name: 'writer', permissions: ['ai:read', 'ai:write'] } }, { token: u.token });
  assert.deepEqual(up.updateApiKey.permissions, ['ai:read', 'ai:write']);
  const ok = await t.gql(Gen, { input: { model: 'sd15', prompt: 'x', width: 64, height: 64 } }, key);
  assert.equal(ok.errors, undefined);
  // Keys cannot manage keys: a leaked key cannot mint or widen others.
  assert.equal(codeOf(await t.gql(CreateKey, { input: { name: 'child' } }, key)), 'FORBIDDEN');
  assert.equal(codeOf(await t.gql(Keys, {}, key)), 'FORBIDDEN');
});

test('a revoked key is refused on its next request, and an expired key, with 401', async () => {
  const u = await newUser(t);
  const { createApiKey } = await t.ok(CreateKey, { input: { name: 'soon gone' } }, { token: u.token });
  const key = withKey(createApiKey.key, 'x-api-key');
  assert.equal((await t.gql(Me, {}, key)).status, 200);
  assert.equal((await t.ok(DeleteKey, { id: createApiKey.apiKey.id }, { token: u.token })).deleteApiKey, true);
  const revoked = await t.gql(Me, {}, key);
  assert.equal(revoked.status, 401);
  assert.equal(codeOf(revoked), 'UNAUTHENTICATED');
  assert.equal((await t.ok(Keys, {}, { token: u.token })).apiKeys.length, 0);
  assert.equal(codeOf(await t.gql(DeleteKey, { id: createApiKey.apiKey.id }, { token: u.token })), 'NOT_FOUND');

  const expiring = (await t.ok(CreateKey, { input: { name: 'expiring', expiresIn: 1 } }, { token: u.token })).createApiKey;
  await t.app.deps.prisma.apiKey.update({ where: { id: expiring.apiKey.id }, data: { expiresAt: new Date(Date.now() - 1000) } });
  const expired = await t.gql(Me, {}, withKey(expiring.key, 'bearer'));
  assert.equal(expired.status, 401);
  assert.equal(codeOf(expired), 'UNAUTHENTICATED');
  const made = await t.gql(Me, {}, withKey('sk_live_' + 'A'.repeat(43), 'bearer'));
  assert.equal(made.status, 401, 'an unknown key too');
  for (const expiresIn of [0, 3651]) assert.equal(codeOf(await t.gql(CreateKey, { input: { name: 'x', expiresIn } }, { token: u.token })), 'BAD_USER_INPUT');
});

test('ownership: another user’s key cannot be read, changed or revoked', async () => {
  const a = await newUser(t);
  const b = await newUser(t);
  const { createApiKey } = await t.ok(CreateKey, { input: { name: 'mine' } }, { token: a.token });
  for (const r of [
    await t.gql(KeyQuery, { id: createApiKey.apiKey.id }, { token: b.token }),
    await t.gql(UpdateKey, { id: createApiKey.apiKey.id, input: { name: 'pwned' } }, { token: b.token }),
    await t.gql(DeleteKey, { id: createApiKey.apiKey.id }, { token: b.token }),
  ]) {
    assert.equal(codeOf(r), 'NOT_FOUND');
  }
  assert.equal((await t.ok(Keys, {}, { token: b.token })).apiKeys.length, 0);
  assert.equal((await t.gql(Me, {}, withKey(createApiKey.key, 'bearer'))).data?.me?.databaseId, a.user.databaseId, 'still works for its owner');
});

test('a key without a domain’s permission cannot read its objects through node(id) either', async () => {
  const u = await newUser(t);
  const chat = await t.gql(graphql(`mutation KeyChat { createChat(input: { title: "secret plans" }) { id } }`), {}, { token: u.token });
  const id = (chat.data as any).createChat.id as string;
  const { createApiKey } = await t.ok(CreateKey, { input: { name: 'usage only', permissions: ['usage:read'] } }, { token: u.token });
  const NodeChat = graphql(`query KeyNodeChat($id: ID!) { node(id: $id) { ... on Chat { title } } }`);
  const viaKey = await t.gql(NodeChat, { id }, withKey(createApiKey.key, 'bearer'));
  assert.ok(viaKey.errors?.length, 'refused');
  assert.ok(!JSON.stringify(viaKey.data ?? {}).includes('secret plans'));
  const chatKey = await t.ok(CreateKey, { input: { name: 'chats', permissions: ['chats:read'] } }, { token: u.token });
  assert.equal(((await t.gql(NodeChat, { id }, withKey(chatKey.createApiKey.key, 'bearer'))).data as any).node.title, 'secret plans');
});


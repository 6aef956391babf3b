// Authorization matrix, generated from the schema and the REST route tables: every field of
// Query, Mutation and Subscription, and every route of every REST API, is called without
// credentials and as another user (the attacker) on a victim's ids. A field or route without an
// entry in the tables below fails the test, so a new operation cannot go unchecked.
//
// The victim's data carries marker strings (profile, chat, prompts, presets, API key, webhook)
// and its rows get numeric ids from ranges of their own, so any answer to the attacker is
// searched for every victim marker, secret and id it did not itself send. After the attacker's
// calls the victim's rows are compared with a snapshot taken before them.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import {
  getNamedType,
  isAbstractType,
  isLeafType,
  isNonNullType,
  type GraphQLField,
  type GraphQLObjectType,
  type GraphQLOutputType,
} from 'graphql';
import { createClient, type Client } from 'graphql-ws';
import sharp from 'sharp';
import WebSocket from 'ws';
import { signedUrl, verifySignature } from '../../src/modules/assets/assets.service.js';
import { emit } from '../../src/modules/events/events.service.js';
import type { Api, Route } from '../../src/rest/core.js';
import { REST_APIS } from '../../src/rest/index.js';
import { isPage } from '../../src/rest/pages.js';
import { schema } from '../../src/schema/index.js';
import { startSession } from '../../src/modules/auth/auth.service.js';
import { startTestServer, type TestServer } from '../helpers/harness.js';
import { ADMIN_ENV, adminToken, newUser, PASSWORD } from '../helpers/ops.js';
import { multipart, png, waitForTask } from '../helpers/tasks.js';
import { until } from '../helpers/wait.js';

// ───────────────────────────── markers and the server ─────────────────────────────

/** Every marker of the victim's data starts with this; the attacker never writes it. */
const MARK = `zq${randomBytes(4).toString('hex')}`;
/** Every marker planted, so each is searched for even when a request carries another. */
const MARKERS: string[] = [];
const mk = (what: string) => {
  const m = `${MARK}${what}`;
  if (!MARKERS.includes(m)) MARKERS.push(m);
  return m;
};
const ALL_PERMISSIONS = ['ai:read', 'ai:write', 'usage:read', 'webhooks:read', 'webhooks:write', 'chats:read', 'chats:write', 'presets:read', 'presets:write', 'orders:read', 'orders:write'];
const WRONG_PASSWORD = 'Wr0ngPassw0rdX';
/** A task of the victim's is made with this Idempotency-Key and input (no marker: the attacker repeats it). */
const IDEMPOTENCY_KEY = `idem-${randomBytes(6).toString('hex')}`;
const IDEMPOTENT_INPUT = { model: 'sd15', prompt: 'a quiet lake at dawn', width: 64, height: 64 };
/** How deep the generated selections go below each root field. */
const DEPTH = 3;

/** A local endpoint for webhooks, and a WeChat stand-in that refuses every code. */
let stub: Server;
let stubUrl = '';
const received: string[] = [];

let t: TestServer;
let admin: string;
let f: Fixture;

before(async () => {
  stub = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      received.push(`${req.url} ${Buffer.concat(chunks).toString('utf8')}`);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(req.url?.startsWith('/sns/') ? JSON.stringify({ errcode: 40029, errmsg: 'invalid code' }) : '{"ok":true}');
    });
  });
  await new Promise<void>((r) => stub.listen(0, '127.0.0.1', r));
  stubUrl = `http://127.0.0.1:${(stub.address() as AddressInfo).port}`;
  t = await startTestServer({
    ...ADMIN_ENV,
    DEMO_DELAY_MS: '0',
    SIGNUP_CREDITS: '500',
    RATE_LIMIT_API_PER_MINUTE: '100000',
    TIER_LIMITS: JSON.stringify({ free: { perMinute: 10000, daily: 100000, weekly: 100000, monthly: 100000 } }),
    WEBHOOK_ALLOWED_HOSTS: '127.0.0.1',
    WEBHOOK_RETRY_SCHEDULE: '0,60,120',
    WECHAT_API_URL: stubUrl,
    WECHAT_APP_ID: 'wx-test',
    WECHAT_APP_SECRET: 'wx-secret',
    TASK_MAX_ATTEMPTS: '1',
    // flux never finishes (the victim's unfinished task); recraft's backend is unreachable (its failed task).
    PROVIDERS: JSON.stringify({ slow: { type: 'demo', delayMs: 600_000 }, dead: { type: 'sdwebui', url: 'http://127.0.0.1:9', timeoutMs: 300 } }),
    MODEL_PROVIDERS: JSON.stringify({ flux: { provider: 'slow' }, recraft: { provider: 'dead' } }),
  });
  admin = await adminToken(t);
  f = await buildFixture();
});
after(async () => {
  await t?.close();
  await new Promise((r) => stub?.close(r));
});

// ───────────────────────────── HTTP helpers ─────────────────────────────

interface Res {
  status: number;
  headers: Headers;
  text: string;
  json: any;
}

type Files = Record<string, { data: Uint8Array; name: string }>;

/** A GraphQL request; `files` go as a multipart request (their variables set to null). */
async function gqlRaw(query: string, variables: Record<string, unknown>, token: string | null, files?: Files): Promise<Res> {
  const auth: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
  let res: Response;
  if (files) {
    const form = new FormData();
    const names = Object.keys(files);
    form.set('operations', JSON.stringify({ query, variables: { ...variables, ...Object.fromEntries(names.map((n) => [n, null])) } }));
    form.set('map', JSON.stringify(Object.fromEntries(names.map((n, i) => [String(i), [`variables.${n}`]]))));
    names.forEach((n, i) => form.set(String(i), new File([new Uint8Array(files[n]!.data)], files[n]!.name)));
    res = await fetch(`${t.url}/graphql`, { method: 'POST', body: form, headers: { ...auth, 'x-graphql-yoga-csrf': '1' } });
  } else {
    res = await fetch(`${t.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json', ...auth },
      body: JSON.stringify({ query, variables }),
    });
  }
  const text = await res.text();
  return { status: res.status, headers: res.headers, text, json: safeJson(text) };
}

function safeJson(text: string): any {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

/** Runs an operation that must succeed, as `token`; returns its data. */
async function ok(query: string, variables: Record<string, unknown>, token: string | null): Promise<any> {
  const r = await gqlRaw(query, variables, token);
  assert.equal(r.json?.errors, undefined, `${query}: ${r.text}`);
  return r.json.data;
}

/** A REST request; an event stream is read for a moment only. */
async function rest(method: string, path: string, o: { headers?: Record<string, string>; json?: unknown; form?: FormData; urlencoded?: Record<string, string> } = {}): Promise<Res> {
  const headers: Record<string, string> = { ...o.headers };
  let body: BodyInit | undefined;
  if (o.json !== undefined) (headers['content-type'] = 'application/json'), (body = JSON.stringify(o.json));
  else if (o.urlencoded) (headers['content-type'] = 'application/x-www-form-urlencoded'), (body = new URLSearchParams(o.urlencoded).toString());
  else if (o.form) body = o.form;
  const stop = new AbortController();
  const res = await fetch(t.url + path, { method, headers, body, redirect: 'manual', signal: stop.signal });
  let text = '';
  if ((res.headers.get('content-type') ?? '').includes('text/event-stream')) {
    // A stream that should never have opened: what it sends at first is enough to judge it.
    const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
    const end = Date.now() + 1500;
    while (Date.now() < end) {
      const r = await Promise.race([reader.read(), new Promise<null>((ok) => setTimeout(() => ok(null), end - Date.now()))]);
      if (!r || r.done) break;
      text += r.value;
    }
    stop.abort();
  } else {
    text = await res.text();
  }
  return { status: res.status, headers: res.headers, text, json: safeJson(text) };
}

// ───────────────────────────── the victim's data ─────────────────────────────

interface Fixture {
  victim: { id: number; gid: string; username: string; email: string; token: string; refreshToken: string; key: string; keyId: string; avatarUrl: string };
  attacker: { id: number; username: string; email: string; token: string; key: string; cookie: string; chat: string; asset: string };
  chat: { id: number; gid: string };
  textPreset: { id: number; gid: string };
  imagePreset: { id: number; gid: string };
  doneTask: { id: number; gid: string; requestId: string };
  chatTask: { id: number; requestId: string };
  pendingTask: { id: number; gid: string; requestId: string };
  failedTask: { id: number; requestId: string };
  asset: { id: number; gid: string; url: string; fileName: string };
  video: { id: number; shortKey: string; url: string };
  model: { id: number; gid: string };
  genOrder: { id: number };
  openOrder: { id: number; gid: string };
  selfie: { id: number };
  webhook: { id: string };
  delivery: { id: string };
  code: string;
  code2: string;
}

/** Tables whose ids the answers show: each gets a range of its own before the victim's rows are made. */
const ID_TABLES = ['users', 'tasks', 'assets', 'chats', 'chat_messages', 'presets', 'orders', 'training_images', 'credit_entries', 'usage_records', 'task_feedback'];

async function bumpSequences() {
  const { prisma } = t.app.deps;
  for (const [i, table] of ID_TABLES.entries()) {
    await prisma.$queryRawUnsafe(`SELECT setval(pg_get_serial_sequence('"${table}"', 'id'), ${(71 + i) * 100_000})`);
  }
}

const jpegDataUri = async () => `data:image/jpeg;base64,${(await sharp({ create: { width: 96, height: 128, channels: 3, background: { r: 200, g: 90, b: 40 } } }).jpeg().toBuffer()).toString('base64')}`;

/** Waits for a task to finish (or reach one of `statuses`). */
const taskDone = (id: number, statuses?: string[]) => waitForTask(t, id, statuses, 30_000);

/** Polls gently (every 100 ms): the embedded database shares this process. */
const waitFor = <T>(what: string, probe: () => Promise<T | null | undefined | false>, ms = 30_000) => until(what, probe, ms, 100);

/** Waits until the victim's webhook deliveries are all answered (nothing of the victim's moves any more). */
async function settleVictim() {
  const { prisma } = t.app.deps;
  await waitFor('the victim’s tasks and deliveries to settle', async () => {
    const open = await prisma.task.count({ where: { userId: f.victim.id, status: { in: ['queued', 'running'] }, id: { not: f.pendingTask.id } } });
    const pending = await prisma.webhookDelivery.count({ where: { webhook: { userId: f.victim.id }, status: 'pending' } });
    const running = await prisma.task.findUnique({ where: { id: f.pendingTask.id } });
    return open === 0 && pending === 0 && running?.status === 'running';
  });
}

async function buildFixture(): Promise<Fixture> {
  const { prisma } = t.app.deps;
  await bumpSequences();
  const v = await newUser(t, `v${MARK}`);
  const vt = v.token;
  await ok(`mutation($i: UpdateProfileInput!) { updateProfile(input: $i) { id } }`, { i: { name: mk('name'), fullName: mk('fullname'), metadata: { note: mk('meta') } } }, vt);
  const avatar = await multipart(t, 'mutation($f: File!) { uploadAvatar(file: $f) { avatarUrl } }', { f: null }, { 'variables.f': { data: await png(32, 32), name: 'me.png' } }, vt);
  assert.equal(avatar.body.errors, undefined, JSON.stringify(avatar.body));

  const textPreset = (await ok(`mutation($i: CreatePresetInput!) { createPreset(input: $i) { id databaseId } }`, { i: { name: mk('presettext'), model: 'minimax', systemPrompt: mk('presetsys'), description: mk('presetdesc') } }, vt)).createPreset;
  const imagePreset = (await ok(`mutation($i: CreatePresetInput!) { createPreset(input: $i) { id databaseId } }`, { i: { name: mk('presetimage'), model: 'sd15', parameters: { negativePrompt: mk('presetneg'), width: 64, height: 64 } } }, vt)).createPreset;
  const chat = (await ok(`mutation($i: ChatInput) { createChat(input: $i) { id databaseId } }`, { i: { title: mk('chattitle'), model: 'minimax', presetId: textPreset.databaseId, systemPrompt: mk('chatsys') } }, vt)).createChat;
  const key = (await ok(`mutation($i: CreateApiKeyInput!) { createApiKey(input: $i) { key apiKey { id } } }`, { i: { name: mk('keyname'), permissions: ALL_PERMISSIONS } }, vt)).createApiKey;
  const hook = (await ok(`mutation($i: CreateWebhookInput!) { createWebhook(input: $i) { id } }`, { i: { url: `${stubUrl}/${mk('hookpath')}`, events: ['ai.task.completed', 'ai.task.failed'], secret: mk('hooksecret'), description: mk('hookdesc') } }, vt)).createWebhook;

  // Independent parts in parallel: a chat reply; an image, its rating and a video made from it; a
  // failed task; a trained personal model with an avatar order on it, and an open training order
  // with a selfie; redemption codes; then a task that never finishes.
  const order = `mutation($i: OrderInput!) { createOrder(input: $i) { id databaseId } }`;
  const upload = `mutation($o: ID!, $img: String) { uploadTrainingImage(orderId: $o, image: $img) { selfieId } }`;
  const run = `mutation($id: ID!) { runOrder(id: $id) { databaseId } }`;
  const [sent, media, failed, orders, codes, attacker] = await Promise.all([
    (async () => {
      const s = (await ok(`mutation($c: ID!, $m: String!) { sendChatMessage(chatId: $c, content: $m) { task { databaseId requestId } } }`, { c: chat.id, m: mk('chatmsg') }, vt)).sendChatMessage;
      assert.equal((await taskDone(s.task.databaseId)).status, 'succeeded');
      return s;
    })(),
    (async () => {
      const image = (await ok(`mutation($i: GenerateImageInput!) { generateImage(input: $i) { id databaseId requestId } }`, { i: { model: 'sd15', prompt: mk('prompt'), width: 64, height: 64 } }, vt)).generateImage;
      const keyed = (await ok(`mutation($i: GenerateImageInput!, $k: String) { generateImage(input: $i, idempotencyKey: $k) { databaseId } }`, { i: IDEMPOTENT_INPUT, k: IDEMPOTENCY_KEY }, vt)).generateImage;
      await taskDone(keyed.databaseId);
      assert.equal((await taskDone(image.databaseId)).status, 'succeeded');
      const asset = (await ok(`query($id: ID!) { task(id: $id) { assets { id databaseId url fileName } } }`, { id: image.id }, vt)).task.assets[0];
      await ok(`mutation($a: ID!, $f: String) { rateResult(assetId: $a, isLike: true, feedback: $f) { isLike } }`, { a: asset.id, f: mk('feedback') }, vt);
      const vid = (await ok(`mutation($i: GenerateVideoInput!) { generateVideo(input: $i) { databaseId } }`, { i: { model: 'stable_video', prompt: mk('videoprompt'), image: { assetId: asset.id } } }, vt)).generateVideo;
      assert.equal((await taskDone(vid.databaseId)).status, 'succeeded');
      const videoRow = await prisma.asset.findFirstOrThrow({ where: { taskId: vid.databaseId, kind: 'video' } });
      const videoUrl = (await ok(`query($id: ID!) { asset(id: $id) { url } }`, { id: String(videoRow.id) }, vt)).asset.url;
      return { image, asset, videoRow, videoUrl };
    })(),
    (async () => {
      const x = (await ok(`mutation($i: GenerateImageInput!) { generateImage(input: $i) { databaseId requestId } }`, { i: { model: 'recraft', prompt: mk('failed') } }, vt)).generateImage;
      assert.equal((await taskDone(x.databaseId)).status, 'failed');
      return x;
    })(),
    (async () => {
      const model = (await ok(order, { i: { styles: [112], parent: 0, gender: 1 } }, vt)).createOrder;
      await ok(upload, { o: model.id, img: await jpegDataUri() }, vt);
      const train = (await ok(run, { id: model.id }, vt)).runOrder;
      assert.equal((await taskDone(train.databaseId)).status, 'succeeded');
      const genOrder = (await ok(order, { i: { styles: [112], parent: model.databaseId } }, vt)).createOrder;
      const gen = (await ok(run, { id: genOrder.id }, vt)).runOrder;
      assert.equal((await taskDone(gen.databaseId)).status, 'succeeded');
      const openOrder = (await ok(order, { i: { styles: [112], parent: 0 } }, vt)).createOrder;
      const selfie = (await ok(upload, { o: openOrder.id, img: await jpegDataUri() }, vt)).uploadTrainingImage;
      return { model, genOrder, openOrder, selfie };
    })(),
    (async () => {
      const c = (await ok(`mutation($i: CreateRedemptionCodesInput!) { createRedemptionCodes(input: $i) { code } }`, { i: { amount: 5, maxUses: 10, count: 2, prefix: 'AUTHZ' } }, admin)).createRedemptionCodes;
      await ok(`mutation($c: String!) { redeemCode(code: $c) { amount } }`, { c: c[0].code }, vt);
      return c as { code: string }[];
    })(),
    buildAttacker(),
  ]);
  const { image, asset, videoRow, videoUrl } = media;
  const { model, genOrder, openOrder, selfie } = orders;

  const pending = (await ok(`mutation($i: GenerateImageInput!) { generateImage(input: $i) { id databaseId requestId } }`, { i: { model: 'flux', prompt: mk('pending'), width: 64, height: 64 } }, vt)).generateImage;
  await taskDone(pending.databaseId, ['running']);

  const me = (await ok(`query { me { id databaseId avatarUrl } }`, {}, vt)).me;
  const fx: Fixture = {
    victim: { id: me.databaseId, gid: me.id, username: v.username, email: v.email, token: vt, refreshToken: v.refreshToken, key: key.key, keyId: key.apiKey.id, avatarUrl: me.avatarUrl },
    attacker,
    chat: { id: chat.databaseId, gid: chat.id },
    textPreset: { id: textPreset.databaseId, gid: textPreset.id },
    imagePreset: { id: imagePreset.databaseId, gid: imagePreset.id },
    doneTask: { id: image.databaseId, gid: image.id, requestId: image.requestId },
    chatTask: { id: sent.task.databaseId, requestId: sent.task.requestId },
    pendingTask: { id: pending.databaseId, gid: pending.id, requestId: pending.requestId },
    failedTask: { id: failed.databaseId, requestId: failed.requestId },
    asset: { id: asset.databaseId, gid: asset.id, url: asset.url, fileName: asset.fileName },
    video: { id: videoRow.id, shortKey: videoRow.shortKey!, url: videoUrl },
    model: { id: model.databaseId, gid: model.id },
    genOrder: { id: genOrder.databaseId },
    openOrder: { id: openOrder.databaseId, gid: openOrder.id },
    selfie: { id: selfie.selfieId },
    webhook: { id: hook.id },
    delivery: { id: '' },
    code: codes[0]!.code,
    code2: codes[1]!.code,
  };
  f = fx;
  await settleVictim();
  fx.delivery.id = (await prisma.webhookDelivery.findFirstOrThrow({ where: { webhookId: hook.id }, orderBy: { createdAt: 'asc' } })).id;
  assert.ok(fx.video.shortKey, 'the victim’s video has a short link');
  return fx;
}

async function buildAttacker(): Promise<Fixture['attacker']> {
  const a = await newUser(t, 'atk');
  const key = (await ok(`mutation($i: CreateApiKeyInput!) { createApiKey(input: $i) { key } }`, { i: { name: 'attacker', permissions: ALL_PERMISSIONS } }, a.token)).createApiKey.key;
  const cookie = (await ok(`mutation($l: String, $p: String) { webLogin(login: $l, password: $p) { token } }`, { l: a.username, p: PASSWORD }, null)).webLogin.token;
  const avatar = await multipart(t, 'mutation($f: File!) { uploadAvatar(file: $f) { avatarUrl } }', { f: null }, { 'variables.f': { data: await png(16, 16), name: 'a.png' } }, a.token);
  assert.equal(avatar.body.errors, undefined);
  const chat = (await ok(`mutation { createChat(input: { title: "attacker chat" }) { id } }`, {}, a.token)).createChat.id as string;
  const image = (await ok(`mutation { generateImage(input: { model: "sd15", prompt: "attacker picture", width: 64, height: 64 }) { databaseId } }`, {}, a.token)).generateImage;
  await taskDone(image.databaseId);
  const asset = (await ok(`query { assets(limit: 1) { items { id } } }`, {}, a.token)).assets.items[0].id as string;
  return { id: a.user.databaseId, username: a.username, email: a.email, token: a.token, key, cookie, chat, asset };
}

/** A new signed-in session of the attacker: for calls that end or change the caller's own session. */
async function freshAttackerToken() {
  const user = await t.app.deps.prisma.user.findUniqueOrThrow({ where: { id: f.attacker.id } });
  return (await startSession(t.app.deps, user, {})).accessToken;
}
async function freshAttackerCookie() {
  return (await ok(`mutation($l: String, $p: String) { webLogin(login: $l, password: $p) { token } }`, { l: f.attacker.username, p: PASSWORD }, null)).webLogin.token as string;
}

// ───────────────────────────── leak detection ─────────────────────────────

interface Secrets {
  strings: string[];
  ids: number[];
  /** The victim's assets: a signed URL of any of them (whatever its hour) is a leak. */
  assets: Set<number>;
}

/** Everything of the victim's an answer to someone else must not contain. */
async function victimSecrets(): Promise<Secrets> {
  const { prisma } = t.app.deps;
  const uid = f.victim.id;
  const ids = new Set<number>([uid]);
  const add = (rows: { id: number }[]) => rows.forEach((r) => ids.add(r.id));
  add(await prisma.task.findMany({ where: { userId: uid }, select: { id: true } }));
  add(await prisma.asset.findMany({ where: { userId: uid }, select: { id: true } }));
  add(await prisma.chat.findMany({ where: { userId: uid }, select: { id: true } }));
  add(await prisma.chatMessage.findMany({ where: { chat: { userId: uid } }, select: { id: true } }));
  add(await prisma.preset.findMany({ where: { userId: uid }, select: { id: true } }));
  add(await prisma.order.findMany({ where: { userId: uid }, select: { id: true } }));
  add(await prisma.trainingImage.findMany({ where: { order: { userId: uid } }, select: { id: true } }));
  add(await prisma.creditEntry.findMany({ where: { userId: uid }, select: { id: true } }));
  add(await prisma.usageRecord.findMany({ where: { userId: uid }, select: { id: true } }));
  add(await prisma.taskFeedback.findMany({ where: { userId: uid }, select: { id: true } }));
  for (const id of ids) assert.ok(id > 7_000_000, `victim id ${id} is in a range of its own`);
  const tasks = await prisma.task.findMany({ where: { userId: uid }, select: { requestId: true } });
  const assets = await prisma.asset.findMany({ where: { userId: uid }, select: { storageKey: true, shortKey: true, fileName: true } });
  const deliveries = await prisma.webhookDelivery.findMany({ where: { webhook: { userId: uid } }, select: { id: true } });
  const strings = [
    MARK,
    ...MARKERS,
    f.victim.username,
    f.victim.email,
    f.victim.gid,
    f.victim.token,
    f.victim.refreshToken,
    f.victim.key,
    f.victim.keyId,
    f.victim.avatarUrl,
    f.webhook.id,
    f.chat.gid,
    f.textPreset.gid,
    f.imagePreset.gid,
    f.doneTask.gid,
    f.pendingTask.gid,
    f.asset.gid,
    f.model.gid,
    f.openOrder.gid,
    f.asset.url,
    f.video.url,
    // The signature of a signed asset URL.
    ...[f.asset.url, f.video.url].map((u) => new URL(u, 'http://x').searchParams.get('sig')).filter((s): s is string => !!s),
    ...tasks.map((x) => x.requestId),
    ...assets.flatMap((a) => [a.storageKey, a.shortKey ?? '', a.fileName]).filter((s) => s.length >= 8),
    ...deliveries.map((d) => d.id),
  ];
  const assetIds = new Set((await prisma.asset.findMany({ where: { userId: uid }, select: { id: true } })).map((a) => a.id));
  return { strings: [...new Set(strings)].filter((s) => s.length >= 6), ids: [...ids], assets: assetIds };
}

let secrets: Secrets;

/** Fails when `answer` contains a victim secret or id that `request` (what the caller sent) does not. */
function assertNoLeak(label: string, answer: string, request: string) {
  const found: string[] = [];
  for (const s of secrets.strings) if (answer.includes(s) && !request.includes(s)) found.push(s);
  for (const id of secrets.ids) {
    const re = new RegExp(`(?<![\\d.])${id}(?![\\d.])`);
    if (re.test(answer) && !re.test(request)) found.push(String(id));
  }
  // Signed URLs are made anew each hour: each one in the answer is checked against the server's key.
  const text = answer.replace(/&amp;/g, '&').replace(/\\u0026/g, '&');
  for (const m of text.matchAll(/\/assets\/(\d+)(\/thumbnail)?\?([^"'\s<>\\]*)/g)) {
    const id = Number(m[1]);
    const q = new URLSearchParams(m[3]);
    const sig = q.get('sig');
    if (!secrets.assets.has(id) || !sig || request.includes(sig)) continue;
    if (verifySignature(t.app.deps, id, m[2] ? 'thumbnail' : 'file', q.get('exp'), sig)) found.push(`a signed URL of asset ${id}`);
  }
  assert.deepEqual(found, [], `${label}: the answer shows the victim’s ${found.join(', ')}:\n${answer.slice(0, 3000)}`);
}

// ───────────────────────────── the victim's state ─────────────────────────────

/** The victim's rows that another user must not be able to change. */
async function victimState() {
  const { prisma } = t.app.deps;
  const uid = f.victim.id;
  const user = await prisma.user.findUniqueOrThrow({ where: { id: uid }, omit: { updatedAt: true } });
  const orders = await prisma.order.findMany({ where: { userId: uid }, orderBy: { id: 'asc' }, select: { id: true, kind: true, parentId: true, gender: true, mainImageId: true, styles: { select: { styleId: true } }, trainingImages: { select: { id: true, selected: true, gender: true }, orderBy: { id: 'asc' } } } });
  const orderIds = orders.map((o) => o.id);
  const chats = await prisma.chat.findMany({ where: { userId: uid }, orderBy: { id: 'asc' }, select: { id: true, title: true, modelId: true, presetId: true, systemPrompt: true, messages: { select: { id: true, role: true, content: true }, orderBy: { id: 'asc' } } } });
  const tasks = await prisma.task.findMany({ where: { userId: uid }, orderBy: { id: 'asc' }, select: { id: true, status: true, cancelRequestedAt: true, cost: true, input: true, chatId: true, orderId: true, holdId: true, deadlineAt: true } });
  const taskIds = tasks.map((x) => x.id);
  const assets = await prisma.asset.findMany({ where: { userId: uid }, orderBy: { id: 'asc' }, select: { id: true, storageKey: true, prompt: true, fileName: true } });
  return {
    user,
    credits: await prisma.creditAccount.findUnique({ where: { userId: uid }, select: { available: true, reserved: true } }),
    creditEntries: await prisma.creditEntry.count({ where: { userId: uid } }),
    holds: await prisma.creditHold.findMany({ where: { userId: uid }, orderBy: { id: 'asc' }, select: { id: true, amount: true, captured: true, status: true } }),
    sessions: await prisma.authSession.findMany({ where: { userId: uid }, orderBy: { createdAt: 'asc' }, select: { id: true, revokedAt: true, expiresAt: true } }),
    tasks,
    assets,
    feedback: await prisma.taskFeedback.findMany({ where: { OR: [{ userId: uid }, { assetId: { in: assets.map((a) => a.id) } }] }, orderBy: { id: 'asc' }, select: { id: true, userId: true, isLike: true, isDislike: true, feedback: true } }),
    chats,
    presets: await prisma.preset.findMany({ where: { userId: uid }, orderBy: { id: 'asc' }, omit: { updatedAt: true } }),
    orders,
    trainedModels: await prisma.trainedModel.findMany({ where: { userId: uid }, select: { id: true, orderId: true } }),
    apiKeys: await prisma.apiKey.findMany({ where: { userId: uid }, orderBy: { id: 'asc' }, select: { id: true, name: true, scopes: true, expiresAt: true, revokedAt: true, keyHash: true } }),
    webhooks: await prisma.webhook.findMany({ where: { userId: uid }, orderBy: { id: 'asc' }, select: { id: true, url: true, events: true, secret: true, active: true, description: true, disabledAt: true } }),
    deliveries: await prisma.webhookDelivery.findMany({ where: { webhook: { userId: uid } }, orderBy: { id: 'asc' }, select: { id: true, status: true, attemptCount: true, _count: { select: { attempts: true } } } }),
    redemptions: await prisma.codeRedemption.count({ where: { userId: uid } }),
    usageRecords: await prisma.usageRecord.count({ where: { userId: uid } }),
    // Rows of others that hang off the victim's: messages in its chats, tasks on its orders, retries of its tasks, orders on its models.
    foreignTasks: await prisma.task.findMany({ where: { userId: { not: uid }, OR: [{ chatId: { in: chats.map((c) => c.id) } }, { orderId: { in: orderIds } }, { retryOfId: { in: taskIds } }] }, select: { id: true } }),
    foreignOrders: await prisma.order.findMany({ where: { userId: { not: uid }, parentId: { in: orderIds } }, select: { id: true } }),
  };
}

async function assertVictimUnchanged(before: Awaited<ReturnType<typeof victimState>>, label: string) {
  const now = await victimState();
  assert.deepEqual(JSON.parse(JSON.stringify(now)), JSON.parse(JSON.stringify(before)), `${label}: the victim’s data changed`);
  // And the victim is still served as before.
  const me = await ok(`query { me { databaseId disabled } chat(id: ${f.chat.id}) { title } task(id: ${f.pendingTask.id}) { status cancelRequested } }`, {}, f.victim.token);
  assert.deepEqual(me, { me: { databaseId: f.victim.id, disabled: false }, chat: { title: mk('chattitle') }, task: { status: 'running', cancelRequested: false } });
}

// ───────────────────────────── GraphQL: generated selections ─────────────────────────────

type Scopes = { admin?: boolean } | undefined;
const scopesOf = (field: GraphQLField<unknown, unknown>) => (field.extensions as { pothosOptions?: { authScopes?: unknown } }).pothosOptions?.authScopes as Scopes;
/** A field only admins may read (checked separately, by ADMIN_ONLY_PROBES). */
const adminOnly = (field: GraphQLField<unknown, unknown>) => typeof scopesOf(field) === 'object' && scopesOf(field)?.admin === true;
const requiredArgs = (field: GraphQLField<unknown, unknown>) => field.args.some((a) => isNonNullType(a.type) && a.defaultValue === undefined);

/** Every field reachable without required arguments, `depth` levels down (admin-only fields left out). */
function selectionOf(type: GraphQLOutputType, depth: number): string {
  const named = getNamedType(type);
  if (isLeafType(named)) return '';
  if (isAbstractType(named)) {
    // Fragments on the possible types: only leaf fields whose type is the same wherever the name occurs.
    const possible = schema.getPossibleTypes(named);
    const typeOfName = new Map<string, Set<string>>();
    for (const o of possible) for (const fd of Object.values(o.getFields())) typeOfName.set(fd.name, (typeOfName.get(fd.name) ?? new Set()).add(String(fd.type)));
    const frags = possible.map((o) => {
      const leaves = Object.values(o.getFields()).filter((fd) => isLeafType(getNamedType(fd.type)) && !adminOnly(fd) && !requiredArgs(fd) && typeOfName.get(fd.name)!.size === 1);
      return leaves.length ? `... on ${o.name} { ${leaves.map((fd) => fd.name).join(' ')} }` : '';
    });
    return `__typename ${frags.join(' ')}`;
  }
  const fields = Object.values((named as GraphQLObjectType).getFields())
    .filter((fd) => !adminOnly(fd) && !requiredArgs(fd))
    .map((fd) => {
      if (isLeafType(getNamedType(fd.type))) return fd.name;
      if (depth <= 0) return '';
      // Nested lists page by 2 (the fixtures are small), so wide selections stay under the cost limit.
      const size = fd.args.find((a) => ['first', 'limit', 'pageSize'].includes(a.name));
      return `${fd.name}${size ? `(${size.name}: 2)` : ''} { ${selectionOf(fd.type, depth - 1)} }`;
    })
    .filter(Boolean);
  return `__typename ${fields.join(' ')}`;
}

type Root = 'query' | 'mutation' | 'subscription';

function operationOf(root: Root, field: GraphQLField<unknown, unknown>, args: Record<string, unknown>, selection?: string) {
  const given = field.args.filter((a) => a.name in args);
  const defs = given.map((a) => `$${a.name}: ${String(a.type)}`).join(', ');
  const call = given.map((a) => `${a.name}: $${a.name}`).join(', ');
  const sel = selection ?? selectionOf(field.type, DEPTH);
  return `${root} Authz_${field.name}${defs ? `(${defs})` : ''} { ${field.name}${call ? `(${call})` : ''}${sel ? ` { ${sel} }` : ''} }`;
}

// ───────────────────────────── GraphQL: the table ─────────────────────────────

type Who = 'anon' | 'attacker';
type Expect = 'ok' | string[];
/**
 * public: open to anyone by design (reason says why);
 * owned: names one of the victim's objects — refused to everyone but its owner;
 * viewer: answers about the caller only — the attacker gets its own data, never the victim's;
 * admin: admins only;
 * debug: DEBUG-only utilities, absent (NOT_FOUND) otherwise.
 */
type Kind = 'public' | 'owned' | 'viewer' | 'admin' | 'debug';

interface GqlEntry {
  kind: Kind;
  reason?: string;
  args?: (f: Fixture, who: Who) => Record<string, unknown>;
  files?: () => Promise<Files>;
  /** Expected without credentials (default: UNAUTHENTICATED; public: ok). */
  anon?: Expect;
  /** Expected for the attacker (default: owned NOT_FOUND or FORBIDDEN, admin FORBIDDEN, viewer and public ok). */
  attacker?: Expect;
  /** The call ends or changes the caller's own session: the attacker uses a new one. */
  fresh?: boolean;
  /** The attacker's call is made by another new account (a call that leaves state behind for its caller). */
  newAccount?: boolean;
  /** More about the attacker's answer. */
  check?: (data: any, f: Fixture) => void;
  /** More calls of the attacker: its own objects combined with the victim's, and the like. */
  variants?: { what: string; args: (f: Fixture) => Record<string, unknown>; attacker: Expect; newAccount?: boolean }[];
}

const REFUSED = ['NOT_FOUND', 'FORBIDDEN'];
const uniq = () => randomBytes(4).toString('hex');
/** A viewer list answers the caller's own objects (so it is not empty for want of working). */
const lists = (items: { id: string }[], id: string, label: string) => assert.ok(items.some((x) => x.id === id), `${label}: lists the caller’s own`);

const QUERY: Record<string, GqlEntry> = {
  apiKey: { kind: 'owned', args: (f) => ({ id: f.victim.keyId }) },
  apiKeys: { kind: 'viewer', check: (d) => assert.ok(d.apiKeys.length >= 1) },
  asset: { kind: 'owned', args: (f) => ({ id: f.asset.gid }) },
  assetByUrl: { kind: 'owned', args: (f) => ({ url: f.asset.url }) },
  assets: { kind: 'viewer', args: () => ({ type: 'all', limit: 8 }), check: (d, f) => lists(d.assets.items, f.attacker.asset, 'assets') },
  assetsConnection: { kind: 'viewer', args: () => ({ first: 8 }) },
  avatars: { kind: 'owned', args: (f) => ({ modelId: String(f.model.id) }) },
  chat: { kind: 'owned', args: (f) => ({ id: f.chat.gid }) },
  chats: { kind: 'viewer', args: () => ({ limit: 8 }), check: (d, f) => lists(d.chats.items, f.attacker.chat, 'chats') },
  chatsConnection: { kind: 'viewer', args: () => ({ first: 8 }) },
  estimateCost: { kind: 'viewer', args: () => ({ model: 'sdxl', images: 1 }) },
  me: { kind: 'viewer', check: (d, f) => assert.equal(d.me.databaseId, f.attacker.id) },
  model: { kind: 'viewer', args: () => ({ id: 'sdxl' }) },
  models: { kind: 'viewer' },
  node: {
    kind: 'owned',
    args: (f) => ({ id: f.chat.gid }),
    // Through node(id) someone else's object is simply not found, signed in or not.
    anon: ['NOT_FOUND'],
    attacker: ['NOT_FOUND'],
  },
  nodes: {
    kind: 'owned',
    args: (f) => ({ ids: [f.victim.gid, f.chat.gid, f.textPreset.gid, f.doneTask.gid, f.asset.gid, f.model.gid] }),
    anon: ['NOT_FOUND'],
    attacker: ['NOT_FOUND'],
  },
  order: { kind: 'owned', args: (f) => ({ id: f.openOrder.gid }) },
  orders: { kind: 'viewer', args: (f) => ({ parent: f.model.id, limit: 8 }), check: (d) => assert.deepEqual(d.orders.items, [], 'no orders on the victim’s model') },
  personalModels: { kind: 'viewer', args: () => ({ limit: 8 }) },
  preset: { kind: 'owned', args: (f) => ({ id: f.textPreset.gid }) },
  presets: { kind: 'viewer', args: () => ({ limit: 8 }) },
  presetsConnection: { kind: 'viewer', args: () => ({ first: 8 }) },
  redemptionCode: { kind: 'public', reason: 'knowing a code is what entitles one to read it (who made or redeemed it is admin-only)', args: (f) => ({ code: f.code }) },
  redemptionCodes: { kind: 'admin', args: () => ({ limit: 8 }) },
  styles: { kind: 'public', reason: 'the avatar style catalog' },
  task: { kind: 'owned', args: (f) => ({ id: f.doneTask.gid }) },
  taskByRequest: { kind: 'owned', args: (f) => ({ requestId: f.doneTask.requestId }) },
  tasks: { kind: 'viewer', args: () => ({ limit: 8 }), check: (d) => assert.ok(d.tasks.total >= 1, 'the caller’s own tasks') },
  tasksConnection: { kind: 'viewer', args: () => ({ first: 8 }) },
  tiers: { kind: 'public', reason: 'the published tier limits' },
  usage: { kind: 'viewer' },
  usageRecords: { kind: 'viewer', args: () => ({ limit: 8 }) },
  usageTotals: { kind: 'admin', args: (f) => ({ userId: String(f.victim.id) }) },
  user: { kind: 'admin', args: (f) => ({ id: f.victim.gid }) },
  users: { kind: 'admin', args: () => ({ limit: 8 }) },
  usersConnection: { kind: 'admin', args: () => ({ first: 8 }) },
  viewerPermissions: { kind: 'viewer' },
  webhook: { kind: 'owned', args: (f) => ({ id: f.webhook.id }) },
  webhookEvents: { kind: 'public', reason: 'the list of event names' },
  webhooks: { kind: 'viewer' },
};

const MUTATION: Record<string, GqlEntry> = {
  adjustCredits: { kind: 'admin', args: (f) => ({ userId: String(f.victim.id), amount: -400, reason: 'authz' }) },
  cancelMyTasks: { kind: 'viewer' },
  cancelTask: { kind: 'owned', args: (f) => ({ id: f.pendingTask.gid }) },
  changePassword: {
    kind: 'viewer',
    args: () => ({ input: { oldPassword: WRONG_PASSWORD, newPassword: 'N3wPassw0rdX' } }),
    // It can only name the caller's own account; the wrong old password is refused.
    attacker: ['BAD_USER_INPUT'],
  },
  createApiKey: { kind: 'viewer', args: () => ({ input: { name: 'attacker key' } }) },
  createChat: { kind: 'owned', args: (f) => ({ input: { title: 'attacker chat', presetId: f.textPreset.id } }) },
  createChatCompletion: { kind: 'owned', args: (f) => ({ input: { presetId: f.textPreset.id, messages: [{ role: 'user', content: 'hello' }] } }) },
  createModel: { kind: 'admin', args: () => ({ input: { id: `authz-${uniq()}`, name: 'x', kind: 'image' } }) },
  createOrder: { kind: 'owned', args: (f) => ({ input: { parent: f.model.id, styles: [112] } }) },
  createPreset: { kind: 'viewer', args: () => ({ input: { name: 'attacker preset', model: 'sd15' } }) },
  createRedemptionCodes: { kind: 'admin', args: () => ({ input: { amount: 1000 } }) },
  createStyle: { kind: 'admin', args: () => ({ input: { name: 'x', promptTemplate: '{subject}' } }) },
  createUser: { kind: 'admin', args: () => ({ input: { username: `authz${uniq()}`, email: `authz${uniq()}@example.com`, password: PASSWORD, role: 'admin' } }) },
  createWebhook: { kind: 'viewer', args: () => ({ input: { url: `${stubUrl}/attacker`, events: ['ai.task.completed'] } }) },
  debugAdmin: { kind: 'debug', reason: 'AIDeer’s DEBUG utilities: absent unless DEBUG is on (never in production)' },
  debugDrop: { kind: 'debug', reason: 'AIDeer’s DEBUG utilities: absent unless DEBUG is on (never in production)' },
  debugInit: { kind: 'debug', reason: 'AIDeer’s DEBUG utilities: absent unless DEBUG is on (never in production)' },
  deleteApiKey: { kind: 'owned', args: (f) => ({ id: f.victim.keyId }) },
  deleteAsset: { kind: 'owned', args: (f) => ({ id: f.asset.gid }) },
  deleteAssetByUrl: { kind: 'owned', args: (f) => ({ url: f.asset.url }) },
  deleteChat: { kind: 'owned', args: (f) => ({ id: f.chat.gid }) },
  deleteModel: { kind: 'admin', args: () => ({ id: 'sdxl' }) },
  deletePreset: { kind: 'owned', args: (f) => ({ id: f.textPreset.gid }) },
  deleteRedemptionCode: { kind: 'admin', args: (f) => ({ code: f.code }) },
  deleteStyle: { kind: 'admin', args: () => ({ id: 112 }) },
  deleteTask: { kind: 'owned', args: (f) => ({ id: f.doneTask.gid }) },
  deleteUser: { kind: 'admin', args: (f) => ({ id: f.victim.gid }) },
  deleteWebhook: { kind: 'owned', args: (f) => ({ id: f.webhook.id }) },
  editImage: {
    kind: 'owned',
    args: (f) => ({ input: { model: 'sd15', prompt: 'mine now', image: { assetId: f.asset.gid } } }),
    variants: [{ what: 'its own image with the victim’s as the mask', args: (f) => ({ input: { model: 'flux_pro', prompt: 'mine now', image: { assetId: f.attacker.asset }, mask: { assetId: f.asset.gid } } }), attacker: ['NOT_FOUND'] }],
  },
  generateImage: {
    kind: 'owned',
    args: (f) => ({ input: { presetId: f.imagePreset.id, prompt: 'with your preset' } }),
    // Idempotency keys belong to their user: the victim's key gives the attacker a new task of its own, not the victim's.
    variants: [
      { what: 'the victim’s Idempotency-Key and input', args: () => ({ input: IDEMPOTENT_INPUT, idempotencyKey: IDEMPOTENCY_KEY }), attacker: 'ok', newAccount: true },
      { what: 'the victim’s Idempotency-Key, other input', args: () => ({ input: { model: 'sd15', prompt: 'other', width: 64, height: 64 }, idempotencyKey: IDEMPOTENCY_KEY }), attacker: 'ok', newAccount: true },
    ],
  },
  generateText: { kind: 'owned', args: (f) => ({ input: { presetId: f.textPreset.id, prompt: 'with your preset' } }) },
  generateVideo: { kind: 'owned', args: (f) => ({ input: { model: 'stable_video', image: { assetId: f.asset.gid } } }) },
  login: { kind: 'public', reason: 'signing in', args: (f) => ({ input: { login: f.victim.username, password: WRONG_PASSWORD } }), anon: ['UNAUTHENTICATED'], attacker: ['UNAUTHENTICATED'] },
  logout: {
    kind: 'public',
    reason: 'ends the caller’s session, or the one of a refresh token the caller holds',
    args: () => ({ refreshToken: `rt_${randomBytes(32).toString('base64url')}` }),
    anon: ['UNAUTHENTICATED'],
    attacker: ['UNAUTHENTICATED'],
    fresh: true,
  },
  rateResult: { kind: 'owned', args: (f) => ({ assetId: f.asset.gid, isDislike: true, feedback: 'attacker' }) },
  redeemCode: { kind: 'viewer', args: (f) => ({ code: f.code }) },
  refreshToken: { kind: 'public', reason: 'a refresh token is its own credential', args: () => ({ refreshToken: `rt_${randomBytes(32).toString('base64url')}` }), anon: ['UNAUTHENTICATED'], attacker: ['UNAUTHENTICATED'] },
  register: { kind: 'public', reason: 'signing up', args: () => ({ input: { username: `reg${uniq()}`, email: `reg${uniq()}@example.com`, password: PASSWORD } }) },
  replayWebhookDelivery: { kind: 'owned', args: (f) => ({ id: f.delivery.id }) },
  resetUserPassword: { kind: 'admin', args: (f) => ({ id: f.victim.gid, newPassword: 'Pwn3dPassw0rd' }) },
  retryTask: { kind: 'owned', args: (f) => ({ id: String(f.failedTask.id) }) },
  runOrder: { kind: 'owned', args: (f) => ({ id: f.openOrder.gid }) },
  selectTrainingImage: { kind: 'owned', args: (f) => ({ orderId: f.openOrder.gid, selfieId: f.selfie.id }) },
  sendChatMessage: { kind: 'owned', args: (f) => ({ chatId: f.chat.gid, content: 'attacker here' }) },
  updateApiKey: { kind: 'owned', args: (f) => ({ id: f.victim.keyId, input: { name: 'pwned', permissions: ['ai:read'] } }) },
  updateChat: {
    kind: 'owned',
    args: (f) => ({ id: f.chat.gid, input: { title: 'pwned', systemPrompt: 'pwned' } }),
    variants: [{ what: 'its own chat on the victim’s preset', args: (f) => ({ id: f.attacker.chat, input: { presetId: f.textPreset.id } }), attacker: ['NOT_FOUND'] }],
  },
  updateModel: { kind: 'admin', args: () => ({ id: 'sdxl', input: { enabled: false } }) },
  updatePreset: { kind: 'owned', args: (f) => ({ id: f.textPreset.gid, input: { name: 'pwned', systemPrompt: 'pwned' } }) },
  updateProfile: { kind: 'viewer', args: () => ({ input: { name: 'attacker' } }) },
  updateStyle: { kind: 'admin', args: () => ({ id: 112, input: { enabled: false } }) },
  updateUser: { kind: 'admin', args: (f) => ({ id: f.victim.gid, input: { disabled: true, role: 'user', tier: 'free' } }) },
  updateWebhook: { kind: 'owned', args: (f) => ({ id: f.webhook.id, input: { url: `${stubUrl}/pwned`, secret: 'pwned-secret' } }) },
  uploadAvatar: { kind: 'viewer', files: async () => ({ file: { data: await png(16, 16), name: 'a.png' } }) },
  uploadTrainingImage: { kind: 'owned', args: (f) => ({ orderId: f.openOrder.gid, image: jpegCache }) },
  webLogin: { kind: 'public', reason: 'signing in to the web pages', args: (f) => ({ login: f.victim.username, password: WRONG_PASSWORD }), anon: ['UNAUTHENTICATED'], attacker: ['UNAUTHENTICATED'] },
  wechatLogin: { kind: 'public', reason: 'signing in with a WeChat code', args: () => ({ code: 'not-a-code' }), anon: ['UNAUTHENTICATED'], attacker: ['UNAUTHENTICATED'] },
};
let jpegCache = '';

/**
 * Subscriptions. Viewer subscriptions get a live check: the victim's events are published while
 * the attacker listens, then the attacker's own (a sentinel); only the attacker's may arrive.
 */
const SUBSCRIPTION: Record<string, GqlEntry> = {
  chatCompletionStream: { kind: 'owned', args: (f) => ({ input: { presetId: f.textPreset.id, messages: [{ role: 'user', content: 'hello' }] } }) },
  chatReply: { kind: 'owned', args: (f) => ({ chatId: f.chat.gid, content: 'attacker here' }) },
  myTaskEvents: { kind: 'viewer' },
  quotaWarnings: { kind: 'viewer' },
  taskTokens: { kind: 'owned', args: (f) => ({ id: String(f.chatTask.id) }) },
  taskUpdated: { kind: 'owned', args: (f) => ({ id: f.pendingTask.gid }) },
  textCompletionStream: { kind: 'owned', args: (f) => ({ input: { presetId: f.textPreset.id, prompt: 'hello' } }) },
  viewerUpdated: { kind: 'viewer' },
};

const ROOTS: [Root, GraphQLObjectType, Record<string, GqlEntry>][] = [
  ['query', schema.getQueryType()!, QUERY],
  ['mutation', schema.getMutationType()!, MUTATION],
  ['subscription', schema.getSubscriptionType()!, SUBSCRIPTION],
];

/** Fields of other types only admins may read, each reached through one root field (ids from the fixture). */
const ADMIN_ONLY_PROBES: Record<string, { query: (selection: string) => string; args?: (f: Fixture) => Record<string, unknown> }> = {
  AiModel: { query: (s) => `query { models { id ${s} } }` },
  RedemptionCode: { query: (s) => `query($code: String!) { redemptionCode(code: $code) { code ${s} } }`, args: (f) => ({ code: f.code }) },
  UsageReport: { query: (s) => `query { usage { totalRequests ${s} } }` },
};

const expectedOf = (e: GqlEntry, who: Who): Expect => {
  if (who === 'anon') return e.anon ?? (e.kind === 'public' ? 'ok' : e.kind === 'debug' ? ['NOT_FOUND'] : ['UNAUTHENTICATED']);
  return e.attacker ?? (e.kind === 'owned' ? REFUSED : e.kind === 'admin' ? ['FORBIDDEN'] : e.kind === 'debug' ? ['NOT_FOUND'] : 'ok');
};

/** Checks an answer against its expectation; never a server error. */
function judge(label: string, body: any, status: number, expected: Expect, field: string) {
  const errors: { message: string; extensions?: { code?: string } }[] = body?.errors ?? [];
  assert.ok(status < 500, `${label}: HTTP ${status} ${JSON.stringify(body)}`);
  for (const e of errors) {
    assert.notEqual(e.message, 'Unexpected error.', `${label}: an unexpected (masked) error`);
    assert.notEqual(e.extensions?.code, 'INTERNAL_SERVER_ERROR', `${label}: ${e.message}`);
  }
  if (expected === 'ok') {
    assert.deepEqual(errors, [], `${label}: expected an answer`);
    return;
  }
  const codes = errors.map((e) => e.extensions?.code);
  assert.ok(codes.length > 0, `${label}: expected ${expected.join(' or ')}, got data ${JSON.stringify(body?.data)}`);
  for (const c of codes) assert.ok(expected.includes(c!), `${label}: expected ${expected.join(' or ')}, got ${c}: ${JSON.stringify(errors)}`);
  const value = body?.data?.[field];
  if (Array.isArray(value)) for (const v of value) assert.equal(v, null, `${label}: no item is answered`);
  else assert.ok(value === null || value === undefined, `${label}: no data for the field: ${JSON.stringify(value)}`);
}

// ───────────────────────────── GraphQL tests ─────────────────────────────

test('every Query, Mutation and Subscription field has an entry; admin fields are marked admin; every public one has a reason', () => {
  const missing: string[] = [];
  const stale: string[] = [];
  let n = 0;
  for (const [root, type, table] of ROOTS) {
    const fields = type.getFields();
    for (const name of Object.keys(fields)) {
      n++;
      const e = table[name];
      if (!e) {
        missing.push(`${root}.${name}`);
        continue;
      }
      if (e.kind === 'public' || e.kind === 'debug') assert.ok(e.reason, `${root}.${name}: a public field says why`);
      // The schema's own admin scope and the table agree.
      assert.equal(adminOnly(fields[name]!), e.kind === 'admin', `${root}.${name}: admin in the schema ⇔ admin in the table`);
      for (const a of fields[name]!.args) {
        if (isNonNullType(a.type) && a.defaultValue === undefined) {
          const given = { ...(e.args ? e.args(f, 'attacker') : {}), ...(e.files ? { file: null } : {}) };
          assert.ok(a.name in given, `${root}.${name}: the entry gives the required argument ${a.name}`);
        }
      }
    }
    for (const name of Object.keys(table)) if (!fields[name]) stale.push(`${root}.${name}`);
  }
  assert.deepEqual(missing, [], `fields without an authorization entry: ${missing.join(', ')}`);
  assert.deepEqual(stale, [], `entries for fields that no longer exist: ${stale.join(', ')}`);
  assert.ok(n >= 100, `${n} fields`);
  // Every admin-only field of another type has a probe.
  for (const type of Object.values(schema.getTypeMap())) {
    if (type.name.startsWith('__') || !('getFields' in type) || ROOTS.some(([, r]) => r === type)) continue;
    const fields = Object.values((type as GraphQLObjectType).getFields()) as GraphQLField<unknown, unknown>[];
    if (fields.some((fd) => 'args' in fd && adminOnly(fd))) assert.ok(ADMIN_ONLY_PROBES[type.name], `${type.name} has admin-only fields: add a probe`);
  }
});

async function runField(root: Root, field: GraphQLField<unknown, unknown>, e: GqlEntry, who: Who, variant?: string) {
  const args = { ...(e.args ? e.args(f, who) : {}) };
  const files = e.files ? await e.files() : undefined;
  if (files) for (const k of Object.keys(files)) args[k] = null;
  const query = operationOf(root, field, args);
  const token = who === 'anon' ? null : e.newAccount ? (await newUser(t, 'atk')).token : e.fresh ? await freshAttackerToken() : f.attacker.token;
  const r = await gqlRaw(query, args, token, files);
  const label = `${who} ${root}.${field.name}${variant ? ` (${variant})` : ''}`;
  judge(label, r.json, r.status, expectedOf(e, who), field.name);
  assertNoLeak(label, r.text, query + JSON.stringify(args));
  if (who === 'attacker' && e.check && expectedOf(e, who) === 'ok') e.check(r.json.data, f);
  return r;
}

test('GraphQL without credentials: every non-public field is refused (UNAUTHENTICATED) and nothing of the victim’s comes back', async () => {
  jpegCache = await jpegDataUri();
  secrets = await victimSecrets();
  const before = await victimState();
  let n = 0;
  for (const [root, type, table] of ROOTS) {
    if (root === 'subscription') continue;
    for (const [name, field] of Object.entries(type.getFields())) {
      const e = table[name];
      if (!e) continue;
      await runField(root, field, e, 'anon');
      n++;
    }
  }
  assert.ok(n >= 90);
  await assertVictimUnchanged(before, 'after anonymous calls');
});

test('GraphQL as another user on the victim’s ids: refused or the caller’s own data, never the victim’s; the victim’s data is unchanged', async () => {
  jpegCache ||= await jpegDataUri();
  secrets = await victimSecrets();
  const before = await victimState();
  for (const [root, type, table] of ROOTS) {
    if (root === 'subscription') continue;
    for (const [name, field] of Object.entries(type.getFields())) {
      const e = table[name];
      if (!e) continue;
      await runField(root, field, e, 'attacker');
      for (const v of e.variants ?? []) await runField(root, field, { kind: e.kind, args: v.args, attacker: v.attacker, newAccount: v.newAccount }, 'attacker', v.what);
    }
  }
  await assertVictimUnchanged(before, 'after the attacker’s GraphQL calls');
  // The attacker's session still works: the refusals above were about the victim's data, not a lost sign-in.
  assert.equal((await ok(`query { me { databaseId } }`, {}, f.attacker.token)).me.databaseId, f.attacker.id);
});

/** Runs `f` expecting assertNoLeak to fail inside it: the victim's data is in the answer. */
function detects(label: string, run: () => void) {
  assert.throws(run, (err: Error) => /the answer shows the victim’s/.test(err.message), `${label}: the owner's own answer shows the victim's data, so a leak of it would be seen`);
}

test('the checks would see a leak: the same operations, asked by the victim, answer with the victim’s markers and ids', async () => {
  secrets = await victimSecrets();
  const owned = Object.entries(QUERY).filter(([, e]) => e.kind === 'owned');
  assert.ok(owned.length >= 10);
  for (const [name, e] of owned) {
    const field = schema.getQueryType()!.getFields()[name]!;
    const args = e.args ? e.args(f, 'attacker') : {};
    const query = operationOf('query', field, args);
    const r = await gqlRaw(query, args, f.victim.token);
    assert.equal(r.json?.errors, undefined, `victim query.${name}: ${r.text.slice(0, 500)}`);
    detects(`query.${name}`, () => assertNoLeak(`victim query.${name}`, r.text, query + JSON.stringify(args)));
  }
  // The REST reads of the victim's objects, with the victim's own credentials.
  const cookie = (await ok(`mutation($l: String, $p: String) { webLogin(login: $l, password: $p) { token } }`, { l: f.victim.username, p: PASSWORD }, null)).webLogin.token;
  const creds: Record<string, Record<string, string>> = {
    'PARROT AI': { authorization: `Bearer ${f.victim.token}` },
    AIDeer: { authorization: `Bearer ${f.victim.token}` },
    'AI API Playground': { authorization: `Bearer ${f.victim.token}` },
    MyMoodAI: { authorization: `Bearer ${f.victim.key}` },
    'OpenAI-compatible API': { authorization: `Bearer ${f.victim.key}` },
    'AI Image Generator': { cookie: `session=${cookie}` },
  };
  let n = 0;
  for (const { api, route } of routes()) {
    const c = REST[keyOf(api, route)];
    // Reads only (a stream would follow the unfinished task); status answers carry no identifier of the victim's.
    if (!c || c.kind !== 'owned' || route.method !== 'GET' || route.path.endsWith('/stream') || route.path.endsWith('/select') || route.path.endsWith('/run')) continue;
    const params = c.params ? c.params(f) : {};
    const path = api.base.replace(/\/$/, '') + route.path.replace(/\{(\w+)\}/g, (_m, k: string) => encodeURIComponent(String(params[k])));
    const r = await rest('GET', path, { headers: creds[api.name] });
    assert.ok(r.status < 400, `victim ${keyOf(api, route)}: ${r.status} ${r.text.slice(0, 300)}`);
    if (NO_IDENTIFIERS.has(keyOf(api, route))) continue;
    detects(keyOf(api, route), () => assertNoLeak(`victim ${keyOf(api, route)}`, `${r.headers.get('location') ?? ''}\n${r.text}`, path));
    n++;
  }
  assert.ok(n >= 10, `${n} REST reads checked`);
  // A signed URL of the victim's asset made in a later hour (another signature) is seen too, even
  // when the caller sent the asset's id itself.
  const now = Date.now;
  let later: string;
  try {
    Date.now = () => now() + 2 * 3600_000;
    later = signedUrl(t.app.deps, f.asset.id);
  } finally {
    Date.now = now;
  }
  assert.ok(!secrets.strings.some((x) => later.includes(x) && x.length > 20), 'a signature not seen before');
  detects('a signed URL of another hour', () => assertNoLeak('a signed URL of another hour', JSON.stringify({ url: later }), `/assets/${f.asset.id}`));
});

test('admin-only fields of other types are refused to a normal user and without credentials, with nothing of the victim’s in the answer', async () => {
  secrets = await victimSecrets();
  for (const [typeName, probe] of Object.entries(ADMIN_ONLY_PROBES)) {
    const type = schema.getType(typeName) as GraphQLObjectType;
    for (const fd of Object.values(type.getFields()).filter(adminOnly)) {
      const sub = isLeafType(getNamedType(fd.type)) ? fd.name : `${fd.name} { ${selectionOf(fd.type, 2)} }`;
      const query = probe.query(sub);
      const args = probe.args ? probe.args(f) : {};
      for (const who of ['anon', 'attacker'] as const) {
        const r = await gqlRaw(query, args, who === 'anon' ? null : f.attacker.token);
        const label = `${who} ${typeName}.${fd.name}`;
        const codes = (r.json?.errors ?? []).map((e: any) => e.extensions?.code);
        assert.ok(codes.length > 0, `${label}: refused: ${r.text}`);
        for (const c of codes) assert.ok((who === 'anon' ? ['UNAUTHENTICATED'] : ['FORBIDDEN']).includes(c), `${label}: ${r.text}`);
        assertNoLeak(label, r.text, query + JSON.stringify(args));
      }
      // An admin does get it: the probe reaches the field.
      const asAdmin = await gqlRaw(query, args, admin);
      assert.equal(asAdmin.json?.errors, undefined, `admin ${typeName}.${fd.name}: ${asAdmin.text}`);
    }
  }
});

// ───────────────────────────── subscriptions over graphql-ws ─────────────────────────────

interface Outcome {
  next: any[];
  errors: any[];
  done: boolean;
}

/** Subscribes and collects what arrives until it ends (or `stop`). */
function collect(client: Client, query: string, variables: Record<string, unknown>) {
  const o: Outcome = { next: [], errors: [], done: false };
  let stop!: () => void;
  const finished = new Promise<void>((resolve) => {
    const dispose = client.subscribe(
      { query, variables },
      {
        next: (v) => void o.next.push(v),
        error: (err) => {
          o.errors.push(...(Array.isArray(err) ? err : [err instanceof Error ? { message: err.message } : err]));
          o.done = true;
          resolve();
        },
        complete: () => {
          o.done = true;
          resolve();
        },
      },
    );
    stop = () => {
      dispose();
      resolve();
    };
  });
  return { o, finished, stop };
}

const wsClient = (token: string | null) =>
  createClient({ url: t.wsUrl, webSocketImpl: WebSocket, lazy: false, retryAttempts: 0, ...(token ? { connectionParams: { Authorization: `Bearer ${token}` } } : {}) });

const within = <T>(p: Promise<T>, ms: number, what: string) =>
  Promise.race([p, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`${what}: nothing within ${ms} ms`)), ms))]);

/** The codes of a refused subscription: from an error message, or from a result carrying errors. */
function refusalCodes(o: Outcome): string[] {
  const errors = [...o.errors, ...o.next.flatMap((n) => n.errors ?? [])];
  return errors.map((e) => e.extensions?.code ?? e.message);
}

test('subscriptions without credentials and as another user on the victim’s ids are refused; nothing of the victim’s arrives', async () => {
  secrets = await victimSecrets();
  const before = await victimState();
  const type = schema.getSubscriptionType()!;
  for (const who of ['anon', 'attacker'] as const) {
    const client = wsClient(who === 'anon' ? null : f.attacker.token);
    try {
      for (const [name, field] of Object.entries(type.getFields())) {
        const e = SUBSCRIPTION[name];
        if (!e) continue;
        const expected = expectedOf(e, who);
        if (expected === 'ok') continue; // viewer subscriptions of the attacker: the live test below
        const args = e.args ? e.args(f, who) : {};
        const query = operationOf('subscription', field, args);
        const sub = collect(client, query, args);
        await within(sub.finished, 15_000, `${who} subscription ${name}`);
        const codes = refusalCodes(sub.o);
        const label = `${who} subscription ${name}`;
        assert.ok(codes.length > 0, `${label}: refused, got ${JSON.stringify(sub.o.next)}`);
        for (const c of codes) assert.ok(expected.includes(c), `${label}: expected ${expected.join(' or ')}, got ${c}`);
        assert.ok(sub.o.next.every((n) => n.data == null || n.data[name] == null), `${label}: no event data: ${JSON.stringify(sub.o.next)}`);
        assertNoLeak(label, JSON.stringify(sub.o), query + JSON.stringify(args));
      }
    } finally {
      await client.dispose();
    }
  }
  await assertVictimUnchanged(before, 'after the subscriptions');
});

test('viewer subscriptions of another user never carry the victim’s events (only the caller’s own arrive)', async () => {
  secrets = await victimSecrets();
  const type = schema.getSubscriptionType()!;
  const live = Object.entries(SUBSCRIPTION).filter(([, e]) => expectedOf(e, 'attacker') === 'ok');
  assert.deepEqual(live.map(([n]) => n).sort(), ['myTaskEvents', 'quotaWarnings', 'viewerUpdated'], 'every viewer subscription has a live check here');
  const client = wsClient(f.attacker.token);
  const SENTINEL = `sentinel${uniq()}`;
  try {
    // viewerUpdated last: once it sees the attacker's change, the ones before it listen too.
    const subs = Object.fromEntries(
      ['myTaskEvents', 'quotaWarnings', 'viewerUpdated'].map((name) => {
        const query = operationOf('subscription', type.getFields()[name]!, {});
        return [name, collect(client, query, {})];
      }),
    );
    await waitFor('the attacker’s subscriptions to listen', async () => {
      await ok(`mutation($n: String) { updateProfile(input: { name: $n }) { id } }`, { n: `probe${uniq()}` }, f.attacker.token);
      await new Promise((r) => setTimeout(r, 100));
      return subs.viewerUpdated!.o.next.length > 0;
    });
    // The victim's events: a profile change, a task, a quota warning.
    await ok(`mutation($n: String) { updateProfile(input: { name: $n }) { id } }`, { n: mk('livename') }, f.victim.token);
    const task = (await ok(`mutation($i: GenerateImageInput!) { generateImage(input: $i) { databaseId requestId } }`, { i: { model: 'sd15', prompt: mk('liveprompt'), width: 64, height: 64 } }, f.victim.token)).generateImage;
    await emit(t.app.deps, f.victim.id, 'quota.warning', { quota_type: mk('livequota'), used: 9, limit: 10, percentage: 90, timestamp: new Date().toISOString() });
    await taskDone(task.databaseId);
    // Then the attacker's own, which must arrive after them.
    await ok(`mutation($n: String) { updateProfile(input: { name: $n }) { id } }`, { n: SENTINEL }, f.attacker.token);
    const mine = (await ok(`mutation($i: GenerateImageInput!) { generateImage(input: $i) { databaseId requestId } }`, { i: { model: 'sd15', prompt: SENTINEL, width: 64, height: 64 } }, f.attacker.token)).generateImage;
    await emit(t.app.deps, f.attacker.id, 'quota.warning', { quota_type: SENTINEL, used: 9, limit: 10, percentage: 90, timestamp: new Date().toISOString() });
    await waitFor('the attacker’s own events', async () => Object.values(subs).every((s) => JSON.stringify(s.o.next).includes(SENTINEL)), 15_000);
    for (const [name, s] of Object.entries(subs)) {
      s.stop();
      assert.deepEqual(s.o.errors, [], `${name}: no error`);
      assertNoLeak(`attacker subscription ${name}`, JSON.stringify(s.o.next), '');
    }
    // Webhooks too: the victim's endpoint got its task's event, the attacker's endpoints only the attacker's.
    const toVictim = (r: string) => r.startsWith(`/${mk('hookpath')} `);
    await waitFor('the webhook deliveries of both', async () => received.some((r) => toVictim(r) && r.includes(String(task.requestId))) && received.some((r) => r.startsWith('/attacker ') && r.includes(mine.requestId)), 20_000);
    const others = received.filter((r) => !toVictim(r) && !r.startsWith('/sns/'));
    assert.ok(others.length > 0);
    for (const r of others) assertNoLeak('a delivery to another user’s webhook', r, '');
  } finally {
    await client.dispose();
  }
  await settleVictim();
});

// ───────────────────────────── REST: the table ─────────────────────────────

interface RestCase {
  kind: Kind;
  reason?: string;
  params?: (f: Fixture) => Record<string, string | number>;
  query?: (f: Fixture) => Record<string, string>;
  json?: (f: Fixture) => unknown;
  urlencoded?: (f: Fixture) => Record<string, string>;
  form?: (f: Fixture) => Promise<FormData>;
  headers?: (f: Fixture, who: Who) => Record<string, string>;
  /** Statuses expected without credentials (default: the API's own 401; public: below 400). */
  anon?: 'ok' | number[];
  /** Statuses expected for the attacker (default: owned 404 or 403, admin 403, viewer and public below 400). */
  attacker?: 'ok' | number[];
  fresh?: boolean;
}

const imageForm = async () => {
  const form = new FormData();
  form.set('file', new File([new Uint8Array(await png(16, 16))], 'a.png', { type: 'image/png' }));
  return form;
};

const REST: Record<string, RestCase> = {
  // PARROT AI (seed 000): bearer access tokens.
  'PARROT AI POST /rest/user/register': { kind: 'public', reason: 'signing up', json: () => ({ username: `prt${uniq()}`, email: `prt${uniq()}@example.com`, password: PASSWORD }) },
  'PARROT AI POST /rest/user/login': {
    kind: 'public',
    reason: 'signing in (HTTP Basic)',
    headers: (f, who): Record<string, string> => (who === 'anon' ? {} : { authorization: `Basic ${Buffer.from(`${f.victim.username}:${WRONG_PASSWORD}`).toString('base64')}` }),
    anon: [401],
    attacker: [401],
  },
  'PARROT AI POST /rest/user/refresh_token': { kind: 'public', reason: 'a refresh token is its own credential', urlencoded: () => ({ refresh_token: `rt_${uniq()}${uniq()}` }), anon: [401], attacker: [401] },
  'PARROT AI POST /rest/user/me': { kind: 'viewer' },
  'PARROT AI POST /rest/task/create_sd_task': { kind: 'viewer', json: () => ({ prompt: 'attacker', config: { width: 64, height: 64 } }) },
  'PARROT AI POST /rest/task/create_sdxl_task': { kind: 'viewer', json: () => ({ prompt: 'attacker', config: { width: 64, height: 64 } }) },
  'PARROT AI POST /rest/task/get_result_sd_task': { kind: 'owned', json: (f) => ({ task_id: f.doneTask.id }) },
  'PARROT AI GET /rest/task/get_task_history': { kind: 'viewer', query: () => ({ limit: '100' }) },
  'PARROT AI POST /rest/task/user_feedback': { kind: 'owned', json: (f) => ({ image_id: f.asset.id, is_like: false, is_dislike: true, feedback: 'attacker' }) },

  // MyMoodAI (seed 001): an API key.
  'MyMoodAI POST /order/create/model': { kind: 'viewer', json: () => ({ styles: [112], gender: 1, parent: 0 }) },
  'MyMoodAI POST /order/create': { kind: 'owned', json: (f) => ({ styles: [112], gender: 1, parent: f.model.id }) },
  'MyMoodAI GET /order/list': { kind: 'viewer' },
  'MyMoodAI POST /order/{order_id}/training-images/upload': { kind: 'owned', params: (f) => ({ order_id: f.openOrder.id }), json: () => ({ gender: '1', image: jpegCache }) },
  'MyMoodAI GET /order/{order_id}/training-images/list': { kind: 'owned', params: (f) => ({ order_id: f.openOrder.id }) },
  'MyMoodAI GET /order/{order_id}/training-images/{selfie_id}/select': { kind: 'owned', params: (f) => ({ order_id: f.openOrder.id, selfie_id: f.selfie.id }) },
  'MyMoodAI GET /order/{order_id}/run': { kind: 'owned', params: (f) => ({ order_id: f.openOrder.id }) },
  'MyMoodAI GET /order/{order_id}/status': { kind: 'owned', params: (f) => ({ order_id: f.model.id }) },
  'MyMoodAI GET /model/list': { kind: 'viewer' },
  'MyMoodAI GET /model/{order_id}/avatars/{page_id}': { kind: 'owned', params: (f) => ({ order_id: f.model.id, page_id: 1 }) },
  'MyMoodAI GET /model/{order_id}/order/list': { kind: 'owned', params: (f) => ({ order_id: f.model.id }) },
  'MyMoodAI GET /styles/list': { kind: 'viewer' },

  // AIDeer (seed 002): bearer access tokens; admin routes.
  'AIDeer GET /users': { kind: 'admin' },
  'AIDeer POST /users': { kind: 'admin', json: () => ({ username: `deer${uniq()}`, email: `deer${uniq()}@example.com`, password: PASSWORD, role: 'admin' }) },
  'AIDeer GET /users/me': { kind: 'viewer' },
  'AIDeer PUT /users/me/password': { kind: 'viewer', json: () => ({ old_password: WRONG_PASSWORD, new_password: 'N3wPassw0rdX' }), attacker: [400] },
  'AIDeer GET /users/me/avatar': { kind: 'viewer' },
  'AIDeer POST /users/me/avatar': { kind: 'viewer', form: imageForm },
  'AIDeer GET /users/me/credits': { kind: 'viewer' },
  'AIDeer POST /users/me/credits': { kind: 'viewer', json: (f) => ({ code: f.code2 }) },
  'AIDeer GET /users/{user_id}': { kind: 'owned', params: (f) => ({ user_id: f.victim.id }) },
  // Not yourself and not an admin: the admin update, refused.
  'AIDeer PUT /users/{user_id}': { kind: 'owned', params: (f) => ({ user_id: f.victim.id }), json: () => ({ name: 'pwned', email: `pwned${uniq()}@example.com`, disabled: true }) },
  'AIDeer DELETE /users/{user_id}': { kind: 'admin', params: (f) => ({ user_id: f.victim.id }) },
  'AIDeer PUT /users/{user_id}/password': { kind: 'admin', params: (f) => ({ user_id: f.victim.id }), json: () => ({ new_password: 'Pwn3dPassw0rd' }) },
  'AIDeer GET /users/{user_id}/avatar': { kind: 'owned', params: (f) => ({ user_id: f.victim.id }) },
  'AIDeer POST /session/oauth2/token': { kind: 'public', reason: 'signing in (OAuth2 password flow)', urlencoded: (f) => ({ username: f.victim.username, password: WRONG_PASSWORD }), anon: [401], attacker: [401] },
  'AIDeer GET /session/wechat/token': { kind: 'public', reason: 'signing in with a WeChat code', query: () => ({ code: 'not-a-code' }), anon: [401], attacker: [401] },
  'AIDeer GET /session/wechat/refresh': { kind: 'public', reason: 'takes a refresh token, its own credential (an access token is not one)', anon: [401], attacker: [401] },
  'AIDeer GET /chats': { kind: 'viewer', query: () => ({ limit: '100' }) },
  // Its documented refusals are 401, 403 and 422: someone else's preset is a 422 "Preset not found".
  'AIDeer POST /chats': { kind: 'owned', json: (f) => ({ title: 'attacker', preset_id: f.textPreset.id }), attacker: [422] },
  'AIDeer GET /chats/{chat_id}': { kind: 'owned', params: (f) => ({ chat_id: f.chat.id }) },
  'AIDeer PUT /chats/{chat_id}': { kind: 'owned', params: (f) => ({ chat_id: f.chat.id }), json: () => ({ title: 'pwned' }) },
  'AIDeer DELETE /chats/{chat_id}': { kind: 'owned', params: (f) => ({ chat_id: f.chat.id }) },
  'AIDeer GET /presets': { kind: 'viewer', query: () => ({ limit: '100' }) },
  'AIDeer POST /presets': { kind: 'viewer', json: () => ({ name: 'attacker', model: 'sd15' }) },
  'AIDeer GET /presets/{preset_id}': { kind: 'owned', params: (f) => ({ preset_id: f.textPreset.id }) },
  'AIDeer PUT /presets/{preset_id}': { kind: 'owned', params: (f) => ({ preset_id: f.textPreset.id }), json: () => ({ name: 'pwned' }) },
  'AIDeer DELETE /presets/{preset_id}': { kind: 'owned', params: (f) => ({ preset_id: f.textPreset.id }) },
  'AIDeer GET /codes/{code}': { kind: 'public', reason: 'knowing a code is what entitles one to read it', params: (f) => ({ code: f.code }) },
  'AIDeer DELETE /codes/{code}': { kind: 'admin', params: (f) => ({ code: f.code }) },
  'AIDeer POST /codes': { kind: 'admin', json: () => ({ amount: 1000, max_uses: 5 }) },
  'AIDeer POST /tasks': { kind: 'owned', json: (f) => ({ kind: 'image.generate', model: 'sd15', prompt: 'attacker', preset_id: f.imagePreset.id }) },
  'AIDeer GET /tasks/{task_id}': { kind: 'owned', params: (f) => ({ task_id: f.doneTask.id }) },
  'AIDeer DELETE /tasks/{task_id}': { kind: 'owned', params: (f) => ({ task_id: f.doneTask.id }) },
  'AIDeer GET /tasks/{task_id}/stream': { kind: 'owned', params: (f) => ({ task_id: f.pendingTask.id }) },
  'AIDeer GET /utils/init': { kind: 'debug', reason: 'DEBUG-only utility: absent unless DEBUG is on (never in production)', anon: [404], attacker: [404] },
  'AIDeer GET /utils/admin': { kind: 'debug', reason: 'DEBUG-only utility: absent unless DEBUG is on (never in production)', anon: [404], attacker: [404] },
  'AIDeer GET /utils/drop': { kind: 'debug', reason: 'DEBUG-only utility: absent unless DEBUG is on (never in production)', anon: [404], attacker: [404] },

  // AI Image Generator (seed 003): the session cookie.
  'AI Image Generator POST /auth/login': { kind: 'public', reason: 'signing in', json: (f) => ({ username: f.victim.username, password: WRONG_PASSWORD }), anon: [401], attacker: [401] },
  'AI Image Generator GET /auth/logout': { kind: 'public', reason: 'signing out needs no session (it redirects to the login page)', fresh: true, anon: [302], attacker: [302] },
  'AI Image Generator POST /api/generate': {
    kind: 'viewer',
    form: async () => {
      const form = new FormData();
      form.set('model', 'stable_diffusion');
      form.set('prompt', 'attacker');
      return form;
    },
  },
  'AI Image Generator GET /api/generation-status/{request_id}': { kind: 'owned', params: (f) => ({ request_id: f.doneTask.requestId }) },
  'AI Image Generator GET /library': { kind: 'viewer' },
  'AI Image Generator GET /asset/{asset_id}': { kind: 'owned', params: (f) => ({ asset_id: f.asset.id }) },
  'AI Image Generator GET /asset/{asset_id}/download': { kind: 'owned', params: (f) => ({ asset_id: f.asset.id }) },
  'AI Image Generator GET /video/{short_key}': { kind: 'owned', params: (f) => ({ short_key: f.video.shortKey }) },
  'AI Image Generator DELETE /api/assets/{asset_id}': { kind: 'owned', params: (f) => ({ asset_id: f.asset.id }) },
  'AI Image Generator GET /api/model-info/{model_id}': { kind: 'viewer', params: () => ({ model_id: 'flux' }) },
  'AI Image Generator POST /api/delete-image': { kind: 'owned', json: (f) => ({ url: `/static/generated/${f.asset.fileName}` }) },
  'AI Image Generator POST /api/clear-generation-state': { kind: 'viewer' },
  'AI Image Generator GET /login': { kind: 'public', reason: 'the login page' },
  'AI Image Generator GET /dashboard': { kind: 'viewer' },

  // AI API Playground (seed 004): bearer JWT (API keys are managed from sessions only).
  'AI API Playground POST /api/auth/register': { kind: 'public', reason: 'signing up', json: () => ({ username: `pg${uniq()}`, email: `pg${uniq()}@example.com`, password: PASSWORD }) },
  'AI API Playground POST /api/auth/login': { kind: 'public', reason: 'signing in', json: (f) => ({ email: f.victim.email, password: WRONG_PASSWORD }), anon: [401], attacker: [401] },
  'AI API Playground POST /api/auth/logout': { kind: 'viewer', fresh: true },
  'AI API Playground GET /api/auth/me': { kind: 'viewer' },
  'AI API Playground PUT /api/auth/profile': { kind: 'viewer', json: (f) => ({ username: f.attacker.username }) },
  'AI API Playground PUT /api/auth/password': { kind: 'viewer', json: () => ({ oldPassword: WRONG_PASSWORD, newPassword: 'N3wPassw0rdX' }), attacker: [400] },
  'AI API Playground POST /api/v1/ai/chat': { kind: 'viewer', json: () => ({ messages: [{ role: 'user', content: 'hello' }], max_tokens: 20 }) },
  'AI API Playground POST /api/v1/ai/generate': { kind: 'viewer', json: () => ({ prompt: 'hello', max_tokens: 20 }) },
  'AI API Playground GET /api/v1/ai/models': { kind: 'viewer' },
  'AI API Playground GET /api/v1/ai/usage': { kind: 'viewer' },
  'AI API Playground POST /api/v1/api-keys': { kind: 'viewer', json: () => ({ name: 'attacker', permissions: ['ai:read'] }) },
  'AI API Playground GET /api/v1/api-keys': { kind: 'viewer' },
  'AI API Playground GET /api/v1/api-keys/{id}': { kind: 'owned', params: (f) => ({ id: f.victim.keyId }) },
  'AI API Playground PUT /api/v1/api-keys/{id}': { kind: 'owned', params: (f) => ({ id: f.victim.keyId }), json: () => ({ name: 'pwned', permissions: ['ai:read'] }) },
  'AI API Playground DELETE /api/v1/api-keys/{id}': { kind: 'owned', params: (f) => ({ id: f.victim.keyId }) },
  'AI API Playground POST /api/v1/webhooks': { kind: 'viewer', json: () => ({ url: `${stubUrl}/attacker`, events: ['ai.task.completed'] }) },
  'AI API Playground GET /api/v1/webhooks': { kind: 'viewer' },
  'AI API Playground PUT /api/v1/webhooks/{id}': { kind: 'owned', params: (f) => ({ id: f.webhook.id }), json: () => ({ url: `${stubUrl}/pwned`, events: ['ai.task.completed'], active: true }) },
  'AI API Playground DELETE /api/v1/webhooks/{id}': { kind: 'owned', params: (f) => ({ id: f.webhook.id }) },
  'AI API Playground GET /api/v1/usage': { kind: 'viewer', query: () => ({ limit: '100' }) },

  // The OpenAI-compatible API (/v1): a platform API key.
  'OpenAI-compatible API GET /models': { kind: 'viewer' },
  'OpenAI-compatible API GET /models/{model}': { kind: 'viewer', params: () => ({ model: 'sdxl' }) },
  'OpenAI-compatible API POST /chat/completions': { kind: 'viewer', json: () => ({ model: 'minimax', messages: [{ role: 'user', content: 'hello' }], max_tokens: 20 }) },
  'OpenAI-compatible API POST /completions': { kind: 'viewer', json: () => ({ model: 'minimax', prompt: 'hello', max_tokens: 20 }) },
  'OpenAI-compatible API POST /images/generations': { kind: 'viewer', json: () => ({ prompt: 'attacker', size: '64x64' }) },
};

/** Owned reads whose answer holds no identifier of the victim's (a status): only their refusal is checked. */
const NO_IDENTIFIERS = new Set<string>(['MyMoodAI GET /order/{order_id}/status']);

const keyOf = (api: Api, route: Route) => `${api.name} ${route.method} ${route.path}`;

/** How each API refuses a caller without credentials (its own envelope). */
const ANON_REFUSAL: Record<string, (route: Route, r: Res) => void> = {
  'PARROT AI': (_route, r) => {
    assert.equal(r.status, 401);
    assert.ok(r.json?.detail, 'a FastAPI detail');
    assert.equal(r.headers.get('www-authenticate'), 'Bearer');
  },
  MyMoodAI: (_route, r) => {
    assert.equal(r.status, 401);
    assert.deepEqual(r.json, { status: 'error', message: 'Unauthorized access.' });
  },
  AIDeer: (_route, r) => {
    assert.equal(r.status, 401);
    assert.ok(r.json?.detail, 'a FastAPI detail');
    assert.equal(r.headers.get('www-authenticate'), 'Bearer');
  },
  'AI Image Generator': (route, r) => {
    if (isPage(route.path)) {
      // Pages send a signed-out browser to the login page.
      assert.equal(r.status, 302);
      assert.match(r.headers.get('location') ?? '', /^\/login\?next=/);
    } else {
      assert.equal(r.status, 401);
      assert.equal(r.json?.success, false);
      assert.equal(typeof r.json?.message, 'string');
    }
  },
  'AI API Playground': (_route, r) => {
    assert.equal(r.status, 401);
    assert.equal(r.json?.success, false);
    assert.equal(r.json?.error?.code, 'AUTHENTICATION_ERROR');
  },
  'OpenAI-compatible API': (_route, r) => {
    assert.equal(r.status, 401);
    assert.equal(r.json?.error?.code, 'invalid_api_key');
  },
};

/** The attacker's credential, the way each API takes it. */
async function credentialOf(api: Api, c: RestCase): Promise<Record<string, string>> {
  switch (api.name) {
    case 'PARROT AI':
    case 'AIDeer':
    case 'AI API Playground':
      return { authorization: `Bearer ${c.fresh ? await freshAttackerToken() : f.attacker.token}` };
    case 'MyMoodAI':
    case 'OpenAI-compatible API':
      return { authorization: `Bearer ${f.attacker.key}` };
    case 'AI Image Generator':
      return { cookie: `session=${c.fresh ? await freshAttackerCookie() : f.attacker.cookie}` };
    default:
      throw new Error(`${api.name}: say how its callers authenticate`);
  }
}

async function runRoute(api: Api, route: Route, c: RestCase, who: Who) {
  const params = c.params ? c.params(f) : {};
  const path =
    api.base.replace(/\/$/, '') +
    route.path.replace(/\{(\w+)\}/g, (_m, name: string) => {
      assert.ok(name in params, `${keyOf(api, route)}: the case gives {${name}}`);
      return encodeURIComponent(String(params[name]));
    }) +
    (c.query ? `?${new URLSearchParams(c.query(f))}` : '');
  const headers = { ...(who === 'attacker' ? await credentialOf(api, c) : {}), ...(c.headers ? c.headers(f, who) : {}) };
  const json = c.json?.(f);
  const urlencoded = c.urlencoded?.(f);
  const form = c.form ? await c.form(f) : undefined;
  const r = await rest(route.method, path, { headers, json, urlencoded, form });
  const label = `${who} ${keyOf(api, route)}`;
  const request = path + JSON.stringify(json ?? urlencoded ?? {}) + JSON.stringify(headers);
  const shown = `${r.status} ${r.headers.get('location') ?? ''} ${r.text.slice(0, 600)}`;
  // Never a server error, documented or not.
  assert.ok(r.status < 500, `${label}: ${shown}`);
  const expected = who === 'anon' ? c.anon : c.attacker;
  if (who === 'anon' && expected === undefined && c.kind !== 'public') {
    const refusal = ANON_REFUSAL[api.name];
    assert.ok(refusal, `${api.name}: say how it refuses callers without credentials`);
    try {
      refusal(route, r);
    } catch (err) {
      throw new Error(`${label}: ${(err as Error).message}: ${shown}`);
    }
  } else {
    const want = expected ?? (c.kind === 'owned' ? [404, 403] : c.kind === 'admin' ? [403] : 'ok');
    if (want === 'ok') assert.ok(r.status < 400, `${label}: expected an answer, got ${shown}`);
    else assert.ok(want.includes(r.status), `${label}: expected ${want.join(' or ')}, got ${shown}`);
  }
  assertNoLeak(label, `${r.headers.get('location') ?? ''}\n${r.headers.get('set-cookie') ?? ''}\n${r.text}`, request);
  return r;
}

const routes = () => REST_APIS.flatMap((api) => api.routes.map((route) => ({ api, route })));

test('every route of every REST API has a case; routes without authentication are public with a reason', () => {
  const missing = routes().filter(({ api, route }) => !REST[keyOf(api, route)]).map(({ api, route }) => keyOf(api, route));
  assert.deepEqual(missing, [], `REST routes without an authorization case: ${missing.join(', ')}`);
  const known = new Set(routes().map(({ api, route }) => keyOf(api, route)));
  const stale = Object.keys(REST).filter((k) => !known.has(k));
  assert.deepEqual(stale, [], `cases for routes that no longer exist: ${stale.join(', ')}`);
  for (const { api, route } of routes()) {
    const c = REST[keyOf(api, route)]!;
    if (route.auth === 'none') assert.ok(c.kind === 'public' || c.kind === 'debug', `${keyOf(api, route)} takes no credentials: public`);
    if (c.kind === 'public' || c.kind === 'debug') assert.ok(c.reason, `${keyOf(api, route)}: a public route says why`);
    assert.ok(ANON_REFUSAL[api.name], `${api.name}: say how it refuses callers without credentials`);
  }
  assert.ok(routes().length >= 88, `${routes().length} routes`);
});

/** Every REST route with its case, called as `who`; the victim's rows must be as they were after all of them. */
async function everyRoute(who: 'anon' | 'attacker', after: string) {
  jpegCache ||= await jpegDataUri();
  secrets = await victimSecrets();
  const before = await victimState();
  for (const { api, route } of routes()) {
    const c = REST[keyOf(api, route)];
    if (c) await runRoute(api, route, c, who);
  }
  await assertVictimUnchanged(before, after);
}

test('REST without credentials: every non-public route answers its API’s own 401 (pages: to the login page); nothing of the victim’s comes back', async () => {
  await everyRoute('anon', 'after anonymous REST calls');
});

test('REST as another user on the victim’s ids: refused or the caller’s own data, never the victim’s; the victim’s data is unchanged', async () => {
  await everyRoute('attacker', 'after the attacker’s REST calls');
  assert.equal((await ok(`query { me { databaseId } }`, {}, f.attacker.token)).me.databaseId, f.attacker.id, 'the attacker stayed signed in');
});

test('a normal user cannot raise its own role or tier, nor publish a shared preset', async () => {
  const me = (await ok(`query { me { id } }`, {}, f.attacker.token)).me;
  const calls: [string, Res, string[] | number[]][] = [
    ['updateUser on itself', await gqlRaw(`mutation($id: ID!) { updateUser(id: $id, input: { role: admin, tier: enterprise }) { role } }`, { id: me.id }, f.attacker.token), ['FORBIDDEN']],
    ['createPreset shared', await gqlRaw(`mutation { createPreset(input: { name: "for all", model: "sd15", shared: true }) { shared } }`, {}, f.attacker.token), ['FORBIDDEN']],
    ['AIDeer PUT /users/{own id} role', await rest('PUT', `/api/v1/users/${f.attacker.id}`, { headers: { authorization: `Bearer ${f.attacker.token}` }, json: { role: 'admin', tier: 'enterprise' } }), [403]],
    ['AIDeer PUT /users/{own id} disabled', await rest('PUT', `/api/v1/users/${f.attacker.id}`, { headers: { authorization: `Bearer ${f.attacker.token}` }, json: { disabled: false } }), [403]],
  ];
  for (const [what, r, want] of calls) {
    if (typeof want[0] === 'number') assert.ok((want as number[]).includes(r.status), `${what}: ${r.status} ${r.text}`);
    else assert.deepEqual((r.json?.errors ?? []).map((e: any) => e.extensions?.code), want, `${what}: ${r.text}`);
  }
  const row = await t.app.deps.prisma.user.findUniqueOrThrow({ where: { id: f.attacker.id } });
  assert.deepEqual({ role: row.role, tier: row.tier, disabled: row.disabled }, { role: 'user', tier: 'free', disabled: false });
  assert.equal(await t.app.deps.prisma.preset.count({ where: { shared: true, userId: f.attacker.id } }), 0);
});

test('stored files: the victim’s asset is served neither to another user nor, without its signed URL, to anyone else', async () => {
  secrets = await victimSecrets();
  for (const variant of ['', '/thumbnail']) {
    const path = `/assets/${f.asset.id}${variant}`;
    const callers: Record<string, string>[] = [{}, { authorization: `Bearer ${f.attacker.token}` }, { cookie: `session=${f.attacker.cookie}` }, { 'x-api-key': f.attacker.key }];
    for (const headers of callers) {
      const r = await rest('GET', path, { headers });
      assert.equal(r.status, 404, `${path} ${JSON.stringify(Object.keys(headers))}: ${r.status}`);
      assertNoLeak(path, r.text, path);
    }
    const own = await rest('GET', path, { headers: { authorization: `Bearer ${f.victim.token}` } });
    assert.equal(own.status, 200, `${path}: served to its owner`);
  }
  // A signed URL of the attacker's own asset does not open the victim's (the signature is per asset).
  const mine = (await ok(`query { assets(limit: 1) { items { url } } }`, {}, f.attacker.token)).assets.items[0];
  assert.ok(mine, 'the attacker has an asset of its own');
  const query = new URL(mine.url, 'http://x').search;
  const forged = await rest('GET', `/assets/${f.asset.id}${query}`);
  assert.equal(forged.status, 404);
});

test('the Playground’s AI WebSocket stream refuses each request of a caller without credentials', async () => {
  for (const path of ['/v1/ai/stream', '/api/v1/ai/stream']) {
    const ws = new WebSocket(`${t.wsUrl.replace('/graphql', '')}${path}`);
    const answer = new Promise<any>((resolve, reject) => {
      ws.once('message', (m) => resolve(JSON.parse(String(m))));
      ws.once('error', reject);
    });
    await new Promise((r, j) => (ws.once('open', r), ws.once('error', j)));
    ws.send(JSON.stringify({ id: 'x', type: 'chat', messages: [{ role: 'user', content: 'hello' }] }));
    const m = await within(answer, 10_000, path);
    ws.close();
    assert.equal(m.type, 'error', JSON.stringify(m));
    assert.equal(m.error.code, 'AUTHENTICATION_ERROR', JSON.stringify(m));
  }
});

// Seed 002 (AIDeer) over REST: every route's success and the failure statuses it documents,
// FastAPI-style errors, WeChat login against a local stand-in of WeChat's OAuth API, the task
// stream (a second connection → 422), and the DEBUG-only utilities.
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { startTestServer, type TestServer } from '../helpers/harness.js';
import { ADMIN, ADMIN_ENV } from '../helpers/ops.js';
import { png, waitForTask } from '../helpers/tasks.js';

/** WeChat's sns/oauth2/access_token, as WeChat answers it: codes map to openids; errors as errcode/errmsg. */
let wechatDown = false;
const wechat = createServer((req, res) => {
  const url = new URL(req.url!, 'http://x');
  res.setHeader('content-type', 'application/json');
  if (url.pathname !== '/sns/oauth2/access_token' || url.searchParams.get('appid') !== 'wxapp' || url.searchParams.get('secret') !== 'wxsecret' || url.searchParams.get('grant_type') !== 'authorization_code') {
    return res.end(JSON.stringify({ errcode: 40013, errmsg: 'invalid appid' }));
  }
  if (wechatDown) return res.end(JSON.stringify({ errcode: -1, errmsg: 'system error' }));
  const code = url.searchParams.get('code')!;
  if (!code.startsWith('good-')) return res.end(JSON.stringify({ errcode: 40029, errmsg: 'invalid code' }));
  res.end(JSON.stringify({ access_token: 'wx-at', expires_in: 7200, refresh_token: 'wx-rt', openid: `openid-${code.slice(5)}`, scope: 'snsapi_userinfo' }));
});

let t: TestServer;
let api: string;
before(async () => {
  await new Promise<void>((r) => wechat.listen(0, '127.0.0.1', r));
  t = await startTestServer({
    ...ADMIN_ENV, DEMO_DELAY_MS: '30', SIGNUP_CREDITS: '100',
    WECHAT_API_URL: `http://127.0.0.1:${(wechat.address() as AddressInfo).port}`, WECHAT_APP_ID: 'wxapp', WECHAT_APP_SECRET: 'wxsecret',
  });
  api = `${t.url}/api/v1`;
});
after(async () => {
  await t.close();
  wechat.close();
});

type Opts = { token?: string; json?: unknown; form?: Record<string, string>; body?: FormData; redirect?: RequestRedirect };
async function call(method: string, path: string, o: Opts = {}) {
  const headers: Record<string, string> = {};
  if (o.token) headers.authorization = `Bearer ${o.token}`;
  let body: BodyInit | undefined = o.body;
  if (o.json !== undefined) (headers['content-type'] = 'application/json'), (body = JSON.stringify(o.json));
  if (o.form) (headers['content-type'] = 'application/x-www-form-urlencoded'), (body = new URLSearchParams(o.form).toString());
  const res = await fetch(api + path, { method, headers, body, redirect: o.redirect ?? 'follow' });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text && res.headers.get('content-type')?.includes('json') ? JSON.parse(text) : text };
}
const detail = (r: { status: number; body: any }, status: number) => {
  assert.equal(r.status, status, JSON.stringify(r.body));
  assert.ok(r.body.detail, JSON.stringify(r.body));
};
let n = 0;
async function signIn(username: string, password: string) {
  const r = await call('POST', '/session/oauth2/token', { form: { grant_type: 'password', username, password } });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body.access_token as string;
}
async function account(admin: string) {
  const username = `deer${process.pid}n${++n}`;
  const r = await call('POST', '/users', { token: admin, json: { username, email: `${username}@example.com`, password: 'Passw0rdX' } });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return { id: r.body.id as number, username, token: await signIn(username, 'Passw0rdX') };
}

test('session: OAuth2 password token (200, 401, 422); WeChat code login against the stand-in (200, 401, 422, 500) and refresh (200, 401)', async () => {
  const admin = await signIn(ADMIN.username, ADMIN.password);
  assert.ok(admin);
  detail(await call('POST', '/session/oauth2/token', { form: { username: ADMIN.username, password: 'wrong' } }), 401);
  const missing = await call('POST', '/session/oauth2/token', { form: { username: 'x' } });
  assert.equal(missing.status, 422);
  assert.deepEqual(missing.body.detail[0].loc, ['body', 'password']);

  const wx = await call('GET', '/session/wechat/token?code=good-alice');
  assert.equal(wx.status, 200, JSON.stringify(wx.body));
  const me = await call('GET', '/users/me', { token: wx.body.access_token });
  assert.match(me.body.username, /^wx_/);
  assert.equal(me.body.credits, 100, 'a new account gets the sign-up grant');
  const again = await call('GET', '/session/wechat/token?code=good-alice');
  assert.equal((await call('GET', '/users/me', { token: again.body.access_token })).body.id, me.body.id, 'the same openid is the same account');
  detail(await call('GET', '/session/wechat/token?code=expired'), 401);
  assert.equal((await call('GET', '/session/wechat/token')).status, 422);
  wechatDown = true;
  detail(await call('GET', '/session/wechat/token?code=good-bob'), 500);
  wechatDown = false;

  const fresh = await call('GET', '/session/wechat/refresh', { token: wx.body.refresh_token });
  assert.equal(fresh.status, 200);
  assert.ok(fresh.body.access_token);
  detail(await call('GET', '/session/wechat/refresh', { token: wx.body.refresh_token }), 401);
  detail(await call('GET', '/session/wechat/refresh'), 401);
});

test('users: admin list and create, me, password, avatar (307), credits and redeem, by id, delete, reset password', async () => {
  const admin = await signIn(ADMIN.username, ADMIN.password);
  const a = await account(admin);
  const b = await account(admin);
  const list = await call('GET', '/users?offset=0&limit=100', { token: admin });
  assert.equal(list.status, 200);
  assert.ok(list.body.some((u: any) => u.id === a.id));
  detail(await call('GET', '/users'), 401);
  detail(await call('GET', '/users', { token: a.token }), 403);
  const taken = await call('POST', '/users', { token: admin, json: { username: a.username, email: 'other@example.com', password: 'Passw0rdX' } });
  assert.equal(taken.status, 422);
  assert.deepEqual(taken.body.detail[0], { loc: ['body', 'username'], msg: 'is already taken', type: 'value_error' });
  const bad = await call('POST', '/users', { token: admin, json: { username: 'ok_name', password: 'Passw0rdX' } });
  assert.equal(bad.status, 422);
  assert.deepEqual(bad.body.detail[0].loc, ['body', 'email']);
  detail(await call('POST', '/users', { token: a.token, json: { username: 'x', email: 'x@example.com', password: 'Passw0rdX' } }), 403);

  assert.equal((await call('GET', '/users/me', { token: a.token })).body.username, a.username);
  detail(await call('GET', '/users/me'), 401);

  detail(await call('PUT', '/users/me/password', { token: a.token, json: { old_password: 'nope', new_password: 'N3wPassw0rd' } }), 400);
  assert.equal((await call('PUT', '/users/me/password', { token: a.token, json: { old_password: 'Passw0rdX' } })).status, 422);
  detail(await call('PUT', '/users/me/password', { json: { old_password: 'a', new_password: 'b' } }), 401);
  assert.equal((await call('PUT', '/users/me/password', { token: a.token, json: { old_password: 'Passw0rdX', new_password: 'N3wPassw0rd' } })).status, 200);
  const token = await signIn(a.username, 'N3wPassw0rd');

  const form = new FormData();
  form.set('file', new File([new Uint8Array(await png(32, 32))], 'me.png', { type: 'image/png' }));
  const up = await call('POST', '/users/me/avatar', { token, body: form });
  assert.equal(up.status, 200, JSON.stringify(up.body));
  const notImage = new FormData();
  notImage.set('file', new File([new TextEncoder().encode('hello')], 'me.png'));
  assert.equal((await call('POST', '/users/me/avatar', { token, body: notImage })).status, 422);
  assert.equal((await call('POST', '/users/me/avatar', { token, body: new FormData() })).status, 422);
  detail(await call('POST', '/users/me/avatar', { body: form }), 401);
  const redirect = await call('GET', '/users/me/avatar', { token, redirect: 'manual' });
  assert.equal(redirect.status, 307);
  const image = await fetch(new URL(redirect.headers.get('location')!, t.url));
  assert.equal(image.status, 200);
  detail(await call('GET', '/users/me/avatar', { redirect: 'manual' }), 401);
  assert.equal((await call('GET', `/users/${a.id}/avatar`, { token, redirect: 'manual' })).status, 307);
  assert.equal((await call('GET', `/users/${a.id}/avatar`, { token: admin, redirect: 'manual' })).status, 307, 'admins see any avatar');
  detail(await call('GET', `/users/${a.id}/avatar`, { token: b.token, redirect: 'manual' }), 404);
  detail(await call('GET', `/users/${b.id}/avatar`, { token: admin, redirect: 'manual' }), 404);
  assert.equal((await call('GET', '/users/abc/avatar', { token })).status, 422);

  const code = await call('POST', '/codes', { token: admin, json: { amount: 25, max_uses: 1, code: `DEER-${process.pid}-WELCOME` } });
  assert.equal(code.status, 200, JSON.stringify(code.body));
  const redeem = await call('POST', '/users/me/credits', { token, json: { code: code.body.code } });
  assert.equal(redeem.status, 200);
  assert.equal(redeem.body.available, 125);
  assert.equal((await call('POST', '/users/me/credits', { token, json: { code: code.body.code } })).status, 422, 'already redeemed');
  assert.equal((await call('POST', '/users/me/credits', { token, json: {} })).status, 422);
  detail(await call('POST', '/users/me/credits', { json: { code: 'x' } }), 401);
  const ledger = await call('GET', '/users/me/credits', { token });
  assert.equal(ledger.body.available, 125);
  assert.deepEqual(ledger.body.entries.map((e: any) => e.amount).sort(), [100, 25]);
  detail(await call('GET', '/users/me/credits'), 401);

  assert.equal((await call('GET', `/users/${a.id}`, { token })).body.username, a.username);
  detail(await call('GET', `/users/${b.id}`, { token }), 404);
  assert.equal((await call('GET', '/users/xyz', { token })).status, 422);
  detail(await call('GET', `/users/${a.id}`), 401);
  const self = await call('PUT', `/users/${a.id}`, { token, json: { full_name: 'Alice Deer' } });
  assert.equal(self.body.full_name, 'Alice Deer');
  detail(await call('PUT', `/users/${a.id}`, { token, json: { role: 'admin' } }), 403);
  detail(await call('PUT', `/users/${b.id}`, { token, json: { name: 'pwned' } }), 403);
  assert.equal((await call('PUT', `/users/${b.id}`, { token: admin, json: { tier: 'pro' } })).body.tier, 'pro');
  detail(await call('PUT', '/users/99999999', { token: admin, json: { name: 'x' } }), 404);
  assert.equal((await call('PUT', `/users/${b.id}`, { token: admin, json: { email: 'not-an-email' } })).status, 422);

  detail(await call('PUT', `/users/${b.id}/password`, { token, json: { new_password: 'N3wPassw0rd' } }), 403);
  assert.equal((await call('PUT', `/users/${b.id}/password`, { token: admin, json: {} })).status, 422);
  detail(await call('PUT', '/users/99999999/password', { token: admin, json: { new_password: 'N3wPassw0rd' } }), 404);
  assert.equal((await call('PUT', `/users/${b.id}/password`, { token: admin, json: { new_password: 'R3setPassw0rd' } })).status, 200);
  assert.ok(await signIn(b.username, 'R3setPassw0rd'));

  detail(await call('DELETE', `/users/${b.id}`, { token }), 403);
  detail(await call('DELETE', `/users/${b.id}`), 401);
  assert.equal((await call('DELETE', `/users/${b.id}`, { token: admin })).status, 200);
  detail(await call('DELETE', `/users/${b.id}`, { token: admin }), 404);
});

test('chats and presets: CRUD with offset/limit; another user’s are not found', async () => {
  const admin = await signIn(ADMIN.username, ADMIN.password);
  const a = await account(admin);
  const b = await account(admin);
  const made = await call('POST', '/chats', { token: a.token, json: { title: 'Travel plans', model: 'minimax', system_prompt: 'Be brief.' } });
  assert.equal(made.status, 200);
  assert.equal(made.body.system_prompt, 'Be brief.');
  await call('POST', '/chats', { token: a.token, json: { title: 'Second' } });
  assert.equal((await call('GET', '/chats?offset=1&limit=1', { token: a.token })).body.length, 1);
  assert.equal((await call('GET', '/chats?limit=abc', { token: a.token })).status, 422);
  detail(await call('GET', '/chats'), 401);
  assert.equal((await call('POST', '/chats', { token: a.token, json: { model: 'sdxl' } })).status, 422);
  assert.equal((await call('GET', `/chats/${made.body.id}`, { token: a.token })).body.messages.length, 0);
  assert.equal((await call('PUT', `/chats/${made.body.id}`, { token: a.token, json: { title: 'Renamed' } })).body.title, 'Renamed');
  for (const [m, body] of [['GET', undefined], ['PUT', { title: 'x' }], ['DELETE', undefined]] as const) detail(await call(m, `/chats/${made.body.id}`, { token: b.token, json: body }), 404);
  assert.equal((await call('DELETE', `/chats/${made.body.id}`, { token: a.token })).status, 200);
  detail(await call('GET', `/chats/${made.body.id}`, { token: a.token }), 404);

  const p = await call('POST', '/presets', { token: a.token, json: { name: 'Tiny images', model: 'sd15', parameters: { width: 256, height: 256, steps: 20 } } });
  assert.equal(p.status, 200);
  assert.deepEqual(p.body.parameters, { width: 256, height: 256, steps: 20 });
  detail(await call('POST', '/presets', { token: a.token, json: { name: 'shared', shared: true } }), 403);
  assert.equal((await call('POST', '/presets', { token: a.token, json: { name: '' } })).status, 422);
  assert.equal((await call('GET', '/presets', { token: a.token })).body.length, 1);
  assert.equal((await call('GET', `/presets/${p.body.id}`, { token: a.token })).body.name, 'Tiny images');
  assert.equal((await call('PUT', `/presets/${p.body.id}`, { token: a.token, json: { name: 'Small' } })).body.name, 'Small');
  for (const m of ['GET', 'DELETE'] as const) detail(await call(m, `/presets/${p.body.id}`, { token: b.token }), 404);
  assert.equal((await call('DELETE', `/presets/${p.body.id}`, { token: a.token })).status, 200);
});

test('codes: read without sign-in, admin create and delete; tasks: create, read, delete only when finished, live stream with one connection per task', async () => {
  const admin = await signIn(ADMIN.username, ADMIN.password);
  const a = await account(admin);
  const code = await call('POST', '/codes', { token: admin, json: { amount: 10, code: `DEER-${process.pid}-READ` } });
  const read = await call('GET', `/codes/${code.body.code}`);
  assert.equal(read.status, 200);
  assert.equal(read.body.amount, 10);
  assert.equal((await call('GET', '/codes/NO-SUCH-CODE')).status, 422);
  detail(await call('POST', '/codes', { token: a.token, json: { amount: 10 } }), 403);
  detail(await call('POST', '/codes', { json: { amount: 10 } }), 401);
  assert.equal((await call('POST', '/codes', { token: admin, json: { amount: -5 } })).status, 422);
  detail(await call('DELETE', `/codes/${code.body.code}`, { token: a.token }), 403);
  assert.equal((await call('DELETE', `/codes/${code.body.code}`, { token: admin })).status, 200);
  assert.equal((await call('DELETE', '/codes/NO-SUCH-CODE', { token: admin })).status, 422);

  const task = await call('POST', '/tasks', { token: a.token, json: { kind: 'image.generate', model: 'sdxl', prompt: 'a deer in a misty forest', width: 128, height: 128 } });
  assert.equal(task.status, 200, JSON.stringify(task.body));
  assert.equal(task.body.status, 'queued');
  const id = task.body.id;
  const first = await fetch(`${api}/tasks/${id}/stream`, { headers: { authorization: `Bearer ${a.token}` } });
  assert.equal(first.status, 200);
  assert.match(first.headers.get('content-type')!, /text\/event-stream/);
  const events = (await first.text()).split('\n\n').filter((b) => b.includes('data: ')).map((b) => JSON.parse(b.split('data: ')[1]!));
  assert.equal(events.at(-1).status, 'succeeded', 'the stream ends when the task does');
  assert.equal(events.at(-1).result.assets.length, 1);

  // A task that stays unfinished (queued, no worker takes it): one stream at a time, no delete.
  const held = await t.app.deps.prisma.task.create({ data: { userId: a.id, kind: 'image_generate', modelId: 'sdxl', input: { prompt: 'held' }, status: 'queued' } });
  const open = await fetch(`${api}/tasks/${held.id}/stream`, { headers: { authorization: `Bearer ${a.token}` } });
  assert.equal(open.status, 200);
  const second = await call('GET', `/tasks/${held.id}/stream`, { token: a.token });
  assert.equal(second.status, 422);
  assert.match(second.body.detail, /already open/);
  detail(await call('DELETE', `/tasks/${held.id}`, { token: a.token }), 422);
  const cancel = await fetch(`${t.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${a.token}` }, body: JSON.stringify({ query: `mutation { cancelTask(id: "${held.id}") { status } }` }) });
  assert.equal(((await cancel.json()) as any).data.cancelTask.status, 'canceled');
  const heldEvents = (await open.text()).split('\n\n').filter((b) => b.includes('data: ')).map((b) => JSON.parse(b.split('data: ')[1]!));
  assert.equal(heldEvents.at(-1).status, 'canceled');
  const again = await fetch(`${api}/tasks/${held.id}/stream`, { headers: { authorization: `Bearer ${a.token}` } });
  assert.equal(again.status, 200, 'the stream is free again once the first ended');
  await again.text();
  // A client that goes away frees the task's stream too.
  const quiet = await t.app.deps.prisma.task.create({ data: { userId: a.id, kind: 'image_generate', modelId: 'sdxl', input: { prompt: 'quiet' }, status: 'queued' } });
  const abort = new AbortController();
  const gone = await fetch(`${api}/tasks/${quiet.id}/stream`, { headers: { authorization: `Bearer ${a.token}` }, signal: abort.signal });
  assert.equal(gone.status, 200);
  abort.abort();
  let reopened = 422;
  for (let i = 0; i < 40 && reopened === 422; i++) {
    await new Promise((r) => setTimeout(r, 50));
    const r = await fetch(`${api}/tasks/${quiet.id}/stream`, { headers: { authorization: `Bearer ${a.token}` } });
    reopened = r.status;
    await r.body?.cancel();
  }
  assert.equal(reopened, 200, 'no stream is left holding the task after its client left');
  await t.app.deps.prisma.task.update({ where: { id: quiet.id }, data: { status: 'canceled' } });
  assert.equal((await call('DELETE', `/tasks/${held.id}`, { token: a.token })).status, 200);

  assert.equal((await call('GET', `/tasks/${id}`, { token: a.token })).body.status, 'succeeded');
  const other = await account(admin);
  detail(await call('GET', `/tasks/${id}`, { token: other.token }), 404);
  detail(await call('GET', `/tasks/${id}/stream`, { token: other.token }), 404);
  assert.equal((await call('GET', '/tasks/abc', { token: a.token })).status, 422);
  detail(await call('DELETE', `/tasks/${id}`, { token: other.token }), 404);
  assert.equal((await call('DELETE', `/tasks/${id}`, { token: a.token })).status, 200);

  const chat = await call('POST', '/tasks', { token: a.token, json: { kind: 'text.chat', model: 'minimax', messages: [{ role: 'user', content: 'hi' }], max_tokens: 20 } });
  assert.equal(chat.status, 200);
  assert.ok((await waitForTask(t, chat.body.id)).status === 'succeeded');
  assert.ok((await call('GET', `/tasks/${chat.body.id}`, { token: a.token })).body.result.texts[0].length > 0);
  assert.equal((await call('POST', '/tasks', { token: a.token, json: { kind: 'image.explode', model: 'sdxl' } })).status, 422);
  assert.equal((await call('POST', '/tasks', { token: a.token, json: { kind: 'image.generate', model: 'sdxl' } })).status, 422);
  detail(await call('POST', '/tasks', { token: a.token, json: { kind: 'image.generate', model: 'no-such-model', prompt: 'x' } }), 404);
  detail(await call('POST', '/tasks', { json: { kind: 'image.generate', model: 'sdxl', prompt: 'x' } }), 401);
  await t.app.deps.prisma.creditAccount.update({ where: { userId: a.id }, data: { available: 0 } });
  detail(await call('POST', '/tasks', { token: a.token, json: { kind: 'image.generate', model: 'sdxl', prompt: 'x' } }), 402);
});

test('utils answer only when DEBUG is on', async () => {
  for (const u of ['init', 'admin', 'drop']) detail(await call('GET', `/utils/${u}`), 404);
  const dbg = await startTestServer({ DEBUG: 'true' });
  try {
    const get = async (p: string) => {
      const r = await fetch(`${dbg.url}/api/v1/utils/${p}`);
      return { status: r.status, body: (await r.json()) as any };
    };
    assert.deepEqual((await get('init')).body, { detail: 'initialized', ok: true });
    const admin = await get('admin');
    assert.equal(admin.status, 200);
    const login = await fetch(`${dbg.url}/api/v1/session/oauth2/token`, { method: 'POST', body: new URLSearchParams({ username: 'admin', password: admin.body.password }) });
    assert.equal(login.status, 200);
    const dropped = await get('drop');
    assert.equal(dropped.status, 200);
    assert.ok(dropped.body.users >= 1);
    assert.equal(await dbg.app.deps.prisma.user.count(), 0);
  } finally {
    await dbg.close();
  }
});

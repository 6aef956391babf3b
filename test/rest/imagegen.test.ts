// Seed 003 (AI Image Generator): cookie login with a password or a Google ID token (verified
// against a local JWKS), multipart generation per model, status, the library pages, download,
// delete, model info, the legacy delete-image and clear-generation-state.
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { startTestServer, type TestServer } from '../helpers/harness.js';
import { newUser, PASSWORD } from '../helpers/ops.js';
import { png, waitForTask } from '../helpers/tasks.js';

const keys = await generateKeyPair('RS256');
const jwk = { ...(await exportJWK(keys.publicKey)), kid: 'test-key', alg: 'RS256', use: 'sig' };
const jwks = createServer((_req, res) => {
  res.setHeader('content-type', 'application/json');
  res.end(JSON.stringify({ keys: [jwk] }));
});
const CLIENT_ID = 'genhub-test.apps.googleusercontent.com';
const idToken = (claims: Record<string, unknown>, opts: { aud?: string; exp?: string; key?: CryptoKey } = {}) =>
  new SignJWT({ email_verified: true, ...claims })
    .setProtectedHeader({ alg: 'RS256', kid: 'test-key' })
    .setIssuer('https://accounts.google.com')
    .setAudience(opts.aud ?? CLIENT_ID)
    .setIssuedAt()
    .setExpirationTime(opts.exp ?? '1h')
    .sign(opts.key ?? keys.privateKey);

let t: TestServer;
before(async () => {
  await new Promise<void>((r) => jwks.listen(0, '127.0.0.1', r));
  t = await startTestServer({
    DEMO_DELAY_MS: '20', SIGNUP_CREDITS: '200', GOOGLE_CLIENT_ID: CLIENT_ID,
    GOOGLE_JWKS_URL: `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/certs`,
    PROVIDERS: JSON.stringify({ dead: { type: 'sdwebui', url: 'http://127.0.0.1:9', timeoutMs: 300 } }),
    MODEL_PROVIDERS: JSON.stringify({ recraft: { provider: 'dead' } }),
    TASK_MAX_ATTEMPTS: '1',
  });
});
after(async () => {
  await t.close();
  jwks.close();
});

async function req(method: string, path: string, o: { cookie?: string; json?: unknown; form?: FormData; redirect?: RequestRedirect } = {}) {
  const headers: Record<string, string> = {};
  if (o.cookie) headers.cookie = `session=${o.cookie}`;
  let body: BodyInit | undefined = o.form;
  if (o.json !== undefined) (headers['content-type'] = 'application/json'), (body = JSON.stringify(o.json));
  const res = await fetch(t.url + path, { method, headers, body, redirect: o.redirect ?? 'manual' });
  const text = await res.text();
  return { status: res.status, headers: res.headers, text, body: res.headers.get('content-type')?.includes('json') ? JSON.parse(text) : null };
}
async function signIn() {
  const u = await newUser(t, 'img');
  const r = await req('POST', '/auth/login', { json: { username: u.username, password: PASSWORD } });
  assert.equal(r.status, 200, r.text);
  const cookie = /session=([^;]+)/.exec(r.headers.get('set-cookie')!)![1]!;
  return { ...u, cookie };
}
const form = (fields: Record<string, string | Blob>) => {
  const f = new FormData();
  for (const [k, v] of Object.entries(fields)) f.set(k, v as any);
  return f;
};
const pngFile = async (w = 64, h = 64) => new Blob([new Uint8Array(await png(w, h))], { type: 'image/png' });

test('login: username and password (cookie, HttpOnly), Google credential verified against the JWKS, refusals; logout', async () => {
  const u = await newUser(t, 'img');
  const ok = await req('POST', '/auth/login', { json: { username: u.username, password: PASSWORD } });
  assert.deepEqual(ok.body, { success: true, redirect_url: '/dashboard' });
  const setCookie = ok.headers.get('set-cookie')!;
  assert.match(setCookie, /^session=[^;]+; Path=\/; HttpOnly; SameSite=Lax; Max-Age=\d+/);
  const bad = await req('POST', '/auth/login', { json: { username: u.username, password: 'nope' } });
  assert.equal(bad.status, 401);
  assert.deepEqual(bad.body, { success: false, message: 'Invalid credentials' });
  assert.equal((await req('POST', '/auth/login', { json: {} })).status, 400);

  const google = await req('POST', '/auth/login', { json: { credential: await idToken({ sub: 'g-123', email: 'ada@example.com', name: 'Ada' }) } });
  assert.equal(google.status, 200, google.text);
  const gCookie = /session=([^;]+)/.exec(google.headers.get('set-cookie')!)![1]!;
  const dash = await req('GET', '/dashboard', { cookie: gCookie });
  assert.equal(dash.status, 200);
  assert.match(dash.text, /Credits: <strong id="credits">200<\/strong>/);
  const again = await req('POST', '/auth/login', { json: { credential: await idToken({ sub: 'g-123', email: 'ada@example.com' }) } });
  assert.equal(again.status, 200);
  assert.equal(await t.app.deps.prisma.user.count({ where: { googleSub: 'g-123' } }), 1, 'the same Google account is one user');
  for (const cred of [await idToken({ sub: 'g-1' }, { aud: 'someone-else' }), await idToken({ sub: 'g-1' }, { exp: '-1m' }), await idToken({ sub: 'g-1' }, { key: (await generateKeyPair('RS256')).privateKey }), 'not.a.jwt']) {
    const r = await req('POST', '/auth/login', { json: { credential: cred } });
    assert.equal(r.status, 401, r.text);
    assert.equal(r.body.success, false);
  }

  // Another site cannot sign the user out.
  const forged = await fetch(`${t.url}/auth/logout`, { headers: { cookie: `session=${gCookie}`, 'sec-fetch-site': 'cross-site' }, redirect: 'manual' });
  assert.equal(forged.status, 302);
  assert.equal(forged.headers.get('location'), '/dashboard');
  assert.equal(forged.headers.get('set-cookie'), null);
  assert.equal((await req('GET', '/dashboard', { cookie: gCookie })).status, 200, 'still signed in');
  const out = await req('GET', '/auth/logout', { cookie: gCookie });
  assert.equal(out.status, 302);
  assert.equal(out.headers.get('location'), '/login');
  assert.match(out.headers.get('set-cookie')!, /Max-Age=0/);
  const after = await req('GET', '/library', { cookie: gCookie });
  assert.equal(after.status, 302, 'the revoked cookie no longer works');
  assert.match(after.headers.get('location')!, /^\/login\?next=%2Flibrary/);
});

test('generate: text-to-image, image-to-video, inpainting, the documented requirements and limits; status', async () => {
  const u = await signIn();
  const flux = await req('POST', '/api/generate', { cookie: u.cookie, form: form({ prompt: 'A beautiful sunset over mountains', model: 'flux' }) });
  assert.equal(flux.status, 200, flux.text);
  assert.equal(flux.body.results.length, 1);
  assert.equal(flux.body.results[0].type, 'image');
  assert.equal(flux.body.results[0].thumbnail_url, null);
  const img = await fetch(t.url + flux.body.results[0].url);
  assert.equal(img.status, 200);

  const video = await req('POST', '/api/generate', { cookie: u.cookie, form: form({ model: 'stable_video', image: await pngFile() }) });
  assert.equal(video.status, 200, video.text);
  assert.equal(video.body.results[0].type, 'video');
  assert.ok(video.body.results[0].thumbnail_url);
  // The video's short link, as documented: its owner is sent to the file; others find nothing.
  const link = video.body.results[0].url as string;
  assert.match(link, /^\/video\/[\w-]+$/);
  const go = await req('GET', link, { cookie: u.cookie });
  assert.equal(go.status, 302, go.text);
  const file = await fetch(t.url + go.headers.get('location'));
  assert.equal(file.status, 200);
  assert.equal(file.headers.get('content-type'), 'image/webp');
  assert.equal((await req('GET', link)).status, 401);
  assert.equal((await req('GET', link, { cookie: (await signIn()).cookie })).status, 404);
  assert.equal((await req('GET', '/video/no-such-key', { cookie: u.cookie })).status, 404);
  const inpaint = await req('POST', '/api/generate', { cookie: u.cookie, form: form({ model: 'flux_pro', prompt: 'a red door', image: await pngFile(), mask: await pngFile() }) });
  assert.equal(inpaint.status, 200, inpaint.text);
  const hybrid = await req('POST', '/api/generate', { cookie: u.cookie, form: form({ model: 'stable_diffusion', prompt: 'watercolour', image: await pngFile() }) });
  assert.equal(hybrid.status, 200, hybrid.text);

  const refusals: [Record<string, string | Blob>, number, RegExp][] = [
    [{ model: 'flux' }, 400, /prompt/],
    [{ model: 'stable_video' }, 400, /image/],
    [{ model: 'flux_pro', prompt: 'x' }, 400, /image/],
    [{ model: 'flux_pro', prompt: 'x', image: await pngFile() }, 400, /mask/],
    [{ model: 'no-such-model', prompt: 'x' }, 400, /Invalid model selected/],
    [{ prompt: 'x' }, 400, /model/],
    [{ model: 'flux', prompt: 'x', image: new Blob([new Uint8Array(10 * 1024 * 1024 + 1)], { type: 'image/png' }) }, 413, /10 MB/],
    [{ model: 'stable_video', image: new Blob([new TextEncoder().encode('not an image')], { type: 'image/png' }) }, 400, /PNG|JPEG|image/],
  ];
  for (const [fields, status, message] of refusals) {
    const r = await req('POST', '/api/generate', { cookie: u.cookie, form: form(fields) });
    assert.equal(r.status, status, `${JSON.stringify(Object.keys(fields))}: ${r.text}`);
    assert.equal(r.body.success, false);
    assert.match(r.body.message, message);
  }
  assert.equal((await req('POST', '/api/generate', { form: form({ model: 'flux', prompt: 'x' }) })).status, 401);

  const failed = await req('POST', '/api/generate', { cookie: u.cookie, form: form({ model: 'recraft', prompt: 'a logo' }) });
  assert.equal(failed.status, 502, failed.text);
  const status = await req('GET', `/api/generation-status/${flux.body.request_id}`, { cookie: u.cookie });
  assert.deepEqual(status.body, { status: 'completed', results: flux.body.results });
  const task = await t.app.deps.prisma.task.findFirstOrThrow({ where: { userId: u.user.databaseId, modelId: 'recraft' } });
  const gone = await req('GET', `/api/generation-status/${task.requestId}`, { cookie: u.cookie });
  assert.equal(gone.status, 500);
  assert.equal(gone.body.error, 'Generation likely failed or timed out');
  const other = await signIn();
  assert.equal((await req('GET', `/api/generation-status/${flux.body.request_id}`, { cookie: other.cookie })).status, 404);
  assert.equal((await req('GET', `/api/generation-status/${flux.body.request_id}`)).status, 401);

  const broke = await signIn();
  await t.app.deps.prisma.creditAccount.update({ where: { userId: broke.user.databaseId }, data: { available: 0 } });
  assert.equal((await req('POST', '/api/generate', { cookie: broke.cookie, form: form({ model: 'flux', prompt: 'x' }) })).status, 402);
});

test('library and asset pages, download, delete (also by URL), model info, clear-generation-state', async () => {
  const u = await signIn();
  const a = await req('POST', '/api/generate', { cookie: u.cookie, form: form({ prompt: 'first', model: 'flux' }) });
  const v = await req('POST', '/api/generate', { cookie: u.cookie, form: form({ model: 'stable_video', image: await pngFile() }) });
  const b = await req('POST', '/api/generate', { cookie: u.cookie, form: form({ prompt: 'second <script>alert(1)</script>', model: 'flux' }) });
  const [ia, iv, ib] = [a.body.results[0].id, v.body.results[0].id, b.body.results[0].id];

  const all = await req('GET', '/library', { cookie: u.cookie });
  assert.equal(all.status, 200);
  assert.match(all.headers.get('content-type')!, /text\/html/);
  const order = (html: string) => [...html.matchAll(/data-id="(\d+)"/g)].map((m) => Number(m[1]));
  assert.deepEqual(order(all.text), [ib, iv, ia]);
  assert.deepEqual(order((await req('GET', '/library?type=image&sort=oldest', { cookie: u.cookie })).text), [ia, ib]);
  assert.deepEqual(order((await req('GET', '/library?type=video', { cookie: u.cookie })).text), [iv]);
  assert.equal((await req('GET', '/library?type=audio', { cookie: u.cookie })).status, 400);
  assert.equal((await req('GET', '/library')).status, 302);

  const page = await req('GET', `/asset/${ib}`, { cookie: u.cookie });
  assert.equal(page.status, 200);
  assert.ok(!page.text.includes('<script>alert(1)</script>'), 'the prompt is escaped');
  assert.match(page.text, /&lt;script&gt;alert\(1\)&lt;\/script&gt;/);
  assert.match(page.text, new RegExp(`/asset/${ib}/download`));
  const other = await signIn();
  assert.equal((await req('GET', `/asset/${ib}`, { cookie: other.cookie })).status, 404);
  assert.equal((await req('GET', '/asset/abc', { cookie: u.cookie })).status, 404);

  const dl = await fetch(`${t.url}/asset/${ib}/download`, { headers: { cookie: `session=${u.cookie}` } });
  assert.equal(dl.status, 200);
  assert.match(dl.headers.get('content-disposition')!, /^attachment; filename=/);
  assert.ok((await dl.arrayBuffer()).byteLength > 0);
  assert.equal((await req('GET', `/asset/${ib}/download`, { cookie: other.cookie })).status, 404);

  const info = await req('GET', '/api/model-info/flux', { cookie: u.cookie });
  assert.equal(info.body.name, 'FLUX.1 [dev]');
  assert.ok(info.body.info.what_is && info.body.info.use_cases && info.body.info.tips);
  const bad = await req('GET', '/api/model-info/nope', { cookie: u.cookie });
  assert.equal(bad.status, 404);
  assert.equal(bad.body.error, 'Invalid model ID');

  const notMine = await req('DELETE', `/api/assets/${ib}`, { cookie: other.cookie });
  assert.deepEqual([notMine.status, notMine.body], [404, { success: false, error: 'Asset not found' }]);
  assert.equal((await req('DELETE', `/api/assets/${ib}`)).status, 401);
  const del = await req('DELETE', `/api/assets/${ib}`, { cookie: u.cookie });
  assert.deepEqual(del.body, { success: true, message: 'Asset deleted successfully' });
  assert.equal((await req('DELETE', `/api/assets/${ib}`, { cookie: u.cookie })).status, 404);

  const byUrl = await req('POST', '/api/delete-image', { cookie: u.cookie, json: { url: a.body.results[0].url } });
  assert.deepEqual(byUrl.body, { success: true });
  assert.equal((await req('POST', '/api/delete-image', { cookie: u.cookie, json: { url: a.body.results[0].url } })).status, 404);
  assert.equal((await req('POST', '/api/delete-image', { cookie: u.cookie, json: {} })).status, 400);
  assert.deepEqual(order((await req('GET', '/library', { cookie: u.cookie })).text), [iv]);

  // Unfinished generations are canceled and their credits released.
  const slow = await t.app.deps.prisma.task.create({ data: { userId: u.user.databaseId, kind: 'image_generate', modelId: 'flux', input: { prompt: 'never runs' }, status: 'queued' } });
  const clear = await req('POST', '/api/clear-generation-state', { cookie: u.cookie });
  assert.equal(clear.body.success, true);
  assert.equal(clear.body.message, 'Generation state cleared successfully');
  assert.equal((await waitForTask(t, slow.id)).status, 'canceled');
  assert.equal((await req('POST', '/api/clear-generation-state')).status, 401);
});

test('the login page cannot be turned into script or an open redirect; bodies over the limit are refused while read', async () => {
  const evil = await req('GET', `/login?next=${encodeURIComponent('/</script><script>alert(1)</script>')}`);
  assert.equal(evil.status, 200);
  assert.ok(!evil.text.includes('<script>alert(1)'), 'no injected script element');
  for (const next of ['//evil.example/x', '/\\evil.example', 'https://evil.example/', '/\t/evil.example']) {
    const page = await req('GET', `/login?next=${encodeURIComponent(next)}`);
    assert.ok(!page.text.includes('evil.example'), next);
  }
  const u = await newUser(t, 'img');
  const login = await req('POST', '/auth/login', { json: { username: u.username, password: PASSWORD, next: '//evil.example' } });
  assert.equal(login.body.redirect_url, '/dashboard');
  const kept = await req('POST', '/auth/login', { json: { username: u.username, password: PASSWORD, next: '/library?type=image' } });
  assert.equal(kept.body.redirect_url, '/library?type=image');

  // Within the REST limit (60 MB) but over GraphQL Yoga's default one (25 MB), sent on as one
  // operation: answered as the route answers such input, not as a server error.
  const big = await req('POST', '/auth/login', { json: { username: 'u'.repeat(30 * 1024 * 1024), password: PASSWORD } });
  assert.ok(big.status >= 400 && big.status < 500 && big.status !== 413, `${big.status} ${big.text.slice(0, 200)}`);

  // A chunked body (no content-length) over 60 MB.
  const chunk = new Uint8Array(1024 * 1024).fill(32);
  let sent = 0;
  const body = new ReadableStream({
    pull(c) {
      if (sent++ < 62) c.enqueue(chunk);
      else c.close();
    },
  });
  const res = await fetch(`${t.url}/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body, duplex: 'half' } as RequestInit);
  assert.equal(res.status, 413);
});

test('cookie changes must come from this site: a cross-site form post is refused', async () => {
  const u = await signIn();
  const asset = await req('POST', '/api/generate', { cookie: u.cookie, form: form({ prompt: 'keep me', model: 'flux' }) });
  const id = asset.body.results[0].id;
  const cross = await fetch(`${t.url}/api/assets/${id}`, { method: 'DELETE', headers: { cookie: `session=${u.cookie}`, origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' } });
  assert.equal(cross.status, 403);
  const login = await fetch(`${t.url}/auth/login`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'https://evil.example' }, body: 'username=x&password=y' });
  assert.equal(login.status, 403, 'no login CSRF');
  const same = await fetch(`${t.url}/api/assets/${id}`, { method: 'DELETE', headers: { cookie: `session=${u.cookie}`, origin: t.url, 'sec-fetch-site': 'same-origin' } });
  assert.equal(same.status, 200);
});


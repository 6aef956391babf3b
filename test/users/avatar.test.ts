import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startTestServer, type TestServer } from '../helpers/harness.js';
import { MeDoc, newUser } from '../helpers/ops.js';

let t: TestServer;
before(async () => {
  t = await startTestServer({ AVATAR_MAX_BYTES: '2048' });
});
after(() => t.close());

// The smallest valid PNG: 1×1, one transparent pixel.
const PNG = Buffer.from(
  '89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082',
  'hex',
);

async function upload(token: string, bytes: Uint8Array, name: string, headers: Record<string, string> = { 'x-graphql-yoga-csrf': '1' }) {
  const form = new FormData();
  form.set('operations', JSON.stringify({ query: 'mutation ($file: File!) { uploadAvatar(file: $file) { avatarUrl } }', variables: { file: null } }));
  form.set('map', JSON.stringify({ 0: ['variables.file'] }));
  form.set('0', new File([new Uint8Array(bytes)], name));
  const res = await fetch(`${t.url}/graphql`, { method: 'POST', body: form, headers: { authorization: `Bearer ${token}`, ...headers } });
  return { status: res.status, body: (await res.json()) as any };
}

test('a PNG becomes the avatar and is served with its content type', async () => {
  const u = await newUser(t);
  const r = await upload(u.token, PNG, 'me.png');
  const url: string = r.body.data.uploadAvatar.avatarUrl;
  assert.match(url, /^\/avatars\/\d+-[0-9a-f]+\.png$/);
  const res = await fetch(t.url + url);
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('content-type'), 'image/png');
  assert.deepEqual(Buffer.from(await res.arrayBuffer()), PNG);
  assert.equal((await t.ok(MeDoc, undefined, { token: u.token })).me.avatarUrl, url);
});

test('the type is judged by content, not by name', async () => {
  const u = await newUser(t);
  const r = await upload(u.token, Buffer.from('<svg onload=alert(1)>'), 'evil.png');
  assert.equal(r.body.errors[0].extensions.code, 'BAD_USER_INPUT');
  assert.equal(r.body.errors[0].extensions.field, 'file');
  // a real PNG under another name is fine
  const ok = await upload(u.token, PNG, 'avatar.txt');
  assert.match(ok.body.data.uploadAvatar.avatarUrl, /\.png$/);
});

test('files over the size limit and empty files are refused', async () => {
  const u = await newUser(t);
  const big = Buffer.concat([PNG, Buffer.alloc(4096)]);
  const r = await upload(u.token, big, 'big.png');
  assert.equal(r.body.errors[0].extensions.code, 'PAYLOAD_TOO_LARGE');
  const empty = await upload(u.token, new Uint8Array(), 'empty.png');
  assert.equal(empty.body.errors[0].extensions.field, 'file');
  assert.equal((await t.ok(MeDoc, undefined, { token: u.token })).me.avatarUrl, null);
});

test('a multipart request without a CSRF header is refused (browser form posts)', async () => {
  const u = await newUser(t);
  const r = await upload(u.token, PNG, 'me.png', {});
  assert.equal(r.status, 403);
  assert.equal((await t.ok(MeDoc, undefined, { token: u.token })).me.avatarUrl, null);
});

test('anonymous uploads are UNAUTHENTICATED', async () => {
  const r = await upload('', PNG, 'me.png');
  assert.equal(r.body.errors[0].extensions.code, 'UNAUTHENTICATED');
});

test('avatar paths cannot leave the avatar folder, and malformed ones are 404', async () => {
  for (const path of ['/avatars/..%2F..%2Fjwt-secret', '/avatars/%E0%A4%A', '/avatars/../jwt-secret', '/avatars/nope.png']) {
    const res = await fetch(t.url + path);
    assert.equal(res.status, 404, path);
    assert.doesNotMatch(await res.text(), /[A-Za-z0-9_-]{40,}/, 'no secret is served');
  }
});

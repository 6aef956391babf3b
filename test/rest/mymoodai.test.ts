// Seed 001 (MyMoodAI) over REST with an API key: the eight-step workflow, each documented
// failure, the error envelope, and the curl example.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { after, before, test } from 'node:test';

// curl runs beside the server (same process): asynchronously, or it would wait on itself.
const curl = async (args: string[]) => (await promisify(execFile)('curl', args)).stdout;
import sharp from 'sharp';
import { graphql } from '../gql/index.js';
import { startTestServer, type TestServer } from '../helpers/harness.js';
import { newUser } from '../helpers/ops.js';

const CreateKey = graphql(`mutation MoodKey($input: CreateApiKeyInput!) { createApiKey(input: $input) { key } }`);

let t: TestServer;
before(async () => {
  t = await startTestServer({ DEMO_DELAY_MS: '10', SIGNUP_CREDITS: '500' });
});
after(() => t.close());

async function apiKey(permissions = ['orders:read', 'orders:write']) {
  const u = await newUser(t);
  return { user: u, key: (await t.ok(CreateKey, { input: { name: 'mood', permissions } }, { token: u.token })).createApiKey.key };
}
async function call(key: string | null, method: string, path: string, body?: unknown) {
  const res = await fetch(`${t.url}/rest/api${path}`, {
    method,
    headers: { ...(key ? { authorization: `Bearer ${key}` } : {}), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as any };
}
const refused = (r: { status: number; body: any }, status: number, message?: RegExp) => {
  assert.equal(r.status, status, JSON.stringify(r.body));
  assert.equal(r.body.status, 'error');
  assert.equal(typeof r.body.message, 'string');
  if (message) assert.match(r.body.message, message);
};
const selfie = async (r: number) => (await sharp({ create: { width: 80, height: 100, channels: 3, background: { r, g: 100, b: 150 } } }).jpeg().toBuffer()).toString('base64');

test('the example workflow: model order, selfies, select, run, poll to completed, generation order, run, avatars', async () => {
  const { key } = await apiKey();
  // 1
  const model = await call(key, 'POST', '/order/create/model', { styles: [112, 5, 2572], gender: 1, parent: 0 });
  assert.equal(model.status, 200);
  assert.deepEqual({ status: model.body.status, message: model.body.message }, { status: 'created', message: 'Model order created successfully' });
  const id = model.body.id as number;
  // 2
  const up1 = await call(key, 'POST', `/order/${id}/training-images/upload`, { gender: '1', image: `data:image/jpeg;base64,${await selfie(1)}` });
  assert.deepEqual({ status: up1.body.status, message: up1.body.message }, { status: 'success', message: 'Training image uploaded' });
  const up2 = await call(key, 'POST', `/order/${id}/training-images/upload`, { gender: '1', image: await selfie(2) });
  assert.equal(up2.status, 200);
  const list = await call(key, 'GET', `/order/${id}/training-images/list`);
  assert.deepEqual(list.body.map((s: any) => s.selected), [false, false]);
  assert.equal(list.body[0].gender, 1);
  // 3
  const sel = await call(key, 'GET', `/order/${id}/training-images/${list.body[1].selfie_id}/select`);
  assert.deepEqual(sel.body, { status: 'success', message: 'Selfie selected as main image' });
  assert.deepEqual((await call(key, 'GET', `/order/${id}/training-images/list`)).body.map((s: any) => s.selected), [false, true]);
  // 4
  const run = await call(key, 'GET', `/order/${id}/run`);
  assert.deepEqual(run.body, { status: 'running', message: 'Order has started processing.' });
  // 5
  let status: any;
  for (let i = 0; i < 400; i++) {
    status = (await call(key, 'GET', `/order/${id}/status`)).body;
    if (status.status === 'completed' || status.status === 'failed') break;
    await new Promise((r) => setTimeout(r, 25));
  }
  assert.equal(status.status, 'completed');
  assert.equal(status.progress, 100);
  const models = await call(key, 'GET', '/model/list');
  assert.deepEqual(models.body.map((m: any) => [m.id, m.status]), [[id, 'completed']]);
  // 6
  const gen = await call(key, 'POST', '/order/create', { styles: [112, 5], gender: 1, parent: id });
  assert.equal(gen.status, 200);
  assert.equal(gen.body.message, 'Order created successfully');
  // 7
  assert.equal((await call(key, 'GET', `/order/${gen.body.id}/run`)).status, 200);
  for (let i = 0; i < 400; i++) {
    status = (await call(key, 'GET', `/order/${gen.body.id}/status`)).body;
    if (status.status === 'completed' || status.status === 'failed') break;
    await new Promise((r) => setTimeout(r, 25));
  }
  assert.equal(status.status, 'completed');
  // 8
  const avatars = await call(key, 'GET', `/model/${id}/avatars/1`);
  assert.equal(avatars.body.length, 2);
  const image = await fetch(avatars.body[0].image_url);
  assert.equal(image.status, 200);
  assert.match(image.headers.get('content-type')!, /^image\//);
  assert.deepEqual((await call(key, 'GET', `/model/${id}/avatars/2`)).body, []);
  const onModel = await call(key, 'GET', `/model/${id}/order/list`);
  assert.deepEqual(onModel.body.map((o: any) => [o.id, o.parent, o.status]), [[gen.body.id, id, 'completed']]);
  const all = await call(key, 'GET', '/order/list');
  assert.deepEqual(all.body.map((o: any) => o.id), [id, gen.body.id]);
  const styles = await call(key, 'GET', '/styles/list');
  assert.ok(styles.body.some((s: any) => s.style_id === 112 && s.name === 'Realistic Portrait'));
});

test('documented failures, in the {status: "error", message} envelope', async () => {
  const { key } = await apiKey();
  refused(await call(null, 'GET', '/order/list'), 401, /^Unauthorized access\.$/);
  refused(await call('sk_live_' + 'x'.repeat(43), 'GET', '/order/list'), 401);
  refused(await call(key, 'POST', '/order/create/model', { styles: [112, 999999], parent: 0 }), 400, /Invalid style IDs provided/);
  refused(await call(key, 'POST', '/order/create/model', { styles: 'all', parent: 0 }), 400);
  refused(await call(key, 'POST', '/order/create', { styles: [5], parent: 0 }), 400, /parent/);
  refused(await call(key, 'POST', '/order/create', { styles: [5], parent: 999999 }), 404);
  const model = (await call(key, 'POST', '/order/create/model', { styles: [5], parent: 0 })).body.id;
  refused(await call(key, 'POST', '/order/create', { styles: [5], parent: model }), 409, /not finished training/);
  refused(await call(key, 'GET', `/order/${model}/run`), 400, /training image/);
  refused(await call(key, 'POST', `/order/${model}/training-images/upload`, { image: 'R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7' }), 400, /JPEG or PNG/);
  refused(await call(key, 'POST', `/order/${model}/training-images/upload`, { image: Buffer.from('not an image at all').toString('base64') }), 400);
  refused(await call(key, 'POST', `/order/${model}/training-images/upload`, {}), 400, /image/);
  refused(await call(key, 'POST', `/order/${model}/training-images/upload`, { image: Buffer.alloc(10 * 1024 * 1024 + 100, 7).toString('base64') }), 413);
  refused(await call(key, 'GET', `/order/${model}/training-images/99999/select`), 404);
  refused(await call(key, 'GET', `/order/abc/status`), 400);
  refused(await call(key, 'GET', `/order/999999/status`), 404);
  refused(await call(key, 'GET', `/model/${model}/avatars/0`), 400);
  const reader = await apiKey(['orders:read']);
  refused(await call(reader.key, 'POST', '/order/create/model', { styles: [5], parent: 0 }), 403);

  // Another user's order does not exist for you.
  const other = await apiKey();
  for (const [method, path] of [['GET', `/order/${model}/status`], ['GET', `/order/${model}/run`], ['GET', `/order/${model}/training-images/list`], ['GET', `/model/${model}/avatars/1`], ['GET', `/model/${model}/order/list`]] as const) {
    refused(await call(other.key, method, path), 404);
  }
  refused(await call(other.key, 'POST', `/order/${model}/training-images/upload`, { image: await selfie(9) }), 404);
});

test('the documented curl example works verbatim (with this server’s base URL and a real key)', async () => {
  const { key } = await apiKey();
  const out = await curl(['-s', '-X', 'GET', '-H', `Authorization: Bearer ${key}`, '-H', 'Content-Type: application/json', `${t.url}/rest/api/order/list`]);
  assert.deepEqual(JSON.parse(out), []);
});

// The curl examples of seed 003 (AI Image Generator), run verbatim with curl against this server:
// only the host, the session cookie's value and the file paths are this test's own.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { startTestServer, type TestServer } from '../helpers/harness.js';
import { newUser, PASSWORD } from '../helpers/ops.js';
import { mask, png } from '../helpers/tasks.js';

// curl runs beside the server (same process): asynchronously, or it would wait on itself.
const curl = async (args: string[]) => (await promisify(execFile)('curl', ['-s', ...args])).stdout;

let t: TestServer;
const dir = mkdtempSync(join(tmpdir(), 'genhub-curl-'));
before(async () => {
  t = await startTestServer({ DEMO_DELAY_MS: '10', SIGNUP_CREDITS: '100' });
  writeFileSync(join(dir, 'image.jpg'), await sharp(await png(128, 128)).jpeg().toBuffer());
  writeFileSync(join(dir, 'mask.png'), await mask(128, 128));
});
after(() => t.close());

test('seed 003: generate with FLUX, a video from an image, inpainting with FLUX Pro', async () => {
  const u = await newUser(t, 'curl');
  const login = await fetch(`${t.url}/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: u.username, password: PASSWORD }) });
  const cookie = /session=([^;]+)/.exec(login.headers.get('set-cookie')!)![1]!;
  const base = t.url;

  const flux = JSON.parse(await curl(['-X', 'POST', `${base}/api/generate`, '-H', `Cookie: session=${cookie}`, '-F', 'prompt=A beautiful sunset over mountains', '-F', 'model=flux']));
  assert.equal(flux.results[0].type, 'image');
  const video = JSON.parse(await curl(['-X', 'POST', `${base}/api/generate`, '-H', `Cookie: session=${cookie}`, '-F', 'model=stable_video', '-F', `image=@${join(dir, 'image.jpg')}`]));
  assert.equal(video.results[0].type, 'video');
  assert.ok(video.results[0].thumbnail_url);
  const inpaint = JSON.parse(
    await curl(['-X', 'POST', `${base}/api/generate`, '-H', `Cookie: session=${cookie}`, '-F', 'prompt=Replace with a red car', '-F', 'model=flux_pro', '-F', `image=@${join(dir, 'image.jpg')}`, '-F', `mask=@${join(dir, 'mask.png')}`]),
  );
  assert.equal(inpaint.results[0].type, 'image');
});

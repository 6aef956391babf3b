// The Stable Diffusion WebUI provider against a local server speaking the WebUI API.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import sharp from 'sharp';
import { createSdWebUiProvider } from '../../src/providers/sdwebui.js';
import { CanceledError, ProviderError } from '../../src/providers/types.js';
import { startSdStandIn } from '../helpers/standins/sdwebui.js';
import { png } from '../helpers/tasks.js';
import { jobOf, recorder } from './helpers.js';

let sd: Awaited<ReturnType<typeof startSdStandIn>>;
before(async () => {
  sd = await startSdStandIn({ stepMs: 15 });
});
after(() => sd.close());

const provider = (extra: Partial<Parameters<typeof createSdWebUiProvider>[0]> = {}) => createSdWebUiProvider({ url: sd.url, timeoutMs: 10_000, pollMs: 40, ...extra });

test('txt2img: every parameter mapped, progress polled while it runs, images and seeds back', async () => {
  const r = recorder();
  const out = await provider().run(
    jobOf('image.generate', { prompt: 'a castle', negativePrompt: 'blurry', width: 128, height: 96, steps: 12, cfgScale: 6.5, seed: 77, sampler: 'DPM++ 2M', count: 2 }, { model: 'sd_xl_base_1.0' }),
    r.ctx,
  );
  const call = sd.log.find((l) => l.path === '/sdapi/v1/txt2img')!;
  assert.deepEqual(
    [call.body.prompt, call.body.negative_prompt, call.body.width, call.body.height, call.body.steps, call.body.cfg_scale, call.body.seed, call.body.sampler_name, call.body.batch_size, call.body.override_settings.sd_model_checkpoint],
    ['a castle', 'blurry', 128, 96, 12, 6.5, 77, 'DPM++ 2M', 2, 'sd_xl_base_1.0'],
  );
  assert.equal(out.images!.length, 2);
  assert.deepEqual(out.images!.map((i) => i.seed), [77, 78]);
  const meta = await sharp(out.images![0]!.data).metadata();
  assert.deepEqual([meta.format, meta.width, meta.height], ['png', 128, 96]);
  assert.ok(sd.log.some((l) => l.path.startsWith('/sdapi/v1/progress')), 'progress was polled');
  const mid = r.progress.filter((p) => p.percent > 0 && p.percent < 100);
  assert.ok(mid.length >= 1, `intermediate progress: ${JSON.stringify(r.progress)}`);
  assert.match(mid[0]!.message!, /^Step \d+ of 12$/);
});

test('img2img with a mask sends the images as base64', async () => {
  sd.log.length = 0;
  const image = await png(64, 64);
  const m = await png(64, 64, { r: 255, g: 255, b: 255 });
  const out = await provider().run(jobOf('image.edit', { prompt: 'repaint', imageKey: 'i', maskKey: 'm', denoisingStrength: 0.4, width: 64, height: 64 }, {}, { i: image, m }), recorder().ctx);
  const call = sd.log.find((l) => l.path === '/sdapi/v1/img2img')!;
  assert.deepEqual(Buffer.from(call.body.init_images[0], 'base64'), image);
  assert.deepEqual(Buffer.from(call.body.mask, 'base64'), m);
  assert.equal(call.body.denoising_strength, 0.4);
  assert.equal(out.images!.length, 1);
});

test('cancel interrupts the backend and ends with CanceledError', async () => {
  const before = sd.state.interrupts;
  const r = recorder({ cancelAtProgress: 1 });
  await assert.rejects(provider().run(jobOf('image.generate', { prompt: 'long one', steps: 200, width: 64, height: 64 }), r.ctx), CanceledError);
  await new Promise((res) => setTimeout(res, 50));
  assert.equal(sd.state.interrupts, before + 1, '/sdapi/v1/interrupt was called');
});

test('errors: 5xx is retryable, 422 is not and carries the detail, unreachable and timeouts are retryable', async () => {
  sd.state.failWith = 500;
  await assert.rejects(provider().run(jobOf('image.generate', { prompt: 'x', width: 64, height: 64, steps: 1 }), recorder().ctx), (e: ProviderError) => e.retryable && e.code === 'PROVIDER_HTTP_500');
  sd.state.failWith = 422;
  await assert.rejects(provider().run(jobOf('image.generate', { prompt: 'x', width: 64, height: 64, steps: 1 }), recorder().ctx), (e: ProviderError) => !e.retryable && /value is not a valid integer|width/.test(e.message));
  await assert.rejects(createSdWebUiProvider({ url: 'http://127.0.0.1:9', timeoutMs: 2000, pollMs: 50 }).run(jobOf('image.generate', { prompt: 'x' }), recorder().ctx), (e: ProviderError) => e.retryable && e.code === 'PROVIDER_UNREACHABLE');
  const hanging = await startSdStandIn({ hang: true });
  try {
    await assert.rejects(createSdWebUiProvider({ url: hanging.url, timeoutMs: 300, pollMs: 50 }).run(jobOf('image.generate', { prompt: 'x' }), recorder().ctx), (e: ProviderError) => e.retryable && e.code === 'PROVIDER_TIMEOUT');
  } finally {
    await hanging.close();
  }
  await assert.rejects(provider().run(jobOf('text.chat', { messages: [{ role: 'user', content: 'hi' }] }), recorder().ctx), (e: ProviderError) => !e.retryable && e.code === 'PROVIDER_UNSUPPORTED');
});

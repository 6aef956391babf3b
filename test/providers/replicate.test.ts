// The Replicate provider against a local server speaking Replicate's predictions API.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import sharp from 'sharp';
import { createReplicateProvider } from '../../src/providers/replicate.js';
import { CanceledError, ProviderError } from '../../src/providers/types.js';
import { startReplicateStandIn } from '../helpers/standins/replicate.js';
import { png } from '../helpers/tasks.js';
import { jobOf, recorder } from './helpers.js';

let rep: Awaited<ReturnType<typeof startReplicateStandIn>>;
before(async () => {
  rep = await startReplicateStandIn({ token: 'r8_test', readsToFinish: 3 });
});
after(() => rep.close());

const provider = (token = 'r8_test') => createReplicateProvider({ url: rep.url, apiKey: token, timeoutMs: 10_000, pollMs: 20 });

test('an image prediction by version: created, polled with progress from the logs, outputs downloaded', async () => {
  const r = recorder();
  const version = 'a'.repeat(64);
  const out = await provider().run(jobOf('image.generate', { prompt: 'a tiger', width: 80, height: 48, count: 2, seed: 5, steps: 30 }, { version }), r.ctx);
  const create = rep.log.find((l) => l.method === 'POST' && l.path === '/v1/predictions')!;
  assert.equal(create.headers.authorization, 'Bearer r8_test');
  assert.equal(create.body.version, version);
  assert.deepEqual([create.body.input.prompt, create.body.input.num_outputs, create.body.input.seed, create.body.input.num_inference_steps], ['a tiger', 2, 5, 30]);
  assert.equal(out.images!.length, 2);
  assert.equal((await sharp(out.images![0]!.data).metadata()).width, 80);
  assert.equal(out.providerJobId, r.started[0]);
  assert.deepEqual(r.progress.map((p) => p.percent), [33, 67, 95], 'progress read from the logs');
});

test('by model name, the model endpoint is used; video outputs are one file; text outputs are joined', async () => {
  const video = await provider().run(jobOf('video.generate', { imageKey: 'i', fps: 6, seconds: 2 }, { model: 'stability-ai/stable-video-diffusion' }, { i: await png(32, 32) }), recorder().ctx);
  const create = rep.log.find((l) => l.path === '/v1/models/stability-ai/stable-video-diffusion/predictions')!;
  assert.match(create.body.input.input_image, /^data:image\/png;base64,/);
  assert.equal(video.video!.mime, 'video/mp4');
  const text = await provider().run(jobOf('text.chat', { messages: [{ role: 'system', content: 'Be kind.' }, { role: 'user', content: 'hello' }], maxTokens: 20 }, { model: 'meta/llama-3-8b-instruct' }), recorder().ctx);
  assert.equal(text.texts![0]!.text, 'Stand-in reply from Replicate.');
  assert.deepEqual(text.usage, { promptTokens: 5, completionTokens: 7 });
  const chat = rep.log.find((l) => l.path === '/v1/models/meta/llama-3-8b-instruct/predictions')!;
  assert.equal(chat.body.input.system_prompt, 'Be kind.');
  assert.equal(chat.body.input.prompt, 'user: hello\nassistant:');
});

test('a failed prediction is final and says why; a cancel cancels the prediction', async () => {
  await assert.rejects(provider().run(jobOf('image.generate', { prompt: 'something forbidden' }, { model: 'owner/model' }), recorder().ctx), (e: ProviderError) => !e.retryable && e.code === 'PROVIDER_FAILED' && /NSFW/.test(e.message));
  const r = recorder({ cancelAtProgress: 30 });
  await assert.rejects(provider().run(jobOf('image.generate', { prompt: 'slow' }, { model: 'owner/model' }), r.ctx), CanceledError);
  await new Promise((res) => setTimeout(res, 50));
  assert.equal(rep.state.cancels, 1);
  const canceled = [...rep.predictions.values()].at(-1)!;
  assert.equal(canceled.status, 'canceled');
});

test('errors: 503 on create is retryable; a bad token is not', async () => {
  rep.state.failCreate = 1;
  await assert.rejects(provider().run(jobOf('image.generate', { prompt: 'x' }, { model: 'owner/model' }), recorder().ctx), (e: ProviderError) => e.retryable && e.code === 'PROVIDER_HTTP_503');
  await assert.rejects(provider('r8_wrong').run(jobOf('image.generate', { prompt: 'x' }, { model: 'owner/model' }), recorder().ctx), (e: ProviderError) => !e.retryable && e.code === 'PROVIDER_HTTP_401');
});

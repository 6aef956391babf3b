// The OpenAI-compatible provider against a local server speaking the OpenAI API.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import sharp from 'sharp';
import { createOpenAiProvider } from '../../src/providers/openai.js';
import { CanceledError, ProviderError } from '../../src/providers/types.js';
import { startOpenAiStandIn } from '../helpers/standins/openai.js';
import { jobOf, recorder } from './helpers.js';

let api: Awaited<ReturnType<typeof startOpenAiStandIn>>;
before(async () => {
  api = await startOpenAiStandIn({ apiKey: 'sk-test', chunkMs: 3 });
});
after(() => api.close());

const provider = (apiKey = 'sk-test') => createOpenAiProvider({ url: `${api.url}/v1`, apiKey, timeoutMs: 10_000, pollMs: 100 });

test('a streamed chat completion: tokens in order, usage from the final chunk, the backend model name', async () => {
  const r = recorder();
  const out = await provider().run(jobOf('text.chat', { messages: [{ role: 'user', content: 'How is the weather' }], maxTokens: 100, temperature: 0.2 }, { model: 'llama3.1:8b' }), r.ctx);
  const call = api.log.find((l) => l.path === '/v1/chat/completions')!;
  assert.equal(call.body.model, 'llama3.1:8b');
  assert.equal(call.body.stream, true);
  assert.deepEqual(call.body.stream_options, { include_usage: true });
  assert.equal(call.body.temperature, 0.2);
  assert.equal(out.texts![0]!.text, 'Stand-in answer about is the weather: the sky is clear and the air is mild today.');
  assert.equal(r.tokens.join(''), out.texts![0]!.text, 'the streamed pieces make the text');
  assert.ok(r.tokens.length > 5);
  assert.equal(out.usage!.completionTokens, r.tokens.length);
  assert.equal(out.texts![0]!.finishReason, 'stop');
});

test('completions with n choices and stop; images as base64', async () => {
  const out = await provider().run(jobOf('text.generate', { prompt: 'Tell me about rivers', n: 2, stop: ['END'], maxTokens: 50 }), recorder().ctx);
  assert.equal(out.texts!.length, 2);
  assert.ok(out.texts![1]!.text.endsWith('(1)'));
  assert.deepEqual(api.log.at(-1)!.body.stop, ['END']);
  const img = await provider().run(jobOf('image.generate', { prompt: 'a lighthouse', width: 96, height: 64, count: 2 }, { model: 'dall-e-3' }), recorder().ctx);
  assert.equal(api.log.at(-1)!.body.size, '96x64');
  assert.equal(img.images!.length, 2);
  assert.equal((await sharp(img.images![0]!.data).metadata()).width, 96);
});

test('errors: a bad key is final, 429 and 5xx are retryable, an error inside the stream fails the run', async () => {
  await assert.rejects(provider('sk-wrong').run(jobOf('text.chat', { messages: [{ role: 'user', content: 'hi' }] }), recorder().ctx), (e: ProviderError) => !e.retryable && e.code === 'PROVIDER_HTTP_401' && /Incorrect API key/.test(e.message));
  api.state.failWith = 429;
  await assert.rejects(provider().run(jobOf('text.chat', { messages: [{ role: 'user', content: 'hi' }] }), recorder().ctx), (e: ProviderError) => e.retryable && e.code === 'PROVIDER_HTTP_429');
  api.state.failWith = 503;
  await assert.rejects(provider().run(jobOf('text.generate', { prompt: 'hi' }), recorder().ctx), (e: ProviderError) => e.retryable);
  const broken = await startOpenAiStandIn({ breakStream: true });
  try {
    await assert.rejects(createOpenAiProvider({ url: `${broken.url}/v1`, timeoutMs: 5000, pollMs: 100 }).run(jobOf('text.chat', { messages: [{ role: 'user', content: 'hi' }] }), recorder().ctx), (e: ProviderError) => e.code === 'PROVIDER_STREAM_ERROR' && /crashed/.test(e.message));
  } finally {
    await broken.close();
  }
});

test('cancel closes the stream: the backend sees the connection end before the answer is done', async () => {
  const slow = await startOpenAiStandIn({ chunkMs: 60 });
  try {
    const r = recorder();
    setTimeout(() => r.controller.abort(new CanceledError('canceled')), 200);
    await assert.rejects(createOpenAiProvider({ url: `${slow.url}/v1`, timeoutMs: 5000, pollMs: 100 }).run(jobOf('text.chat', { messages: [{ role: 'user', content: 'a long answer please' }] }), r.ctx), CanceledError);
    assert.ok(r.tokens.length > 0 && r.tokens.length < 15, `got ${r.tokens.length} tokens before the cancel`);
    await new Promise((res) => setTimeout(res, 150));
    assert.equal(slow.state.closedEarly, 1);
  } finally {
    await slow.close();
  }
});

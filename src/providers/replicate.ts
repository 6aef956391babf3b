// Replicate predictions: create, poll until finished (progress read from the logs), cancel,
// and download the output files.
import { call, ensureOk, joinUrl, json, type BackendOptions } from './http.js';
import { approxTokens } from './demo.js';
import { CanceledError, ProviderError, sleep, type Provider, type ProviderJob, type ProviderResult, type RunContext } from './types.js';

interface Prediction {
  id: string;
  status: 'starting' | 'processing' | 'succeeded' | 'failed' | 'canceled';
  output?: unknown;
  error?: string | null;
  logs?: string | null;
  metrics?: { predict_time?: number; input_token_count?: number; output_token_count?: number };
}

const dataUri = (buf: Buffer, mime = 'image/png') => `data:${mime};base64,${buf.toString('base64')}`;

export function createReplicateProvider(o: BackendOptions): Provider {
  const base = o.url || 'https://api.replicate.com';
  const url = (p: string) => joinUrl(base, p);
  const headers: Record<string, string> = { 'content-type': 'application/json', ...(o.apiKey ? { authorization: `Bearer ${o.apiKey}` } : {}) };

  async function inputFor(job: ProviderJob): Promise<Record<string, unknown>> {
    const { input, params } = job;
    const fixed = (params.input as Record<string, unknown> | undefined) ?? {};
    const img = input.imageKey ? dataUri(await job.readFile(input.imageKey)) : undefined;
    switch (job.kind) {
      case 'image.generate':
      case 'image.edit':
        return {
          prompt: input.prompt,
          ...(input.negativePrompt ? { negative_prompt: input.negativePrompt } : {}),
          width: input.width,
          height: input.height,
          num_outputs: input.count ?? 1,
          ...(input.steps ? { num_inference_steps: input.steps } : {}),
          ...(input.cfgScale ? { guidance_scale: input.cfgScale } : {}),
          ...(input.seed !== undefined ? { seed: input.seed } : {}),
          ...(img ? { image: img, prompt_strength: input.denoisingStrength ?? 0.8 } : {}),
          ...(input.maskKey ? { mask: dataUri(await job.readFile(input.maskKey)) } : {}),
          ...fixed,
        };
      case 'video.generate':
        return { input_image: img, ...(input.prompt ? { prompt: input.prompt } : {}), frames_per_second: input.fps ?? 6, ...(input.seed !== undefined ? { seed: input.seed } : {}), ...fixed };
      case 'text.chat': {
        const system = input.messages?.filter((m) => m.role === 'system').map((m) => m.content).join('\n');
        const prompt = input.messages?.filter((m) => m.role !== 'system').map((m) => `${m.role}: ${m.content}`).join('\n') + '\nassistant:';
        return { prompt, ...(system ? { system_prompt: system } : {}), max_new_tokens: input.maxTokens, temperature: input.temperature, top_p: input.topP, ...fixed };
      }
      case 'text.generate':
        return { prompt: input.prompt, max_new_tokens: input.maxTokens, temperature: input.temperature, top_p: input.topP, ...(input.stop?.length ? { stop_sequences: input.stop.join(',') } : {}), ...fixed };
      default:
        throw new ProviderError(`Replicate cannot run ${job.kind} tasks here`, 'PROVIDER_UNSUPPORTED', false);
    }
  }

  /** "owner/name" runs the model's latest version; a version id runs that version. */
  function createRequest(job: ProviderJob, input: Record<string, unknown>) {
    const target = (job.params.version as string | undefined) ?? (job.params.model as string | undefined) ?? job.modelId;
    if (/^[a-z0-9_.-]+\/[a-z0-9_.-]+$/i.test(target) && !job.params.version) return { path: `/v1/models/${target}/predictions`, body: { input } };
    return { path: '/v1/predictions', body: { version: target, input } };
  }

  async function download(ref: string, ctx: RunContext): Promise<{ data: Buffer; mime: string }> {
    if (ref.startsWith('data:')) {
      const m = /^data:([^;,]+)?(;base64)?,(.*)$/s.exec(ref);
      if (!m) throw new ProviderError('Replicate returned a malformed data URI', 'PROVIDER_PROTOCOL', false);
      return { data: m[2] ? Buffer.from(m[3]!, 'base64') : Buffer.from(decodeURIComponent(m[3]!)), mime: m[1] ?? 'application/octet-stream' };
    }
    const res = await ensureOk(await call(ref, { method: 'GET', timeoutMs: o.timeoutMs, signal: ctx.signal }), 'Output download');
    return { data: Buffer.from(await res.arrayBuffer()), mime: res.headers.get('content-type')?.split(';')[0] ?? 'application/octet-stream' };
  }

  return {
    name: 'replicate',
    label: 'Replicate',
    async run(job, ctx): Promise<ProviderResult> {
      const req = createRequest(job, await inputFor(job));
      const created = await json<Prediction>(
        await ensureOk(await call(url(req.path), { method: 'POST', headers, body: JSON.stringify(req.body), timeoutMs: o.timeoutMs, signal: ctx.signal }), 'Replicate create prediction'),
        'Replicate',
      );
      let p = created;
      try {
        await ctx.started?.(created.id);
        let misses = 0;
        while (p.status === 'starting' || p.status === 'processing') {
          await sleep(o.pollMs, ctx.signal);
          try {
            p = await json<Prediction>(
              await ensureOk(await call(url(`/v1/predictions/${p.id}`), { method: 'GET', headers, timeoutMs: o.timeoutMs, signal: ctx.signal }), 'Replicate get prediction'),
              'Replicate',
            );
            misses = 0;
          } catch (err) {
            // A passing failure of a poll is not the prediction's: ask again, a few times.
            if (err instanceof ProviderError && err.retryable && ++misses < 5) continue;
            throw err;
          }
          const pct = [...(p.logs ?? '').matchAll(/(\d{1,3})%/g)].at(-1)?.[1];
          await ctx.progress(pct ? Math.min(95, Number(pct)) : p.status === 'starting' ? 5 : 50, p.status === 'starting' ? 'Starting' : 'Processing');
        }
      } catch (err) {
        // The backend's own cancel, so an abandoned prediction stops running and costing; a
        // retry of the task starts a new one.
        await fetch(url(`/v1/predictions/${p.id}/cancel`), { method: 'POST', headers }).catch(() => {});
        throw err;
      }
      if (p.status === 'canceled') throw new CanceledError('canceled');
      if (p.status === 'failed') throw new ProviderError(`Replicate prediction failed: ${p.error ?? 'unknown error'}`, 'PROVIDER_FAILED', false);

      const out = p.output;
      if (job.kind === 'text.chat' || job.kind === 'text.generate') {
        const text = Array.isArray(out) ? out.join('') : String(out ?? '');
        ctx.token?.(text, 0, p.metrics?.output_token_count ?? approxTokens(text));
        return {
          texts: [{ text, finishReason: 'stop' }],
          usage: { promptTokens: p.metrics?.input_token_count ?? 0, completionTokens: p.metrics?.output_token_count ?? 0 },
          providerJobId: p.id,
        };
      }
      const refs = (Array.isArray(out) ? out : [out]).filter((x): x is string => typeof x === 'string');
      if (!refs.length) throw new ProviderError('Replicate returned no output', 'PROVIDER_PROTOCOL', false);
      const files = await Promise.all(refs.map((r) => download(r, ctx)));
      if (job.kind === 'video.generate') {
        const f = files[0]!;
        return { video: { data: f.data, mime: f.mime, durationSec: job.input.seconds ?? 0, fps: job.input.fps ?? 6 }, providerJobId: p.id };
      }
      return { images: files.map((f) => ({ data: f.data, mime: f.mime })), providerJobId: p.id };
    },
  };
}

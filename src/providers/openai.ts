// OpenAI-compatible backends (OpenAI, Ollama, vLLM, llama.cpp server…): chat completions and
// completions streamed over SSE, and images/generations. Cancel closes the stream.
import { approxTokens } from './demo.js';
import { call, ensureOk, joinUrl, json, sseData, type BackendOptions } from './http.js';
import { ProviderError, type Provider, type ProviderJob, type ProviderResult, type RunContext } from './types.js';

interface Chunk {
  id?: string;
  choices?: { index?: number; delta?: { content?: string | null }; text?: string; finish_reason?: string | null }[];
  usage?: { prompt_tokens?: number; completion_tokens?: number } | null;
  error?: { message?: string };
}

export function createOpenAiProvider(o: BackendOptions): Provider {
  const url = (p: string) => joinUrl(o.url, p);
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    accept: 'text/event-stream, application/json',
    ...(o.apiKey ? { authorization: `Bearer ${o.apiKey}` } : {}),
  };

  async function streamText(job: ProviderJob, ctx: RunContext, path: string, body: Record<string, unknown>, prompt: string): Promise<ProviderResult> {
    const res = await ensureOk(
      await call(url(path), { method: 'POST', headers, body: JSON.stringify({ ...body, stream: true, stream_options: { include_usage: true } }), timeoutMs: o.timeoutMs, signal: ctx.signal }),
      `OpenAI-compatible ${path}`,
    );
    const texts: string[] = [];
    const finish: ('stop' | 'length')[] = [];
    let usage: ProviderResult['usage'];
    let providerJobId: string | undefined;
    let pieces = 0;
    const maxTokens = job.input.maxTokens ?? 256;
    if (!res.body) throw new ProviderError('The backend sent no stream', 'PROVIDER_PROTOCOL', false);
    // Some servers answer a stream request with one JSON body: accept that too.
    if (!res.headers.get('content-type')?.includes('text/event-stream')) {
      const whole = await json<Chunk & { choices?: { index?: number; message?: { content?: string }; text?: string; finish_reason?: string }[] }>(res, 'OpenAI-compatible');
      for (const c of whole.choices ?? []) {
        const text = c.message?.content ?? c.text ?? '';
        texts[c.index ?? 0] = text;
        finish[c.index ?? 0] = c.finish_reason === 'length' ? 'length' : 'stop';
        if (text) ctx.token?.(text, c.index ?? 0, approxTokens(text));
      }
      usage = whole.usage ? { promptTokens: whole.usage.prompt_tokens ?? 0, completionTokens: whole.usage.completion_tokens ?? 0 } : undefined;
    } else {
      try {
      for await (const data of sseData(res.body)) {
        if (data.trim() === '[DONE]') break;
        let chunk: Chunk;
        try {
          chunk = JSON.parse(data);
        } catch {
          throw new ProviderError('The backend sent a malformed stream chunk', 'PROVIDER_PROTOCOL', false);
        }
        if (chunk.error) throw new ProviderError(`The backend failed mid-stream: ${chunk.error.message ?? 'unknown error'}`, 'PROVIDER_STREAM_ERROR', true);
        providerJobId ??= chunk.id;
        for (const c of chunk.choices ?? []) {
          const i = c.index ?? 0;
          const delta = c.delta?.content ?? c.text ?? '';
          if (delta) {
            texts[i] = (texts[i] ?? '') + delta;
            ctx.token?.(delta, i);
            pieces++;
            if (pieces % 16 === 0) await ctx.progress(Math.min(95, Math.round((pieces / maxTokens) * 100)), 'Writing');
          }
          if (c.finish_reason) finish[i] = c.finish_reason === 'length' ? 'length' : 'stop';
        }
        if (chunk.usage) usage = { promptTokens: chunk.usage.prompt_tokens ?? 0, completionTokens: chunk.usage.completion_tokens ?? 0 };
      }
      } catch (err) {
        if (ctx.signal.aborted) throw ctx.signal.reason;
        if (err instanceof ProviderError) throw err;
        // The connection dropped or timed out mid-stream: worth another try.
        throw new ProviderError(`The stream from the backend broke off: ${(err as Error).message}`, 'PROVIDER_STREAM_ERROR', true);
      }
    }
    const n = Math.max(texts.length, 1);
    const out = Array.from({ length: n }, (_, i) => ({ text: texts[i] ?? '', finishReason: finish[i] ?? ('stop' as const) }));
    return {
      texts: out,
      // Servers that do not report usage: estimate it the same way for every choice.
      usage: usage ?? { promptTokens: approxTokens(prompt), completionTokens: out.reduce((a, t) => a + approxTokens(t.text), 0) },
      providerJobId,
    };
  }

  return {
    name: 'openai',
    label: 'OpenAI-compatible API',
    async run(job, ctx) {
      const { input, params } = job;
      const model = (params.model as string | undefined) ?? job.modelId;
      const sampling = {
        ...(input.maxTokens !== undefined ? { max_tokens: input.maxTokens } : {}),
        ...(input.temperature !== undefined ? { temperature: input.temperature } : {}),
        ...(input.topP !== undefined ? { top_p: input.topP } : {}),
      };
      switch (job.kind) {
        case 'text.chat':
          return streamText(
            job,
            ctx,
            '/chat/completions',
            { model, messages: input.messages, ...(input.n && input.n > 1 ? { n: input.n } : {}), ...(input.stop?.length ? { stop: input.stop } : {}), ...sampling },
            (input.messages ?? []).map((m) => m.content).join('\n'),
          );
        case 'text.generate':
          return streamText(
            job,
            ctx,
            '/completions',
            { model, prompt: input.prompt, n: input.n ?? 1, ...(input.stop?.length ? { stop: input.stop } : {}), ...sampling },
            input.prompt ?? '',
          );
        case 'image.generate': {
          await ctx.progress(10, 'Requested');
          const res = await ensureOk(
            await call(url('/images/generations'), {
              method: 'POST',
              headers,
              body: JSON.stringify({ model, prompt: input.prompt, n: input.count ?? 1, size: `${input.width ?? 1024}x${input.height ?? 1024}`, response_format: 'b64_json' }),
              timeoutMs: o.timeoutMs,
              signal: ctx.signal,
            }),
            'OpenAI-compatible /images/generations',
          );
          const out = await json<{ data?: { b64_json?: string; url?: string }[] }>(res, 'OpenAI-compatible');
          if (!out.data?.length) throw new ProviderError('The backend returned no images', 'PROVIDER_PROTOCOL', false);
          const images = [];
          for (const d of out.data) {
            if (d.b64_json) images.push({ data: Buffer.from(d.b64_json, 'base64'), mime: 'image/png' });
            else if (d.url) {
              const file = await ensureOk(await call(d.url, { method: 'GET', timeoutMs: o.timeoutMs, signal: ctx.signal }), 'Image download');
              images.push({ data: Buffer.from(await file.arrayBuffer()), mime: file.headers.get('content-type') ?? 'image/png' });
            }
          }
          return { images };
        }
        default:
          throw new ProviderError(`An OpenAI-compatible backend cannot run ${job.kind} tasks`, 'PROVIDER_UNSUPPORTED', false);
      }
    },
  };
}

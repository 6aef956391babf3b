// HTTP for providers: timeouts, cancellation and error mapping shared by every backend.
import { CanceledError, ProviderError } from './types.js';

export interface BackendOptions {
  url: string;
  apiKey?: string;
  timeoutMs: number;
  pollMs: number;
}

/** fetch with a timeout and the task's abort signal; network failures become retryable ProviderErrors. */
export async function call(url: string, init: RequestInit & { timeoutMs: number; signal: AbortSignal }): Promise<Response> {
  const timeout = AbortSignal.timeout(init.timeoutMs);
  try {
    return await fetch(url, { ...init, signal: AbortSignal.any([init.signal, timeout]) });
  } catch (err) {
    if (init.signal.aborted) throw init.signal.reason instanceof Error ? init.signal.reason : new CanceledError('canceled');
    if (timeout.aborted) throw new ProviderError(`The backend did not answer within ${init.timeoutMs} ms`, 'PROVIDER_TIMEOUT', true);
    throw new ProviderError(`The backend could not be reached: ${(err as Error).cause ?? (err as Error).message}`, 'PROVIDER_UNREACHABLE', true);
  }
}

/** Throws a ProviderError for a non-2xx answer: 408, 429 and 5xx are retryable. */
export async function ensureOk(res: Response, what: string): Promise<Response> {
  if (res.ok) return res;
  const text = await res.text().catch(() => '');
  let detail = text.slice(0, 300);
  try {
    const body = JSON.parse(text);
    detail = body?.error?.message ?? body?.detail ?? body?.error ?? body?.message ?? detail;
    if (typeof detail !== 'string') detail = JSON.stringify(detail).slice(0, 300);
  } catch {
    // not JSON: keep the text
  }
  const retryable = res.status === 408 || res.status === 429 || res.status >= 500;
  throw new ProviderError(`${what} failed with HTTP ${res.status}: ${detail}`, `PROVIDER_HTTP_${res.status}`, retryable);
}

/** Reads JSON from a response, or fails as a provider protocol error. */
export async function json<T>(res: Response, what: string): Promise<T> {
  try {
    return (await res.json()) as T;
  } catch {
    throw new ProviderError(`${what} answered with something other than JSON`, 'PROVIDER_PROTOCOL', false);
  }
}

/** Yields the `data:` payloads of a server-sent event stream. */
export async function* sseData(body: ReadableStream<Uint8Array>): AsyncGenerator<string> {
  const decoder = new TextDecoder();
  let buf = '';
  for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
    buf += decoder.decode(chunk, { stream: true });
    let m: RegExpExecArray | null;
    while ((m = /\r?\n\r?\n/.exec(buf))) {
      const event = buf.slice(0, m.index);
      buf = buf.slice(m.index + m[0].length);
      const data = event
        .split(/\r?\n/)
        .filter((l) => l.startsWith('data:'))
        .map((l) => l.slice(5).replace(/^ /, ''))
        .join('\n');
      if (data) yield data;
    }
  }
  // A last event without the closing blank line.
  const rest = buf
    .split(/\r?\n/)
    .filter((l) => l.startsWith('data:'))
    .map((l) => l.slice(5).replace(/^ /, ''))
    .join('\n');
  if (rest) yield rest;
}

export const joinUrl = (base: string, path: string) => base.replace(/\/+$/, '') + path;

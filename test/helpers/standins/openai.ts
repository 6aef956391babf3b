// A local stand-in for an OpenAI-compatible API: /v1/chat/completions and /v1/completions
// (JSON or SSE streaming with `data: [DONE]` and stream_options.include_usage), and
// /v1/images/generations; OpenAI's error shape and status codes.
import { pngOf, send, serve, wait } from './common.js';

export interface OpenAiStandInOptions {
  apiKey?: string;
  /** Milliseconds between streamed chunks. */
  chunkMs?: number;
  /** The next request gets this status. */
  failWith?: number;
  /** Stream a few chunks, then an error event. */
  breakStream?: boolean;
}

const reply = (prompt: string) => `Stand-in answer about ${prompt.split(/\s+/).slice(-3).join(' ')}: the sky is clear and the air is mild today.`;

export async function startOpenAiStandIn(opts: OpenAiStandInOptions = {}) {
  const state = { failWith: opts.failWith, closedEarly: 0 };
  const standIn = await serve(async (req, res, body) => {
    const path = req.url!.split('?')[0];
    if (opts.apiKey && req.headers.authorization !== `Bearer ${opts.apiKey}`) {
      return send(res, 401, { error: { message: 'Incorrect API key provided.', type: 'invalid_request_error', param: null, code: 'invalid_api_key' } });
    }
    if (state.failWith) {
      const status = state.failWith;
      state.failWith = undefined;
      return send(res, status, { error: { message: status === 429 ? 'Rate limit reached for requests' : 'The server had an error while processing your request.', type: status === 429 ? 'requests' : 'server_error', param: null, code: null } });
    }
    if (req.method === 'POST' && (path === '/v1/chat/completions' || path === '/v1/completions')) {
      const chat = path.endsWith('chat/completions');
      if (chat && !Array.isArray(body?.messages)) return send(res, 400, { error: { message: "'messages' is a required property", type: 'invalid_request_error', param: 'messages', code: null } });
      const prompt: string = chat ? body.messages.at(-1).content : body.prompt;
      const n = chat ? 1 : (body.n ?? 1);
      const texts = Array.from({ length: n }, (_, i) => reply(prompt) + (i ? ` (${i})` : ''));
      const words = texts.map((t) => t.split(/(?<= )/));
      const limit = body.max_tokens ?? 1000;
      const id = chat ? 'chatcmpl-standin' : 'cmpl-standin';
      const usage = { prompt_tokens: prompt.split(/\s+/).length, completion_tokens: words.reduce((a, w) => a + Math.min(w.length, limit), 0), total_tokens: 0 };
      usage.total_tokens = usage.prompt_tokens + usage.completion_tokens;
      if (!body.stream) {
        return send(res, 200, {
          id,
          object: chat ? 'chat.completion' : 'text_completion',
          model: body.model,
          choices: texts.map((t, i) => (chat ? { index: i, message: { role: 'assistant', content: t }, finish_reason: 'stop' } : { index: i, text: t, finish_reason: 'stop' })),
          usage,
        });
      }
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      let closed = false;
      res.on('close', () => {
        if (!res.writableFinished) {
          closed = true;
          state.closedEarly++;
        }
      });
      const chunk = (choices: unknown[], extra: Record<string, unknown> = {}) =>
        res.write(`data: ${JSON.stringify({ id, object: chat ? 'chat.completion.chunk' : 'text_completion', model: body.model, choices, ...extra })}\n\n`);
      if (chat) chunk([{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }]);
      for (let w = 0; w < Math.max(...words.map((x) => x.length)) && w < limit; w++) {
        if (closed) return;
        if (opts.breakStream && w === 3) {
          res.write(`data: ${JSON.stringify({ error: { message: 'upstream model crashed', type: 'server_error' } })}\n\n`);
          return res.end();
        }
        await wait(opts.chunkMs ?? 2);
        for (let i = 0; i < n; i++) if (words[i]![w]) chunk([chat ? { index: i, delta: { content: words[i]![w] }, finish_reason: null } : { index: i, text: words[i]![w], finish_reason: null }]);
      }
      for (let i = 0; i < n; i++) chunk([chat ? { index: i, delta: {}, finish_reason: 'stop' } : { index: i, text: '', finish_reason: 'stop' }]);
      if (body.stream_options?.include_usage) chunk([], { usage });
      res.write('data: [DONE]\n\n');
      return res.end();
    }
    if (req.method === 'POST' && path === '/v1/images/generations') {
      if (!body?.prompt) return send(res, 400, { error: { message: "'prompt' is a required property", type: 'invalid_request_error', param: 'prompt', code: null } });
      const [w, h] = String(body.size ?? '1024x1024').split('x').map(Number);
      const images = await Promise.all(Array.from({ length: body.n ?? 1 }, (_, i) => pngOf(w!, h!, i * 40)));
      return send(res, 200, { created: Math.floor(Date.now() / 1000), data: images.map((b) => ({ b64_json: b.toString('base64'), revised_prompt: body.prompt })) });
    }
    send(res, 404, { error: { message: `Unknown request URL: ${req.method} ${path}`, type: 'invalid_request_error', param: null, code: 'unknown_url' } });
  });
  return { ...standIn, state };
}

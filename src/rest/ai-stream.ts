// The AI API Playground's WebSocket stream (seed 004 lists it as "coming soon"), at /v1/ai/stream
// and /api/v1/ai/stream. Authenticate with `?token=<JWT or API key>` (browsers) or the usual
// Authorization / X-API-Key headers. Each message asks for one generation:
//   → {"id": "1", "type": "chat", "messages": [...], "model": "minimax", "max_tokens": 200}
//   → {"id": "2", "type": "generate", "prompt": "…", "n": 1}
//   ← {"id", "type": "start", "task_id"}, then {"id", "type": "token", "content", "index"} in order,
//     then {"id", "type": "done", "choices", "usage"} — or {"id", "type": "error", "error": {message, code}}.
// Every generation is a task like any other: billed, rate limited, in history and subscriptions.
import type { IncomingMessage } from 'node:http';
import type { YogaServerInstance } from 'graphql-yoga';
import { WebSocketServer, type WebSocket } from 'ws';
import { requestHeaders } from '../lib/headers.js';
import { playgroundErrorBody } from './apis/playground.js';
import { createGql, RestError } from './core.js';
import { streamText } from './stream.js';

export const AI_STREAM_PATHS = ['/v1/ai/stream', '/api/v1/ai/stream'];

export function createAiStream(yoga: YogaServerInstance<any, any>, log: { error(o: object, m: string): void }) {
  const wss = new WebSocketServer({ noServer: true, maxPayload: 1024 * 1024 });
  wss.on('connection', (ws: WebSocket, req: IncomingMessage) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const headers = requestHeaders(req);
    const token = url.searchParams.get('token');
    const authorization = token ? `Bearer ${token}` : headers.get('authorization');
    const running = new Set<AsyncGenerator<unknown>>();
    const gone = new AbortController();
    ws.once('close', () => gone.abort());
    const send = (m: unknown) => ws.readyState === ws.OPEN && ws.send(JSON.stringify(m));
    ws.on('close', () => {
      for (const g of running) void g.return(undefined);
    });
    ws.on('message', (raw) => {
      void (async () => {
        let msg: Record<string, any>;
        try {
          msg = JSON.parse(String(raw));
          if (!msg || typeof msg !== 'object' || Array.isArray(msg)) throw new Error();
        } catch {
          return send({ id: null, type: 'error', error: { message: 'Messages must be JSON objects', code: 'VALIDATION_ERROR' } });
        }
        const id = msg.id ?? null;
        try {
          const gql = createGql(yoga, { req, headers, authorization, rate: {}, log, gone: { signal: () => gone.signal, left: () => gone.signal.aborted } });
          const params = { model: msg.model ?? 'minimax', maxTokens: msg.max_tokens, temperature: msg.temperature, topP: msg.top_p };
          let kind: 'chat' | 'generate';
          let input: Record<string, unknown>;
          if (msg.type === 'chat') (kind = 'chat'), (input = { ...params, messages: msg.messages });
          else if (msg.type === 'generate') (kind = 'generate'), (input = { ...params, prompt: msg.prompt, n: msg.n, stop: msg.stop });
          else throw new RestError({ message: 'type: must be "chat" or "generate"', code: 'BAD_USER_INPUT', status: 400, field: 'type', extensions: {} });
          const events = await streamText(gql, kind, input);
          if (ws.readyState !== ws.OPEN) return void (await events.return(undefined));
          running.add(events);
          try {
            for await (const e of events) {
              if (e.type === 'created') send({ id, type: 'start', task_id: e.task.requestId, model: e.task.modelId });
              else if (e.type === 'token') send({ id, type: 'token', index: e.choice, content: e.delta });
              else if (e.task.status === 'succeeded') send({ id, type: 'done', choices: e.choices.map((c, index) => ({ index, text: c.text, finish_reason: c.finishReason })), usage: e.usage });
              else send({ id, type: 'error', error: { message: e.task.errorMessage ?? `The task ${e.task.status}`, code: 'SERVICE_UNAVAILABLE' } });
            }
          } finally {
            running.delete(events);
          }
        } catch (err) {
          if (err instanceof RestError) send({ id, type: 'error', error: playgroundErrorBody(err.error) });
          else {
            log.error({ err }, 'AI stream failed');
            send({ id, type: 'error', error: { message: 'Internal server error', code: 'SERVER_ERROR' } });
          }
        }
      })();
    });
  });
  return wss;
}

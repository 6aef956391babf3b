// Text generation for REST callers: one subscription creates the task and streams its tokens;
// answered whole (OpenAI's completion shape) or as OpenAI-style server-sent event chunks.
import { type Gql, RestError } from './core.js';

export interface StreamTask {
  requestId: string;
  modelId: string;
  status: string;
  createdAt: string;
  errorCode: string | null;
  errorMessage: string | null;
  output: { texts?: { text: string; finishReason: string }[]; usage?: { promptTokens: number; completionTokens: number } } | null;
}
export type TextStreamEvent =
  | { type: 'created'; task: StreamTask }
  | { type: 'token'; choice: number; delta: string }
  | {
      type: 'done';
      task: StreamTask;
      choices: { text: string; finishReason: string }[];
      usage: { prompt_tokens: number; completion_tokens: number; total_tokens: number };
      created: number;
    };

const TASK = 'requestId modelId status createdAt errorCode errorMessage output';

/**
 * Starts a text task (`chat`: ChatCompletionInput; `generate`: GenerateTextInput) and returns its
 * events. Refusals (validation, credits, limits) throw before anything is returned.
 */
export async function streamText(gql: Gql, kind: 'chat' | 'generate', input: Record<string, unknown>): Promise<AsyncGenerator<TextStreamEvent>> {
  const op =
    kind === 'chat'
      ? `subscription($input: ChatCompletionInput!) { s: chatCompletionStream(input: $input) { type choice delta task { ${TASK} } } }`
      : `subscription($input: GenerateTextInput!) { s: textCompletionStream(input: $input) { type choice delta task { ${TASK} } } }`;
  const source = gql.stream<{ s: { type: string; choice: number | null; delta: string | null; task: StreamTask | null } }>(op, { input });
  const first = await source.next();
  if (first.done) throw new RestError({ message: 'The task could not be started', code: 'INTERNAL_SERVER_ERROR', status: 500, extensions: {} });
  async function* events(): AsyncGenerator<TextStreamEvent> {
    try {
      for (let r = first; !r.done; r = await source.next()) {
        const e = r.value.s;
        if (e.type === 'token') yield { type: 'token', choice: e.choice ?? 0, delta: e.delta ?? '' };
        else if (e.type === 'created') yield { type: 'created', task: e.task! };
        else {
          const t = e.task!;
          const usage = t.output?.usage ?? { promptTokens: 0, completionTokens: 0 };
          yield {
            type: 'done',
            task: t,
            choices: (t.output?.texts ?? []).map((x) => ({ text: x.text, finishReason: x.finishReason })),
            usage: { prompt_tokens: usage.promptTokens, completion_tokens: usage.completionTokens, total_tokens: usage.promptTokens + usage.completionTokens },
            created: Math.floor(Date.parse(t.createdAt) / 1000),
          };
        }
      }
    } finally {
      await source.return(undefined);
    }
  }
  return events();
}

/** A task that did not succeed, as the error of a whole answer. */
export function failure(task: StreamTask): RestError {
  return new RestError({ message: task.errorMessage ?? `The task ${task.status}`, code: task.status === 'canceled' ? 'CANCELED' : 'PROVIDER_ERROR', status: 502, extensions: { task: task.requestId } });
}

type Done = Extract<TextStreamEvent, { type: 'done' }>;

/** Collects a text stream into its finished task; a task that did not succeed, or a stream cut short, is the error. */
export async function finished(events: AsyncIterable<TextStreamEvent>): Promise<Done> {
  let done: Done | undefined;
  for await (const e of events) if (e.type === 'done') done = e;
  if (!done) throw new RestError({ message: 'The request was interrupted', code: 'SERVICE_UNAVAILABLE', status: 503, extensions: {} });
  if (done.task.status !== 'succeeded') throw failure(done.task);
  return done;
}

/** OpenAI-style SSE: chunks per token, the finish reasons, the usage, then `data: [DONE]`. */
export async function* sseOf(events: AsyncGenerator<TextStreamEvent>, kind: 'chat' | 'generate'): AsyncGenerator<string> {
  const line = (o: unknown) => `data: ${JSON.stringify(o)}\n\n`;
  let id = '';
  let model = '';
  let created = 0;
  const object = kind === 'chat' ? 'chat.completion.chunk' : 'text_completion';
  const started = new Set<number>();
  for await (const e of events) {
    if (e.type === 'created') {
      id = `${kind === 'chat' ? 'chatcmpl' : 'cmpl'}-${e.task.requestId}`;
      model = e.task.modelId;
      created = Math.floor(Date.parse(e.task.createdAt) / 1000);
    } else if (e.type === 'token') {
      const first = kind === 'chat' && !started.has(e.choice);
      started.add(e.choice);
      yield line({
        id, object, created, model,
        choices: [kind === 'chat' ? { index: e.choice, delta: first ? { role: 'assistant', content: e.delta } : { content: e.delta }, finish_reason: null } : { index: e.choice, text: e.delta, finish_reason: null }],
      });
    } else {
      if (e.task.status !== 'succeeded') {
        yield line({ error: { message: e.task.errorMessage ?? `The task ${e.task.status}`, type: 'server_error', code: e.task.errorCode } });
      } else {
        yield line({
          id, object, created, model,
          choices: e.choices.map((c, index) => (kind === 'chat' ? { index, delta: {}, finish_reason: c.finishReason } : { index, text: '', finish_reason: c.finishReason })),
        });
        yield line({ id, object, created, model, choices: [], usage: e.usage });
      }
    }
  }
  yield 'data: [DONE]\n\n';
}

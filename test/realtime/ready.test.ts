// Subscriptions that read or queue a task wait until the pub/sub listens (Redis confirms the
// SUBSCRIBE): a task that finishes in between is not missed. And a text stream that hears
// nothing for a while reads its task again, so a lost end does not leave it open forever.
// Runs over Redis when REDIS_URL is set: the subscriptions held back here are the real ones.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import type { Task } from '../../src/generated/prisma/client.js';
import type { TokenEvent } from '../../src/modules/tasks/tasks.events.js';
import { followText, type StreamEvent } from '../../src/modules/tasks/tasks.stream.js';
import type { PubSub, Subscription, Topics } from '../../src/realtime/pubsub.js';
import { startTestServer, type TestServer } from '../helpers/harness.js';
import { newUser } from '../helpers/ops.js';
import { waitForTask } from '../helpers/tasks.js';
import { until } from '../helpers/wait.js';

/** Fails instead of hanging when `p` does not settle within `ms`. */
function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    p.finally(() => clearTimeout(timer)),
    new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} did not settle within ${ms} ms`)), ms))),
  ]);
}

/**
 * Holds back the subscriptions to `topic` (`task`: subscribeTask) until open(), as Redis does
 * until it confirms a SUBSCRIBE: what is published before is not received, and `ready` settles
 * only then.
 */
function hold(pubsub: PubSub, topic: keyof Topics | 'task') {
  const method = topic === 'task' ? 'subscribeTask' : 'subscribe';
  const original = pubsub[method] as (...args: unknown[]) => Subscription<unknown>;
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  let held = 0;
  (pubsub as unknown as Record<string, unknown>)[method] = (...args: unknown[]) => {
    if (method === 'subscribe' && args[0] !== topic) return original(...args);
    held++;
    let real: Subscription<unknown> | null = null;
    let closed = false;
    const started = opened.then(() => {
      if (!closed) real = original(...args);
    });
    const done = { value: undefined, done: true } as const;
    const sub: Subscription<unknown> = {
      ready: started.then(() => real?.ready),
      next: async () => {
        await started;
        return real ? real.next() : done;
      },
      return: async () => {
        closed = true;
        await real?.return!();
        return done;
      },
      throw: async (err) => {
        closed = true;
        await real?.return!();
        throw err;
      },
      [Symbol.asyncIterator]: () => sub,
    };
    return sub;
  };
  return { open: () => open(), held: () => held, restore: () => ((pubsub as unknown as Record<string, unknown>)[method] = original) };
}

/** Every message of a subscription until it completes. */
async function collect<T>(client: Client, query: string, variables?: Record<string, unknown>): Promise<T[]> {
  const out: T[] = [];
  for await (const m of client.iterate<T>({ query, variables })) {
    if (m.errors) throw new Error(JSON.stringify(m.errors));
    out.push(m.data as T);
  }
  return out;
}

const CHAT = { model: 'minimax', messages: [{ role: 'user', content: 'Tell me about the weather in spring' }], maxTokens: 60 };

describe('waiting for the pub/sub to listen', () => {
  let t: TestServer;
  let user: Awaited<ReturnType<typeof newUser>>;
  let client: Client;
  before(async () => {
    t = await startTestServer({ DEMO_DELAY_MS: '200', SIGNUP_CREDITS: '100' });
    user = await newUser(t, 'ready');
    client = createClient({ url: t.wsUrl, webSocketImpl: WebSocket, connectionParams: { Authorization: `Bearer ${user.token}` }, retryAttempts: 0 });
  });
  after(async () => {
    await client.dispose();
    await t.close();
  });

  /** A chat task, queued at once: it finishes about DEMO_DELAY_MS later. */
  const newTask = async () => {
    const r = await t.gql('mutation ($input: ChatCompletionInput!) { createChatCompletion(input: $input) { id databaseId } }' as any, { input: CHAT } as any, { token: user.token });
    assert.equal(r.errors, undefined, JSON.stringify(r.errors));
    return (r.data as any).createChatCompletion as { id: string; databaseId: number };
  };

  for (const [name, topic, query] of [
    ['taskUpdated', 'task', 'subscription ($id: ID!) { taskUpdated(id: $id) { status } }'],
    ['taskTokens', 'task:token', 'subscription ($id: ID!) { taskTokens(id: $id) { delta } }'],
  ] as const) {
    test(`${name}: a task that finishes before the subscription listens is seen finished, and the subscription ends`, async () => {
      const task = await newTask();
      const gate = hold(t.app.deps.pubsub, topic);
      try {
        const messages = collect<any>(client, query, { id: task.id });
        messages.catch(() => {});
        await until('the subscription to be made', async () => gate.held() === 1, 5_000, 10);
        await waitForTask(t, task.databaseId);
        gate.open();
        const got = await within(messages, 5_000, `${name} after the task finished`);
        if (name === 'taskUpdated') assert.deepEqual(got.map((m) => m.taskUpdated.status), ['succeeded'], 'read once listening: already finished');
        else assert.deepEqual(got, [], 'nothing to stream: the task had finished');
      } finally {
        gate.restore();
        gate.open();
      }
    });
  }

  test('chatCompletionStream: the task is queued only once its tokens are listened to, so none is missed', async () => {
    const { prisma, pubsub } = t.app.deps;
    const last = (await prisma.task.findFirst({ orderBy: { id: 'desc' } }))?.id ?? 0;
    const gate = hold(pubsub, 'task:token');
    try {
      const events = collect<{ chatCompletionStream: { type: string; delta: string | null; task: { status: string; texts: string[] } | null } }>(
        client,
        'subscription ($input: ChatCompletionInput!) { chatCompletionStream(input: $input) { type delta task { status texts } } }',
        { input: CHAT },
      );
      events.catch(() => {});
      await until('the token subscription to be made', async () => gate.held() === 1, 5_000, 10);
      // Listening is confirmed once the task has finished (queued at once, it would have), or after a second.
      const since = Date.now();
      const finished = async () => (await prisma.task.count({ where: { id: { gt: last }, status: 'succeeded' } })) > 0;
      await until('the task to finish or a second to pass', async () => Date.now() - since > 1_000 || (await finished()), 5_000, 20);
      gate.open();
      const got = (await within(events, 10_000, 'the stream')).map((e) => e.chatCompletionStream);
      const tokens = got.filter((e) => e.type === 'token').map((e) => e.delta!);
      const done = got.at(-1)!;
      assert.equal(got[0]!.type, 'created');
      assert.equal(done.type, 'done');
      assert.equal(done.task!.status, 'succeeded');
      assert.ok(tokens.length > 3, `streamed as tokens, not filled in from the stored text at the end (${tokens.length} pieces)`);
      assert.equal(tokens.join(''), done.task!.texts[0]);
    } finally {
      gate.restore();
      gate.open();
    }
  });
});

describe('a text stream that hears nothing', () => {
  const task = { id: 7, status: 'running', output: null } as unknown as Task;
  /** A token stream that never delivers; counts the next() calls. */
  function silent() {
    const state = { nexts: 0, returned: false };
    const it: AsyncIterator<TokenEvent> = {
      next: () => {
        state.nexts++;
        return new Promise(() => {});
      },
      return: async () => {
        state.returned = true;
        return { value: undefined, done: true };
      },
    };
    return { it, state };
  }
  /** A database whose task is `statuses[i]` at the i-th read (the last one after), with `text` stored. */
  function db(statuses: string[], text: string) {
    let reads = 0;
    return {
      reads: () => reads,
      prisma: { task: { findUniqueOrThrow: async () => ({ ...task, status: statuses[Math.min(reads++, statuses.length - 1)], output: { texts: [{ text }] } }) } },
    } as any;
  }
  const all = async (it: AsyncGenerator<StreamEvent>) => {
    const out: StreamEvent[] = [];
    for await (const e of it) out.push(e);
    return out;
  };

  test('reads its task again after a quiet while, and ends with the stored text once it has finished', { timeout: 5_000 }, async () => {
    const { it, state } = silent();
    const d = db(['running', 'running', 'succeeded'], 'all of the reply');
    const got = await all(followText(d, task, it, { quietMs: 30 }));
    assert.deepEqual(
      got.map((e) => e.type + (e.type === 'token' ? `:${e.delta}` : '')),
      ['created', 'token:all of the reply', 'done'],
    );
    assert.equal((got.at(-1) as { task: Task }).task.status, 'succeeded');
    assert.ok(d.reads() >= 4, 'read while quiet (twice running, then finished), then for the stored text');
    assert.equal(state.nexts, 1, 'the one next() left waiting was kept, not asked again');
    assert.equal(state.returned, true);
  });
});

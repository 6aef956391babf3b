// GraphQL over graphql-ws against HTTP: introspection refused on both when it is off, refusals
// coded alike, unexpected errors masked and logged, and an operation completed while it starts
// leaves no subscriber behind.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { after, before, describe, test } from 'node:test';
import v8 from 'node:v8';
import { runInNewContext } from 'node:vm';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { startTestServer, type GqlError, type TestServer } from '../helpers/harness.js';
import { newUser } from '../helpers/ops.js';
import { until } from '../helpers/wait.js';
import { createMemoryPubSub } from '../../src/realtime/pubsub.js';

const SCHEMA = '{ __schema { queryType { name } } }';
const TYPE = '{ __type(name: "Query") { name } }';

type Answer = { data?: any; errors?: GqlError[] };

const overHttp = async (t: TestServer, query: string, token?: string, variables?: unknown): Promise<Answer> =>
  (await t.gql(query as any, variables as any, { token })) as Answer;

/** The first answer to an operation over graphql-ws: its result, or the errors it was refused with. */
async function overWs(client: Client, query: string, variables?: Record<string, unknown>): Promise<Answer> {
  const it = client.iterate({ query, variables });
  try {
    const r = await it.next();
    return r.value as Answer;
  } catch (err) {
    return { errors: err as GqlError[] };
  } finally {
    await it.return?.();
  }
}

const wsClient = (t: TestServer, token?: string) =>
  createClient({ url: t.wsUrl, webSocketImpl: WebSocket, connectionParams: token ? { Authorization: `Bearer ${token}` } : {}, retryAttempts: 0 });

describe('introspection over HTTP and graphql-ws', () => {
  for (const on of [false, true]) {
    test(`${on ? 'on: answered' : 'off: refused'} over both`, async () => {
      const t = await startTestServer({ GRAPHQL_INTROSPECTION: String(on) });
      const ws = wsClient(t);
      try {
        for (const query of [SCHEMA, TYPE]) {
          for (const [transport, r] of [['HTTP', await overHttp(t, query)], ['graphql-ws', await overWs(ws, query)]] as const) {
            if (on) {
              assert.equal(r.errors, undefined, `${transport}: ${JSON.stringify(r.errors)}`);
              assert.equal(r.data.__schema?.queryType.name ?? r.data.__type?.name, 'Query');
            } else {
              assert.equal(r.data, undefined, `${transport} answered ${query}`);
              assert.match(r.errors![0]!.message, /introspection has been disabled/, transport);
              assert.equal(r.errors![0]!.extensions?.code, 'GRAPHQL_VALIDATION_FAILED', transport);
            }
          }
        }
        // __typename is not introspection.
        assert.deepEqual((await overWs(ws, '{ __typename }')).data, { __typename: 'Query' });
      } finally {
        await ws.dispose();
        await t.close();
      }
    });
  }
});

describe('graphql-ws', () => {
  let t: TestServer;
  let user: Awaited<ReturnType<typeof newUser>>;
  let ws: Client;
  before(async () => {
    t = await startTestServer({ SIGNUP_CREDITS: '10' });
    user = await newUser(t, 'ws');
    ws = wsClient(t, user.token);
  });
  after(async () => {
    await ws.dispose();
    await t.close();
  });

  test('a refusal without a code gets the same code as over HTTP (a variable of the wrong type)', async () => {
    for (const query of ['query ($id: ID!) { task(id: $id) { id } }', 'subscription ($id: ID!) { taskUpdated(id: $id) { id } }']) {
      const http = await overHttp(t, query, user.token, { id: { a: 1 } });
      const socket = await overWs(ws, query, { id: { a: 1 } });
      assert.equal(http.errors![0]!.extensions?.code, 'BAD_USER_INPUT');
      assert.equal(socket.errors![0]!.message, http.errors![0]!.message);
      assert.equal(socket.errors![0]!.extensions?.code, 'BAD_USER_INPUT', `over graphql-ws: ${JSON.stringify(socket.errors)}`);
    }
  });

  describe('an unexpected error is masked and logged with the original, as over HTTP', () => {
    /** Error-level log entries made while `fn` runs. */
    async function errorsLogged(fn: () => Promise<void>) {
      const log = t.app.deps.log;
      const entries: { err?: Error; msg?: string }[] = [];
      const saved = Object.getOwnPropertyDescriptor(log, 'error');
      log.error = ((obj: { err?: Error }, msg?: string) => void entries.push({ err: obj?.err, msg })) as typeof log.error;
      try {
        await fn();
      } finally {
        if (saved) Object.defineProperty(log, 'error', saved);
        else delete (log as { error?: unknown }).error;
      }
      return entries;
    }
    const original = (err?: Error) => (err as { originalError?: Error } | undefined)?.originalError ?? err;

    test('the subscription cannot start (its event stream fails)', async () => {
      const { pubsub } = t.app.deps;
      const subscribe = pubsub.subscribe;
      const logged = await errorsLogged(async () => {
        pubsub.subscribe = (() => {
          throw new Error('the bus broke');
        }) as typeof subscribe;
        try {
          const r = await overWs(ws, 'subscription { viewerUpdated { id } }');
          assert.deepEqual(r.errors?.map((e) => [e.message, e.extensions?.code]), [['Unexpected error.', 'INTERNAL_SERVER_ERROR']]);
        } finally {
          pubsub.subscribe = subscribe;
        }
      });
      assert.ok(logged.some((e) => original(e.err)?.message === 'the bus broke'), JSON.stringify(logged));
    });

    test('its context cannot be made', async () => {
      const { limits } = t.app.deps;
      const hitApi = limits.hitApi;
      const logged = await errorsLogged(async () => {
        limits.hitApi = async () => {
          throw new Error('the limits store broke');
        };
        try {
          const r = await overWs(ws, 'subscription { viewerUpdated { id } }');
          assert.deepEqual(r.errors?.map((e) => [e.message, e.extensions?.code]), [['Unexpected error.', 'INTERNAL_SERVER_ERROR']]);
        } finally {
          limits.hitApi = hitApi;
        }
      });
      assert.ok(logged.some((e) => original(e.err)?.message === 'the limits store broke'), JSON.stringify(logged));
    });
  });

  test('a subscription completed while it starts leaves no subscriber behind', async () => {
    const { pubsub } = t.app.deps;
    const socket = new WebSocket(t.wsUrl, 'graphql-transport-ws');
    await once(socket, 'open');
    socket.send(JSON.stringify({ type: 'connection_init', payload: { Authorization: `Bearer ${user.token}` } }));
    const [ack] = await once(socket, 'message');
    assert.equal(JSON.parse(String(ack)).type, 'connection_ack');

    const subscribe = pubsub.subscribe;
    const made: string[] = [];
    pubsub.subscribe = ((...args: Parameters<typeof subscribe>) => {
      made.push(args[0]);
      return subscribe(...args);
    }) as typeof subscribe;
    try {
      const fields = ['quotaWarnings { used }', 'viewerUpdated { id }', 'myTaskEvents { type }'];
      for (const [i, field] of fields.entries()) {
        const before = pubsub.size();
        const id = String(i + 1);
        // Sent together: the complete arrives while the server is still making the operation's context.
        socket.send(JSON.stringify({ id, type: 'subscribe', payload: { query: `subscription { ${field} }` } }));
        socket.send(JSON.stringify({ id, type: 'complete' }));
        await until(`${field}: its subscriber to be made`, async () => made.length === i + 1, 5_000, 10);
        await until(`${field}: its subscriber to leave (channels: ${pubsub.size()}, before: ${before})`, async () => pubsub.size() === before, 2_000, 10);
      }
    } finally {
      pubsub.subscribe = subscribe;
      socket.close();
    }
  });

  /** A subscription's results over SSE (Yoga's own subscription path). */
  async function* overSse(query: string, token: string): AsyncGenerator<{ data?: any; errors?: GqlError[] }> {
    const gone = new AbortController();
    const res = await fetch(t.url + '/graphql', { method: 'POST', headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: `Bearer ${token}` }, body: JSON.stringify({ query }), signal: gone.signal });
    assert.equal(res.status, 200);
    const decoder = new TextDecoder();
    let buffered = '';
    try {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        buffered += decoder.decode(chunk, { stream: true });
        for (let end = buffered.indexOf('\n\n'); end >= 0; end = buffered.indexOf('\n\n')) {
          const message = buffered.slice(0, end);
          buffered = buffered.slice(end + 2);
          const data = message.split('\n').find((l) => l.startsWith('data: '));
          if (data && message.includes('event: next')) yield JSON.parse(data.slice(6));
        }
      }
    } finally {
      gone.abort();
    }
  }

  for (const transport of ['graphql-ws', 'SSE'] as const) {
    test(`a task followed for many events over ${transport}: its past events are not kept (auth-scope caches are per event)`, async () => {
      v8.setFlagsFromString('--expose-gc');
      const gc = runInNewContext('gc') as () => void;
      const { pubsub, prisma } = t.app.deps;
      const task = await prisma.task.create({ data: { userId: user.user.databaseId, kind: 'image_generate', modelId: 'sd15', input: {}, status: 'running' } });
      // The task's updates come from a bus of this test's own, so the snapshots delivered are these very objects.
      const local = createMemoryPubSub();
      const subscribeTask = pubsub.subscribeTask;
      pubsub.subscribeTask = local.subscribeTask;
      const refs: WeakRef<object>[] = [];
      const query = `subscription { taskUpdated(id: "${task.id}") { progress progressMessage } }`;
      const it = transport === 'SSE' ? overSse(query, user.token) : ws.iterate<{ taskUpdated: { progress: number } }>({ query });
      try {
        assert.equal((await it.next()).value?.data?.taskUpdated.progress, 0, 'the task now');
        for (let i = 1; i <= 40; i++) {
          // Each snapshot's JSON fields are objects of its own; the Task a resolver sees shares them.
          const input = { step: i };
          refs.push(new WeakRef(input));
          local.publish('user:tasks', task.userId, { type: 'progress', task: { ...task, input, progress: i } });
          assert.equal((await it.next()).value?.data?.taskUpdated.progress, i);
        }
        await new Promise((r) => setImmediate(r));
        gc();
        const alive = refs.filter((r) => r.deref() !== undefined).length;
        assert.ok(alive <= 1, `${alive} of 40 past snapshots still held`);
      } finally {
        await it.return?.(undefined);
        pubsub.subscribeTask = subscribeTask;
      }
    });
  }
});

// Prometheus metrics on their own port: requests by route group, tasks created and finished,
// gauges read at each scrape, the process's own; nothing served when METRICS_PORT is unset.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { startTestServer, type TestServer } from '../helpers/harness.js';
import { manyUsers } from '../helpers/ops.js';
import { waitForTask } from '../helpers/tasks.js';
import { until } from '../helpers/wait.js';

let t: TestServer;
before(async () => {
  t = await startTestServer({ METRICS_PORT: '0', METRICS_HOST: '127.0.0.1' });
});
after(() => t.close());

async function scrape(): Promise<string> {
  const res = await fetch(t.app.metricsUrl!);
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
  return res.text();
}

/** The value of `name` on the line with every one of `labels` (undefined when there is none). */
function value(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{([^}]*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = Object.fromEntries([...(m[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((x) => [x[1], x[2]]));
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) return Number(m[3]);
  }
  return undefined;
}

test('requests, tasks and gauges are counted and served at /metrics', async () => {
  const [u] = await manyUsers(t, 1, 100);
  const before = await scrape();
  const graphqlBefore = value(before, 'genhub_http_requests_total', { route: 'graphql', method: 'POST', status: '200' }) ?? 0;

  assert.equal((await fetch(`${t.url}/healthz`)).status, 200);
  const made = await fetch(`${t.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${u!.token}` },
    body: JSON.stringify({ query: 'mutation { generateText(input: { model: "minimax", prompt: "counted" }) { databaseId } }' }),
  });
  const id = ((await made.json()) as { data: { generateText: { databaseId: number } } }).data.generateText.databaseId;
  assert.equal((await waitForTask(t, id)).status, 'succeeded');
  assert.equal((await fetch(`${t.url}/no/such/path`)).status, 404);

  const ws = createClient({ url: t.wsUrl, webSocketImpl: WebSocket, connectionParams: { Authorization: `Bearer ${u!.token}` }, lazy: false });
  try {
    const text = await until('the graphql-ws connection counted', async () => {
      const s = await scrape();
      return value(s, 'genhub_graphql_ws_connections') === 1 ? s : null;
    });
    assert.equal(value(text, 'genhub_http_requests_total', { route: 'graphql', method: 'POST', status: '200' }), graphqlBefore + 1);
    assert.equal(value(text, 'genhub_http_requests_total', { route: 'health', method: 'GET', status: '200' }), 1);
    assert.equal(value(text, 'genhub_http_requests_total', { route: 'rest', method: 'GET', status: '404' }), 1);
    assert.ok((value(text, 'genhub_http_request_duration_seconds_count', { route: 'graphql' }) ?? 0) >= 1);
    assert.equal(value(text, 'genhub_tasks_created_total', { kind: 'text.generate' }), 1);
    assert.equal(value(text, 'genhub_tasks_finished_total', { kind: 'text.generate', status: 'succeeded' }), 1);
    assert.equal(value(text, 'genhub_task_run_seconds_count', { kind: 'text.generate' }), 1);
    assert.equal(value(text, 'genhub_tasks_active', { status: 'queued' }), 0);
    assert.equal(value(text, 'genhub_tasks_active', { status: 'running' }), 0);
    assert.equal(value(text, 'genhub_queue_waiting_jobs'), 0);
    assert.equal(value(text, 'genhub_sse_subscriptions'), 0);
    // The process's own, and the role on every series.
    assert.ok((value(text, 'genhub_process_cpu_seconds_total') ?? 0) > 0);
    assert.ok((value(text, 'genhub_nodejs_eventloop_lag_p99_seconds') ?? -1) >= 0);
    assert.match(text, /genhub_tasks_created_total\{kind="text\.generate",role="all"\} 1/);
  } finally {
    await ws.dispose();
  }

  assert.equal((await fetch(t.app.metricsUrl!.replace('/metrics', '/other'))).status, 404);

  // A subscription over SSE is an open stream, not a request; a query that merely accepts SSE is a request.
  const gone = new AbortController();
  const sse = await fetch(`${t.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: `Bearer ${u!.token}` },
    body: JSON.stringify({ query: 'subscription { myTaskEvents { type } }' }),
    signal: gone.signal,
  });
  assert.match(sse.headers.get('content-type') ?? '', /text\/event-stream/);
  try {
    const s = await until('the SSE subscription counted', async () => {
      const text = await scrape();
      return value(text, 'genhub_sse_subscriptions') === 1 ? text : null;
    });
    const countNow = value(s, 'genhub_http_requests_total', { route: 'graphql', method: 'POST', status: '200' });
    gone.abort();
    await until('the SSE subscription gone', async () => value(await scrape(), 'genhub_sse_subscriptions') === 0);
    assert.equal(value(await scrape(), 'genhub_http_requests_total', { route: 'graphql', method: 'POST', status: '200' }), countNow);
  } finally {
    gone.abort();
  }
});

test('without METRICS_PORT nothing is measured or served', async () => {
  const plain = await startTestServer();
  try {
    assert.equal(plain.app.metricsUrl, undefined);
    assert.equal(plain.app.deps.metrics, undefined);
  } finally {
    await plain.close();
  }
});

// The REST core on a route table of its own: a refusal (or a failure) after a stream of
// server-sent events has started is sent as the stream's last event, in the API's error body.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import type { YogaServerInstance } from 'graphql-yoga';
import { createRestHandler, RestError, type Api } from '../../src/rest/core.js';

const errors: unknown[] = [];
/** What the REST core rethrew to the server (which logs it as a failed request). */
const thrown: Error[] = [];
const api: Api = {
  name: 'Stream test',
  base: '/t',
  description: 'routes whose streams end in a refusal',
  error: (e) => ({ status: e.status, body: { detail: e.message, code: e.code } }),
  routes: [
    {
      method: 'GET',
      path: '/refused',
      summary: 'one event, then a refusal',
      auth: 'none',
      responses: { 200: 'events' },
      async run() {
        async function* events() {
          yield 'event: task\ndata: {"n":1}\n\n';
          throw new RestError({ message: 'The task is gone', code: 'NOT_FOUND', status: 404, extensions: {} });
        }
        return { events: events() };
      },
    },
    {
      method: 'GET',
      path: '/broken',
      summary: 'one event, then a failure of ours',
      auth: 'none',
      responses: { 200: 'events' },
      async run() {
        async function* events() {
          yield 'event: task\ndata: {"n":1}\n\n';
          throw new Error('database exploded at 10.0.0.5');
        }
        return { events: events() };
      },
    },
  ],
};

let server: Server;
let url: string;
before(async () => {
  // The routes never call GraphQL: no Yoga instance is needed.
  const rest = createRestHandler({} as YogaServerInstance<any, any>, [api], { error: (o) => errors.push(o) });
  server = createServer((req, res) => {
    rest(req, res).catch((err: Error) => {
      thrown.push(err);
      res.end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => new Promise<void>((r) => server.close(() => r())));

test('a refusal mid-stream is the last event, in the API’s error body', async () => {
  const res = await fetch(`${url}/t/refused`);
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /text\/event-stream/);
  const text = await res.text();
  assert.equal(text, 'event: task\ndata: {"n":1}\n\nevent: error\ndata: {"detail":"The task is gone","code":"NOT_FOUND"}\n\n');
});

test('a failure mid-stream ends it with a masked error event, and goes on to the server to be logged', async () => {
  const text = await (await fetch(`${url}/t/broken`)).text();
  assert.equal(text, 'event: task\ndata: {"n":1}\n\nevent: error\ndata: {"detail":"Internal server error","code":"INTERNAL_SERVER_ERROR"}\n\n');
  assert.doesNotMatch(text, /10\.0\.0\.5/);
  assert.deepEqual(thrown.map((e) => e.message), ['database exploded at 10.0.0.5']);
});

// The OpenAPI document covers every legacy route with its documented statuses; Swagger UI at /docs.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { REST_APIS } from '../../src/rest/index.js';
import { startTestServer, type TestServer } from '../helpers/harness.js';

let t: TestServer;
before(async () => {
  t = await startTestServer({});
});
after(() => t.close());

test('/openapi.json lists every route of every REST API (the legacy ones and /v1), with its parameters, body and statuses', async () => {
  const res = await fetch(`${t.url}/openapi.json`);
  assert.equal(res.status, 200);
  const doc = (await res.json()) as any;
  assert.equal(doc.openapi, '3.0.3');
  let count = 0;
  for (const api of REST_APIS) {
    for (const r of api.routes) {
      count++;
      const path = api.base.replace(/\/$/, '') + r.path;
      const op = doc.paths[path]?.[r.method.toLowerCase()];
      assert.ok(op, `${r.method} ${path} documented`);
      assert.deepEqual(Object.keys(op.responses).map(Number).sort(), Object.keys(r.responses).map(Number).sort());
      for (const m of r.path.matchAll(/\{(\w+)\}/g)) assert.ok(op.parameters.some((p: any) => p.name === m[1] && p.in === 'path'), `${path} names ${m[1]}`);
      if (r.requestBody) assert.ok(op.requestBody.content[r.requestBody.contentType]);
      if (r.auth !== 'none') assert.ok(op.security.length > 0);
      for (const s of op.security) for (const k of Object.keys(s)) assert.ok(doc.components.securitySchemes[k], k);
    }
  }
  const ops = Object.values(doc.paths).reduce((n: number, p: any) => n + Object.keys(p).length, 0);
  assert.equal(ops, count, 'one operation per route');
  // Seed paths spot-checked against the documents.
  for (const [method, path] of [['post', '/api/v1.0/rest/user/login'], ['get', '/rest/api/model/{order_id}/avatars/{page_id}'], ['post', '/api/v1/ai/chat'], ['delete', '/api/v1/webhooks/{id}']] as const) {
    assert.ok(doc.paths[path]?.[method], `${method} ${path}`);
  }
});

test('/docs serves Swagger UI and its assets', async () => {
  const page = await fetch(`${t.url}/docs`);
  assert.equal(page.status, 200);
  const html = await page.text();
  assert.match(html, /swagger-ui-bundle\.js/);
  for (const asset of ['/docs/swagger-ui-bundle.js', '/docs/swagger-ui.css', '/docs/swagger-ui-standalone-preset.js', '/docs/init.js']) {
    const r = await fetch(t.url + asset);
    assert.equal(r.status, 200, asset);
    assert.ok((await r.arrayBuffer()).byteLength > 0);
  }
  assert.equal((await fetch(`${t.url}/docs/../package.json`)).status, 404);
});

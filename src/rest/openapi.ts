// The OpenAPI 3 document of every legacy route, made from the route tables themselves, and
// Swagger UI (swagger-ui-dist) at /docs.
import { pageCsp } from './core.js';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Api } from './core.js';

const SECURITY: Record<string, Record<string, unknown>> = {
  bearer: { type: 'http', scheme: 'bearer', description: 'An access token, or an API key (sk_…).' },
  basic: { type: 'http', scheme: 'basic' },
  apiKey: { type: 'apiKey', in: 'header', name: 'X-API-Key' },
  cookie: { type: 'apiKey', in: 'cookie', name: 'session' },
  refresh: { type: 'http', scheme: 'bearer', description: 'The refresh token.' },
};

export function openApiDocument(apis: Api[]) {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const api of apis) {
    for (const r of api.routes) {
      const path = (api.base.replace(/\/$/, '') + r.path) || '/';
      const params = [...r.path.matchAll(/\{(\w+)\}/g)].map((m) => ({ name: m[1], in: 'path', required: true, schema: { type: 'string' } }));
      const query = Object.entries(r.query ?? {}).map(([name, description]) => ({ name, in: 'query', required: false, description, schema: { type: 'string' } }));
      const security = r.auth === 'none' ? [] : r.auth === 'bearer' ? [{ bearer: [] }, { apiKey: [] }] : [{ [r.auth]: [] }];
      (paths[path] ??= {})[r.method.toLowerCase()] = {
        tags: [api.name],
        summary: r.summary,
        operationId: `${api.name.replace(/\W+/g, '')}_${r.method.toLowerCase()}_${r.path.replace(/\W+/g, '_')}`,
        ...(params.length || query.length ? { parameters: [...params, ...query] } : {}),
        ...(r.requestBody
          ? { requestBody: { required: true, content: { [r.requestBody.contentType]: { ...(r.requestBody.schema ? { schema: r.requestBody.schema } : { schema: { type: 'object' } }), ...(r.requestBody.example !== undefined ? { example: r.requestBody.example } : {}) } } } }
          : {}),
        responses: Object.fromEntries(Object.entries(r.responses).map(([status, description]) => [status, { description }])),
        security,
      };
    }
  }
  return {
    openapi: '3.0.3',
    info: { title: 'genhub legacy REST APIs', version: '1.0.0', description: apis.map((a) => `**${a.name}** (\`${a.base}\`): ${a.description}`).join('\n\n') },
    tags: apis.map((a) => ({ name: a.name, description: a.description })),
    paths,
    components: { securitySchemes: SECURITY },
  };
}

const dist = dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));
const FILES: Record<string, string> = { 'swagger-ui.css': 'text/css', 'swagger-ui-bundle.js': 'application/javascript', 'swagger-ui-standalone-preset.js': 'application/javascript', 'favicon-32x32.png': 'image/png' };

const PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>genhub REST APIs</title>
<link rel="stylesheet" href="/docs/swagger-ui.css"><link rel="icon" href="/docs/favicon-32x32.png"></head>
<body><div id="swagger-ui"></div>
<script src="/docs/swagger-ui-bundle.js"></script><script src="/docs/swagger-ui-standalone-preset.js"></script>
<script src="/docs/init.js"></script></body></html>`;
const INIT = `window.ui = SwaggerUIBundle({ url: '/openapi.json', dom_id: '#swagger-ui', presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset], layout: 'StandaloneLayout' });`;

/** Serves /openapi.json and /docs; false for other paths. */
export function createDocsHandler(apis: Api[]) {
  const doc = JSON.stringify(openApiDocument(apis));
  return async function docs(req: IncomingMessage, res: ServerResponse): Promise<boolean> {
    if (req.method !== 'GET' && req.method !== 'HEAD') return false;
    const path = (req.url ?? '/').split('?')[0]!;
    const send = (type: string, body: string | Buffer) => {
      res.writeHead(200, {
        'content-type': type,
        'cache-control': 'public, max-age=300',
        'x-content-type-options': 'nosniff',
        // Swagger UI runs from its own files (no inline script); it needs inline styles and data: images.
        ...(type.startsWith('text/html') ? { 'content-security-policy': pageCsp() } : {}),
      });
      res.end(req.method === 'HEAD' ? undefined : body);
      return true;
    };
    if (path === '/openapi.json') return send('application/json; charset=utf-8', doc);
    if (path === '/docs' || path === '/docs/') return send('text/html; charset=utf-8', PAGE);
    if (path === '/docs/init.js') return send('application/javascript', INIT);
    const file = path.startsWith('/docs/') ? path.slice(6) : null;
    if (file && FILES[file]) return send(FILES[file], await readFile(join(dist, file)));
    return false;
  };
}

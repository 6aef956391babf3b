// A local stand-in for Replicate's predictions API: create (by version or by model), get (the
// prediction advances starting → processing → succeeded on each read, with tqdm-style logs),
// cancel, and output files served by URL.
import { pngOf, send, serve } from './common.js';

interface Prediction {
  id: string;
  version: string | null;
  model: string | null;
  input: Record<string, any>;
  status: 'starting' | 'processing' | 'succeeded' | 'failed' | 'canceled';
  reads: number;
  logs: string;
  output: unknown;
  error: string | null;
}

export async function startReplicateStandIn(opts: { token?: string; readsToFinish?: number } = {}) {
  const predictions = new Map<string, Prediction>();
  const files = new Map<string, Buffer>();
  const state = { cancels: 0, failCreate: 0 };
  let seq = 0;
  const standIn = await serve(async (req, res, body) => {
    const path = req.url!.split('?')[0]!;
    if (req.method === 'GET' && path.startsWith('/files/')) {
      const f = files.get(path.slice(7));
      if (!f) return send(res, 404, { detail: 'Not found.' });
      res.writeHead(200, { 'content-type': path.endsWith('.mp4') ? 'video/mp4' : 'image/png' });
      return res.end(f);
    }
    if (opts.token && req.headers.authorization !== `Bearer ${opts.token}`) return send(res, 401, { title: 'Unauthenticated', detail: 'You did not pass a valid authentication token', status: 401 });
    const view = (p: Prediction) => ({
      id: p.id,
      version: p.version,
      model: p.model,
      input: p.input,
      status: p.status,
      logs: p.logs,
      output: p.status === 'succeeded' ? p.output : null,
      error: p.error,
      metrics: p.status === 'succeeded' ? { predict_time: 1.2, input_token_count: 5, output_token_count: 7 } : {},
      urls: { get: `${standIn.url}/v1/predictions/${p.id}`, cancel: `${standIn.url}/v1/predictions/${p.id}/cancel` },
    });
    const create = /^\/v1\/predictions$/.test(path) || /^\/v1\/models\/[^/]+\/[^/]+\/predictions$/.test(path);
    if (req.method === 'POST' && create) {
      if (state.failCreate > 0) {
        state.failCreate--;
        return send(res, 503, { title: 'Service Unavailable', detail: 'Replicate is temporarily unavailable', status: 503 });
      }
      if (!body?.input || typeof body.input !== 'object') return send(res, 422, { title: 'Input validation failed', detail: '- input: Invalid type. Expected: object', status: 422 });
      if (path === '/v1/predictions' && !body.version) return send(res, 422, { title: 'Invalid version', detail: 'version is required', status: 422 });
      const p: Prediction = {
        id: `pred${++seq}`,
        version: body.version ?? null,
        model: path === '/v1/predictions' ? null : path.split('/').slice(3, 5).join('/'),
        input: body.input,
        status: 'starting',
        reads: 0,
        logs: '',
        output: null,
        error: null,
      };
      predictions.set(p.id, p);
      return send(res, 201, view(p));
    }
    const m = /^\/v1\/predictions\/([^/]+)(\/cancel)?$/.exec(path);
    const p = m && predictions.get(m[1]!);
    if (m && !p) return send(res, 404, { detail: 'Not found.', status: 404 });
    if (p && m![2] && req.method === 'POST') {
      state.cancels++;
      if (p.status === 'starting' || p.status === 'processing') p.status = 'canceled';
      return send(res, 200, view(p));
    }
    if (p && req.method === 'GET') {
      if (p.status === 'starting' || p.status === 'processing') {
        p.reads++;
        const total = opts.readsToFinish ?? 3;
        p.status = 'processing';
        const pct = Math.min(100, Math.round((p.reads / total) * 100));
        p.logs += ` ${pct}%|${'█'.repeat(pct / 10)}| ${p.reads}/${total}\n`;
        if (p.reads >= total) {
          if (String(p.input.prompt ?? '').includes('forbidden')) {
            p.status = 'failed';
            p.error = 'NSFW content detected. Try running it again, or try a different prompt.';
          } else if (typeof p.input.prompt === 'string' && p.input.max_new_tokens !== undefined) {
            p.status = 'succeeded';
            p.output = ['Stand-in ', 'reply ', 'from ', 'Replicate.'];
          } else {
            p.status = 'succeeded';
            const n = p.input.num_outputs ?? 1;
            p.output = [];
            for (let i = 0; i < n; i++) {
              const name = `${p.id}-${i}.${p.input.input_image ? 'mp4' : 'png'}`;
              files.set(name, p.input.input_image ? Buffer.from('\0\0\0\x18ftypmp42stand-in video') : await pngOf(p.input.width ?? 64, p.input.height ?? 64, i * 50));
              (p.output as string[]).push(`${standIn.url}/files/${name}`);
            }
            if (p.input.input_image) p.output = (p.output as string[])[0];
          }
        }
      }
      return send(res, 200, view(p));
    }
    send(res, 404, { detail: 'Not found.', status: 404 });
  });
  return { ...standIn, state, predictions };
}

// A local stand-in for the Stable Diffusion WebUI API (AUTOMATIC1111/Forge), speaking its real
// protocol: /sdapi/v1/txt2img and /img2img (JSON, base64 images, `info` as a JSON string),
// /sdapi/v1/progress and /sdapi/v1/interrupt, with FastAPI-style 422 errors.
import { pngOf, send, serve, wait } from './common.js';

export interface SdStandInOptions {
  /** Milliseconds per sampling step. */
  stepMs?: number;
  /** Answer the next generation with this status. */
  failWith?: number;
  /** Never answer generation requests. */
  hang?: boolean;
}

export async function startSdStandIn(opts: SdStandInOptions = {}) {
  const state = { step: 0, steps: 0, busy: false, interrupted: false, interrupts: 0, failWith: opts.failWith };
  const standIn = await serve(async (req, res, body) => {
    const path = req.url!.split('?')[0];
    if (req.method === 'GET' && path === '/sdapi/v1/progress') {
      return send(res, 200, {
        progress: state.busy && state.steps ? state.step / state.steps : 0,
        eta_relative: state.busy ? (state.steps - state.step) * ((opts.stepMs ?? 20) / 1000) : 0,
        state: { skipped: false, interrupted: state.interrupted, job: state.busy ? 'job' : '', job_count: state.busy ? 1 : 0, job_no: 0, sampling_step: state.step, sampling_steps: state.steps },
        current_image: null,
        textinfo: null,
      });
    }
    if (req.method === 'POST' && path === '/sdapi/v1/interrupt') {
      state.interrupted = true;
      state.interrupts++;
      return send(res, 200, {});
    }
    if (req.method === 'POST' && (path === '/sdapi/v1/txt2img' || path === '/sdapi/v1/img2img')) {
      if (opts.hang) return; // never answers
      if (state.failWith) {
        const status = state.failWith;
        state.failWith = undefined;
        return send(res, status, status === 422 ? { detail: [{ loc: ['body', 'width'], msg: 'value is not a valid integer', type: 'type_error.integer' }] } : { error: 'OutOfMemoryError', detail: 'CUDA out of memory', body: '', errors: '' });
      }
      const missing = typeof body?.prompt !== 'string' ? 'prompt' : path.endsWith('img2img') && !Array.isArray(body.init_images) ? 'init_images' : null;
      if (missing) return send(res, 422, { detail: [{ loc: ['body', missing], msg: 'field required', type: 'value_error.missing' }] });
      state.busy = true;
      state.interrupted = false;
      state.step = 0;
      state.steps = body.steps ?? 20;
      for (let i = 0; i < state.steps && !state.interrupted; i++) {
        await wait(opts.stepMs ?? 20);
        state.step = i + 1;
      }
      state.busy = false;
      const n = body.batch_size ?? 1;
      const seed = body.seed === -1 || body.seed === undefined ? 1234 : body.seed;
      const images = await Promise.all(Array.from({ length: n }, (_, i) => pngOf(body.width ?? 512, body.height ?? 512, seed + i)));
      return send(res, 200, {
        images: images.map((b) => b.toString('base64')),
        parameters: body,
        info: JSON.stringify({ prompt: body.prompt, seed, all_seeds: images.map((_, i) => seed + i), sd_model_name: body.override_settings?.sd_model_checkpoint ?? 'v1-5-pruned' }),
      });
    }
    send(res, 404, { detail: 'Not Found' });
  });
  return { ...standIn, state };
}

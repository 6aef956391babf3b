// Stable Diffusion WebUI API (AUTOMATIC1111 and Forge): txt2img and img2img, progress by polling
// /sdapi/v1/progress while the generation request is open, and /sdapi/v1/interrupt on cancel.
import { call, ensureOk, joinUrl, json, type BackendOptions } from './http.js';
import { ProviderError, sleep, type Provider, type ProviderJob, type ProviderResult, type RunContext } from './types.js';

interface SdResponse {
  images: string[];
  info?: string;
}

interface SdProgress {
  progress: number;
  eta_relative?: number;
  state?: { sampling_step?: number; sampling_steps?: number; job_count?: number; job_no?: number };
}

export function createSdWebUiProvider(o: BackendOptions): Provider {
  const url = (p: string) => joinUrl(o.url, p);
  const headers: Record<string, string> = { 'content-type': 'application/json', ...(o.apiKey ? { authorization: `Bearer ${o.apiKey}` } : {}) };
  // The WebUI runs one job at a time and its /progress and /interrupt act on whichever job runs:
  // send it one generation at a time, so they always refer to ours.
  let turn: Promise<unknown> = Promise.resolve();
  const exclusively = <T>(f: () => Promise<T>): Promise<T> => {
    const run = turn.then(f, f);
    turn = run.catch(() => {});
    return run;
  };

  function generate(job: ProviderJob, ctx: RunContext, prompt: string, extra: Record<string, unknown> = {}) {
    return exclusively(() => {
      if (ctx.signal.aborted) throw ctx.signal.reason;
      return generateNow(job, ctx, prompt, extra);
    });
  }

  async function generateNow(job: ProviderJob, ctx: RunContext, prompt: string, extra: Record<string, unknown> = {}) {
    const { input, params } = job;
    const count = input.count ?? 1;
    const body: Record<string, unknown> = {
      prompt,
      negative_prompt: input.negativePrompt ?? '',
      width: input.width ?? 512,
      height: input.height ?? 512,
      steps: input.steps ?? 20,
      cfg_scale: input.cfgScale ?? 7,
      seed: input.seed ?? -1,
      sampler_name: input.sampler ?? params.sampler ?? 'Euler a',
      batch_size: count,
      n_iter: 1,
      send_images: true,
      save_images: false,
      override_settings: { ...(params.model ? { sd_model_checkpoint: params.model } : {}), return_grid: false },
      override_settings_restore_afterwards: true,
      ...extra,
    };
    let endpoint = '/sdapi/v1/txt2img';
    if (input.imageKey) {
      endpoint = '/sdapi/v1/img2img';
      body.init_images = [(await job.readFile(input.imageKey)).toString('base64')];
      body.denoising_strength = input.denoisingStrength ?? 0.6;
      if (input.maskKey) {
        body.mask = (await job.readFile(input.maskKey)).toString('base64');
        body.inpainting_fill = 1;
        body.inpaint_full_res = false;
      }
    }

    // The generation request stays open until the images are ready; poll progress meanwhile.
    let done = false;
    const poller = (async () => {
      while (!done) {
        await sleep(o.pollMs, ctx.signal).catch(() => {});
        if (done || ctx.signal.aborted) return;
        try {
          const res = await call(url('/sdapi/v1/progress?skip_current_image=true'), { method: 'GET', headers, timeoutMs: Math.min(o.timeoutMs, 10_000), signal: ctx.signal });
          if (!res.ok) {
            await res.body?.cancel().catch(() => {});
            continue;
          }
          const p = (await res.json()) as SdProgress;
          const s = p.state;
          const msg = s?.sampling_steps ? `Step ${s.sampling_step ?? 0} of ${s.sampling_steps}` : 'Generating';
          if (!done) await ctx.progress(Math.min(95, Math.round((p.progress ?? 0) * 100)), msg);
        } catch {
          // progress is best effort; cancellation is handled below
        }
      }
    })();
    const onAbort = () => {
      // The backend's own cancel: stop the running generation.
      void fetch(url('/sdapi/v1/interrupt'), { method: 'POST', headers }).catch(() => {});
    };
    ctx.signal.addEventListener('abort', onAbort, { once: true });
    try {
      const res = await ensureOk(
        await call(url(endpoint), { method: 'POST', headers, body: JSON.stringify(body), timeoutMs: o.timeoutMs, signal: ctx.signal }),
        `Stable Diffusion ${endpoint}`,
      );
      const out = await json<SdResponse>(res, 'Stable Diffusion');
      if (!Array.isArray(out.images) || out.images.length === 0) throw new ProviderError('Stable Diffusion returned no images', 'PROVIDER_PROTOCOL', false);
      let seeds: number[] = [];
      try {
        const info = JSON.parse(out.info ?? '{}');
        seeds = info.all_seeds ?? (info.seed !== undefined ? [info.seed] : []);
      } catch {
        // info is optional
      }
      // With several images some versions put a grid first: keep the last `count`.
      const images = out.images.slice(-count);
      return images.map((b64, i) => ({ data: Buffer.from(b64, 'base64'), mime: 'image/png', seed: seeds[i] }));
    } finally {
      done = true;
      ctx.signal.removeEventListener('abort', onAbort);
      await poller;
    }
  }

  return {
    name: 'sdwebui',
    label: 'Stable Diffusion WebUI',
    async run(job, ctx): Promise<ProviderResult> {
      const { input } = job;
      if (job.kind === 'image.generate' || job.kind === 'image.edit') {
        return { images: await generate(job, ctx, input.prompt ?? '') };
      }
      if (job.kind === 'avatar.generate') {
        // A personal model trained for the WebUI is a LoRA named by its reference.
        const images = [];
        for (const s of input.styles ?? []) {
          const made = await generate(job, ctx, `<lora:${input.trainedModelRef}:1> ${s.prompt}`);
          images.push(...made.map((m) => ({ ...m, styleId: s.id })));
        }
        return { images };
      }
      throw new ProviderError(`Stable Diffusion WebUI cannot run ${job.kind} tasks`, 'PROVIDER_UNSUPPORTED', false);
    },
  };
}

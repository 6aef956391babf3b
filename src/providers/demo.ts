// The demo provider: runs everywhere with nothing installed. Images, video frames and text are
// made locally and deterministically from the prompt and seed, with staged progress and a
// configurable delay. Every output is labelled as a demo.
import { createHash } from 'node:crypto';
import type { Sharp } from '../lib/sharp.js';
import { loadSharp } from '../lib/sharp.js';
import { sleep, type Provider, type ProviderJob, type ProviderResult, type RunContext } from './types.js';

export interface DemoOptions {
  /** Milliseconds a task takes in total (spread over its progress stages); 0 runs at once. */
  delayMs: number;
}

/** A small, fast, seedable generator (mulberry32). */
export function prng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const seedOf = (...parts: unknown[]) => createHash('sha256').update(JSON.stringify(parts)).digest().readUInt32BE(0);

/** An RGB picture from a seed: two-colour gradient with soft circles. */
async function picture(seed: number, width: number, height: number): Promise<ReturnType<Sharp>> {
  const sharp = await loadSharp();
  const rand = prng(seed);
  const c1 = [rand() * 255, rand() * 255, rand() * 255];
  const c2 = [rand() * 255, rand() * 255, rand() * 255];
  const circles = Array.from({ length: 3 + Math.floor(rand() * 4) }, () => ({
    x: rand() * width,
    y: rand() * height,
    r: (0.1 + rand() * 0.25) * Math.min(width, height),
    c: [rand() * 255, rand() * 255, rand() * 255],
  }));
  const px = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const t = (x / width + y / height) / 2;
      let r = c1[0]! * (1 - t) + c2[0]! * t;
      let g = c1[1]! * (1 - t) + c2[1]! * t;
      let b = c1[2]! * (1 - t) + c2[2]! * t;
      for (const k of circles) {
        const d = Math.hypot(x - k.x, y - k.y);
        if (d < k.r) {
          const a = 0.6 * (1 - d / k.r);
          r = r * (1 - a) + k.c[0]! * a;
          g = g * (1 - a) + k.c[1]! * a;
          b = b * (1 - a) + k.c[2]! * a;
        }
      }
      const i = (y * width + x) * 3;
      px[i] = r;
      px[i + 1] = g;
      px[i + 2] = b;
    }
  }
  return sharp(px, { raw: { width, height, channels: 3 } });
}

const words =
  'light river stone quiet morning silver garden window story machine dream ocean signal paper bright forest city music winter voice'.split(' ');

/** Deterministic text of `count` words, for a prompt and seed. */
function demoWords(seed: number, count: number): string[] {
  const rand = prng(seed);
  return Array.from({ length: count }, () => words[Math.floor(rand() * words.length)]!);
}

export const approxTokens = (s: string) => Math.max(1, Math.ceil(s.length / 4));

/** The demo backend's job id names the process that ran it (which worker, in a scale-out). */
const demoJobId = (taskId: number) => `demo-${process.pid}-${taskId}`;

export function createDemoProvider(opts: DemoOptions): Provider {
  /** Stages of progress spread over the configured delay. */
  const stages = async (ctx: RunContext, steps: [number, string][]) => {
    for (const [p, msg] of steps) {
      if (opts.delayMs > 0) await sleep(opts.delayMs / steps.length, ctx.signal);
      await ctx.progress(p, msg);
    }
  };

  const images = async (job: ProviderJob, ctx: RunContext, prompts: { prompt: string; styleId?: number }[]): Promise<ProviderResult> => {
    const sharp = await loadSharp();
    const { input } = job;
    const width = input.width ?? 512;
    const height = input.height ?? 512;
    const count = input.count ?? 1;
    const baseSeed = input.seed ?? seedOf(job.modelId, prompts.map((p) => p.prompt));
    await stages(ctx, [
      [10, 'Loading the demo model'],
      [50, `Sampling (${input.steps ?? 20} steps)`],
      [80, 'Decoding'],
    ]);
    const out: NonNullable<ProviderResult['images']> = [];
    const base = input.imageKey ? await job.readFile(input.imageKey) : null;
    const mask = input.maskKey ? await job.readFile(input.maskKey) : null;
    for (const p of prompts) {
      for (let i = 0; i < count; i++) {
        const seed = (baseSeed + i + (p.styleId ?? 0) * 7919) >>> 0;
        let img = await picture(seedOf(job.modelId, p.prompt, seed), width, height);
        if (base) {
          // img2img: the input image tinted towards the prompt's colours; inpainting: the
          // generated picture shows only through the white of the mask.
          const generated = await img.png().toBuffer();
          const source = sharp(base).resize(width, height, { fit: 'cover' }).removeAlpha();
          if (mask) {
            const alpha = await sharp(mask).resize(width, height, { fit: 'fill' }).greyscale().raw().toBuffer();
            const overlay = await sharp(generated).joinChannel(alpha, { raw: { width, height, channels: 1 } }).png().toBuffer();
            img = source.composite([{ input: overlay }]);
          } else {
            const strength = input.denoisingStrength ?? 0.5;
            const tint = await sharp(generated).ensureAlpha(strength).png().toBuffer();
            img = source.composite([{ input: tint }]);
          }
        }
        out.push({ data: await img.png().toBuffer(), mime: 'image/png', seed, ...(p.styleId !== undefined ? { styleId: p.styleId } : {}) });
      }
    }
    await ctx.progress(95, 'Saving');
    return { images: out, providerJobId: demoJobId(job.taskId) };
  };

  return {
    name: 'demo',
    label: 'Demo provider (local placeholder output, not a real model)',

    async run(job, ctx) {
      const sharp = await loadSharp();
      const { input } = job;
      switch (job.kind) {
        case 'image.generate':
        case 'image.edit':
          return images(job, ctx, [{ prompt: input.prompt ?? '' }]);

        case 'avatar.generate':
          return images(
            job,
            ctx,
            (input.styles ?? []).map((s) => ({ prompt: `${input.trainedModelRef}: ${s.prompt}`, styleId: s.id })),
          );

        case 'video.generate': {
          const fps = input.fps ?? 8;
          const seconds = input.seconds ?? 2;
          const width = input.width ?? 256;
          const height = input.height ?? 256;
          const frames = Math.max(2, Math.round(fps * seconds));
          const source = input.imageKey ? await sharp(await job.readFile(input.imageKey)).resize(width, height, { fit: 'cover' }).removeAlpha().png().toBuffer() : null;
          const seed = input.seed ?? seedOf(job.modelId, input.prompt ?? '', input.imageKey ?? '');
          const made: Buffer[] = [];
          for (let f = 0; f < frames; f++) {
            // A slow zoom into the source image, or a drifting pattern without one.
            const frame = source
              ? sharp(source)
                  .extract({ left: Math.floor((f / frames) * width * 0.1), top: Math.floor((f / frames) * height * 0.1), width: Math.ceil(width * 0.9), height: Math.ceil(height * 0.9) })
                  .resize(width, height)
              : await picture(seed + f, width, height);
            // A bar along the bottom shows the clip's progress (and keeps every frame distinct).
            const bar = await sharp({ create: { width: Math.max(1, Math.round(((f + 1) / frames) * width)), height: 4, channels: 3, background: { r: 255, g: 255, b: 255 } } }).png().toBuffer();
            made.push(await sharp(await frame.png().toBuffer()).composite([{ input: bar, left: 0, top: height - 4 }]).png().toBuffer());
            if (f % Math.max(1, Math.floor(frames / 4)) === 0) {
              if (opts.delayMs > 0) await sleep(opts.delayMs / 4, ctx.signal);
              await ctx.progress(Math.min(90, Math.round((f / frames) * 90)), `Frame ${f + 1} of ${frames}`);
            }
          }
          const data = await sharp(made, { join: { animated: true } }).webp({ delay: Math.round(1000 / fps), loop: 0 }).toBuffer();
          return { video: { data, mime: 'image/webp', durationSec: frames / fps, fps }, providerJobId: demoJobId(job.taskId) };
        }

        case 'text.chat':
        case 'text.generate': {
          const prompt =
            job.kind === 'text.chat'
              ? (input.messages ?? []).map((m) => `${m.role}: ${m.content}`).join('\n')
              : (input.prompt ?? '');
          const lastUser = [...(input.messages ?? [])].reverse().find((m) => m.role === 'user')?.content ?? input.prompt ?? '';
          const maxTokens = input.maxTokens ?? 256;
          const n = input.n ?? 1;
          const texts: NonNullable<ProviderResult['texts']> = [];
          let completionTokens = 0;
          for (let c = 0; c < n; c++) {
            const intro = ['[demo]', 'Reply', 'to:', `"${lastUser.slice(0, 40)}"`, '—'];
            const body = demoWords(seedOf(prompt, input.seed ?? 0, c), 24);
            const tokens = [...intro, ...body].slice(0, maxTokens);
            let text = '';
            let finish: 'stop' | 'length' = tokens.length < intro.length + body.length ? 'length' : 'stop';
            for (let i = 0; i < tokens.length; i++) {
              const delta = (i === 0 ? '' : ' ') + tokens[i];
              if (input.stop?.some((s) => (text + delta).includes(s))) {
                finish = 'stop';
                break;
              }
              text += delta;
              ctx.token?.(delta, c);
              completionTokens++;
              // Evenly paced, like a real model writing.
              if (opts.delayMs > 0) await sleep(opts.delayMs / tokens.length, ctx.signal);
              else if (ctx.signal.aborted) throw ctx.signal.reason;
            }
            texts.push({ text, finishReason: finish });
            await ctx.progress(Math.round(((c + 1) / n) * 95), `Choice ${c + 1} of ${n}`);
          }
          return { texts, usage: { promptTokens: approxTokens(prompt), completionTokens }, providerJobId: demoJobId(job.taskId) };
        }

        case 'model.train': {
          const keys = input.trainingKeys ?? [];
          const total = 5;
          for (let s = 1; s <= total; s++) {
            if (opts.delayMs > 0) await sleep(opts.delayMs / total, ctx.signal);
            await ctx.progress(Math.round((s / total) * 95), s === 1 ? `Preparing ${keys.length} photos` : `Training step ${s - 1} of ${total - 1}`);
          }
          const ref = `demo-model-${createHash('sha256').update(keys.join(',')).digest('hex').slice(0, 12)}`;
          return { trainedModel: { ref, metadata: { demo: true, photos: keys.length } }, providerJobId: demoJobId(job.taskId) };
        }
      }
    },
  };
}

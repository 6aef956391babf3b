// A provider job and run context that record what the provider reports.
import type { ProviderJob, RunContext, TaskInput, TaskKindName } from '../../src/providers/types.js';

export function jobOf(kind: TaskKindName, input: TaskInput, params: Record<string, unknown> = {}, files: Record<string, Buffer> = {}): ProviderJob {
  return {
    taskId: 1,
    kind,
    modelId: 'catalog-model',
    params,
    input,
    readFile: async (key) => {
      const f = files[key];
      if (!f) throw new Error(`no file ${key}`);
      return f;
    },
  };
}

export function recorder(opts: { cancelAtProgress?: number } = {}) {
  const controller = new AbortController();
  const progress: { percent: number; message?: string }[] = [];
  const tokens: string[] = [];
  const started: string[] = [];
  const ctx: RunContext = {
    signal: controller.signal,
    progress: async (percent, message) => {
      progress.push({ percent, message });
      if (opts.cancelAtProgress !== undefined && percent >= opts.cancelAtProgress && !controller.signal.aborted) {
        const { CanceledError } = await import('../../src/providers/types.js');
        controller.abort(new CanceledError('canceled'));
      }
      if (controller.signal.aborted) throw controller.signal.reason;
    },
    token: (delta) => tokens.push(delta),
    started: (id) => void started.push(id),
  };
  return { ctx, controller, progress, tokens, started };
}

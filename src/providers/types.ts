// What every AI backend implements. A provider receives validated task input and reports
// progress; it returns raw outputs (image bytes, video bytes, text) that the task engine stores
// as assets. It knows nothing of credits, users or the database.

export type TaskKindName =
  | 'image.generate'
  | 'image.edit'
  | 'video.generate'
  | 'text.chat'
  | 'text.generate'
  | 'model.train'
  | 'avatar.generate';

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

/** The validated input of a task (see modules/tasks/tasks.validation.ts); fields by kind. */
export interface TaskInput {
  prompt?: string;
  negativePrompt?: string;
  width?: number;
  height?: number;
  steps?: number;
  cfgScale?: number;
  seed?: number;
  sampler?: string;
  count?: number;
  denoisingStrength?: number;
  /** Storage keys of input files (uploaded images, masks, training photos). */
  imageKey?: string;
  maskKey?: string;
  trainingKeys?: string[];
  seconds?: number;
  fps?: number;
  messages?: ChatMessage[];
  maxTokens?: number;
  temperature?: number;
  topP?: number;
  n?: number;
  stop?: string[];
  /** avatar.generate: the trained model's provider reference, and one prompt per style. */
  trainedModelRef?: string;
  styles?: { id: number; name: string; prompt: string }[];
  gender?: number | null;
}

export interface ProviderJob {
  taskId: number;
  kind: TaskKindName;
  /** The catalog model id, and the backend's own model name or version from the registry. */
  modelId: string;
  params: Record<string, unknown>;
  input: TaskInput;
  /** Reads a stored input file. */
  readFile(key: string): Promise<Buffer>;
}

export interface GeneratedImage {
  data: Buffer;
  mime: string;
  seed?: number;
  /** For avatars: the style it was made in. */
  styleId?: number;
}

export interface ProviderResult {
  images?: GeneratedImage[];
  video?: { data: Buffer; mime: string; durationSec: number; fps: number };
  /** Text: one entry per choice. */
  texts?: { text: string; finishReason: 'stop' | 'length' | 'canceled' }[];
  usage?: { promptTokens: number; completionTokens: number };
  /** model.train: what the provider needs to generate from the trained model later. */
  trainedModel?: { ref: string; metadata?: Record<string, unknown> };
  /** The backend's id of the job, for its own cancel and for support. */
  providerJobId?: string;
}

export interface RunContext {
  /** Reports progress 0–100; rejects with CanceledError once the task is canceled or past its deadline. */
  progress(percent: number, message?: string): Promise<void>;
  /** Aborted on cancel and deadline: providers stop waiting and call the backend's own cancel. */
  signal: AbortSignal;
  /**
   * Streams generated text as it arrives (text kinds). `tokens`: how many tokens the piece is
   * (1 by default, a streamed model's usual piece); a client that leaves pays for what it got.
   */
  token?(delta: string, choice: number, tokens?: number): void;
  /** Called when the backend accepts the job, with its id. */
  started?(providerJobId: string): Promise<void> | void;
}

export interface Provider {
  readonly name: string;
  /** Shown to users: the demo says so. */
  readonly label: string;
  run(job: ProviderJob, ctx: RunContext): Promise<ProviderResult>;
}

/** A failure of the backend. Retryable ones (timeouts, 5xx, refused connections) are tried again. */
export class ProviderError extends Error {
  constructor(
    message: string,
    readonly code: string,
    readonly retryable: boolean,
  ) {
    super(message);
    this.name = 'ProviderError';
  }
}

/** The task was canceled (or passed its deadline) while running. */
export class CanceledError extends Error {
  constructor(readonly reason: 'canceled' | 'deadline') {
    super(reason === 'deadline' ? 'The task passed its deadline' : 'The task was canceled');
    this.name = 'CanceledError';
  }
}

/** Waits, or rejects with the signal's reason when it aborts first. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

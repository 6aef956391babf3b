// The settings that name AI backends and route models to them (PROVIDERS, MODEL_PROVIDERS).
import { z } from 'zod';

export const backendSchema = z.object({
  type: z.enum(['demo', 'sdwebui', 'openai', 'replicate']),
  url: z.string().url().optional(),
  apiKey: z.string().optional(),
  /** Milliseconds one HTTP call may take. */
  timeoutMs: z.number().int().positive().optional(),
  /** Milliseconds between progress polls. */
  pollMs: z.number().int().positive().optional(),
  delayMs: z.number().int().min(0).optional(),
});
export type BackendConfig = z.infer<typeof backendSchema>;

export const routeSchema = z.object({
  provider: z.string(),
  /** The backend's own model name, checkpoint or version. */
  model: z.string().optional(),
  params: z.record(z.string(), z.unknown()).optional(),
});
export type RouteConfig = z.infer<typeof routeSchema>;

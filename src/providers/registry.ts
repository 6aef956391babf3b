// Which backend runs which model. Backends are named in PROVIDERS (type, URL, key); models are
// routed with MODEL_PROVIDERS, else by the catalog's `provider` column and its parameters.
// A backend named "demo" always exists.
import type { AiModel } from '../generated/prisma/client.js';
import { createDemoProvider } from './demo.js';
import { createOpenAiProvider } from './openai.js';
import { createReplicateProvider } from './replicate.js';
import { createSdWebUiProvider } from './sdwebui.js';
import type { BackendConfig, RouteConfig } from './config.js';
import type { Provider } from './types.js';

export interface Route {
  provider: Provider;
  params: Record<string, unknown>;
}

export interface ProviderRegistry {
  resolve(model: Pick<AiModel, 'id' | 'provider' | 'providerConfig'>): Route | null;
  names(): string[];
}

export function createRegistry(opts: { backends: Record<string, BackendConfig>; routes: Record<string, RouteConfig>; demoDelayMs: number }): ProviderRegistry {
  const providers = new Map<string, Provider>();
  providers.set('demo', createDemoProvider({ delayMs: opts.demoDelayMs }));
  for (const [name, b] of Object.entries(opts.backends)) {
    const common = { url: b.url ?? '', apiKey: b.apiKey, timeoutMs: b.timeoutMs ?? 600_000, pollMs: b.pollMs ?? 1000 };
    const p =
      b.type === 'demo'
        ? createDemoProvider({ delayMs: b.delayMs ?? opts.demoDelayMs })
        : b.type === 'sdwebui'
          ? createSdWebUiProvider(common)
          : b.type === 'openai'
            ? createOpenAiProvider(common)
            : createReplicateProvider(common);
    providers.set(name, p);
  }
  return {
    resolve(model) {
      const route = opts.routes[model.id];
      const name = route?.provider ?? model.provider;
      const provider = providers.get(name);
      if (!provider) return null;
      const params = {
        ...((model.providerConfig as Record<string, unknown> | null) ?? {}),
        ...(route?.params ?? {}),
        ...(route?.model ? { model: route.model } : {}),
      };
      return { provider, params };
    },
    names: () => [...providers.keys()],
  };
}

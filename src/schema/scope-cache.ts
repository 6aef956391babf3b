// Pothos' auth-scope plugin keeps a cache per request in a WeakMap keyed by the context, and the
// cache refers to the context. V8's young-generation collector keeps alive the value of a WeakMap
// entry whose key is young, and with this value the key: left to the WeakMap, every request's
// context (its viewer, headers, lookup rows) was promoted to the old generation and left for a
// full collection (BENCHMARKS.md, P1). So the cache is deleted once an operation has run, and after
// each event of a subscription, whose context lives as long as it does (kept, the cache would also
// hold every event's object: its type cache is a Map keyed by the parent).
import { RequestCache } from '@pothos/plugin-scope-auth';
import type { Plugin } from 'graphql-yoga';

/** Deletes the auth-scope cache Pothos keeps for `context` (a later check makes a new one). */
export function releaseScopeCache(context: unknown): void {
  if (context && typeof context === 'object') RequestCache.clearForContext(context as never);
}

/** The same for operations that Yoga runs itself (the plans and the lean subscriptions call it directly). */
export const useScopeCacheRelease = (): Plugin => ({
  onExecute: ({ args }) => ({ onExecuteDone: () => releaseScopeCache(args.contextValue) }),
  onSubscribe: ({ args }) => ({
    onSubscribeResult: () => ({
      onNext: () => releaseScopeCache(args.contextValue),
      onEnd: () => releaseScopeCache(args.contextValue),
    }),
  }),
});

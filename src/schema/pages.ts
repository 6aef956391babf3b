// Offset pages (`items`, `total`, `offset`, `limit`), the shape every offset/limit list answers in.
import { builder } from './builder.js';

export interface OffsetPage<T = unknown> {
  items: T[];
  total: number;
  offset: number;
  limit: number;
}

/** The object type of a page of `item`s. */
export function offsetPage<P extends OffsetPage>(name: string, item: unknown, description?: string) {
  return builder.objectRef<P>(name).implement({
    ...(description ? { description } : {}),
    fields: (t) => ({
      items: t.field({ type: [item] as never, resolve: (p) => p.items as never }),
      total: t.int({ resolve: (p) => p.total }),
      offset: t.int({ resolve: (p) => p.offset }),
      limit: t.int({ resolve: (p) => p.limit }),
    }),
  });
}

// Calls made in one turn of the event loop, gathered into one call of a function that takes
// many: a busy process sends one statement for many items instead of one each.

/**
 * Returns a function of one item that resolves with that item's result from `run`, called once
 * for all the items asked for in the same turn of the event loop (at most `max` at a time).
 * `run` answers by key; an item it leaves out resolves null. The same key twice in one batch is
 * one item: the first caller gets the result, the others null. When `run` fails for a batch,
 * each item is run again on its own, so one item's trouble fails only its own caller; unless
 * `alone(err)` says no (a batch whose outcome is unknown, e.g. its connection was lost after
 * the statement was sent, must not be written twice): then every caller gets the error.
 */
export function tickBatcher<I, R>(
  keyOf: (item: I) => number,
  run: (items: I[]) => Promise<Map<number, R>>,
  opts: { max?: number; alone?: (err: unknown) => boolean } = {},
): (item: I) => Promise<R | null> {
  const max = opts.max ?? 200;
  type Waiting = { item: I; resolve(r: R | null): void; reject(err: unknown): void };
  let pending: Map<number, Waiting[]> | null = null;
  const settle = (waiting: Waiting[], result: R | null) => waiting.forEach((w, i) => w.resolve(i === 0 ? result : null));
  const flush = async (batch: Map<number, Waiting[]>) => {
    const items = [...batch.values()].map((w) => w[0]!.item);
    try {
      const results = await run(items);
      for (const [key, waiting] of batch) settle(waiting, results.get(key) ?? null);
    } catch (err) {
      if (batch.size === 1 || (opts.alone && !opts.alone(err))) {
        for (const waiting of batch.values()) waiting.forEach((w) => w.reject(err));
        return;
      }
      await Promise.all(
        [...batch].map(([key, waiting]) =>
          run([waiting[0]!.item]).then(
            (one) => settle(waiting, one.get(key) ?? null),
            (e) => waiting.forEach((w) => w.reject(e)),
          ),
        ),
      );
    }
  };
  return (item) =>
    new Promise((resolve, reject) => {
      const key = keyOf(item);
      if (!pending) {
        const batch = (pending = new Map());
        setImmediate(() => {
          if (pending === batch) pending = null;
          void flush(batch);
        });
      }
      const waiting = pending.get(key) ?? [];
      waiting.push({ item, resolve, reject });
      pending.set(key, waiting);
      // A full batch goes now; the next call starts another.
      if (pending.size >= max) pending = null;
    });
}

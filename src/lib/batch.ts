// Calls made in one turn of the event loop, gathered into one call of a function that takes
// many: a busy process sends one statement for many items instead of one each.

/**
 * Returns a function of one item that resolves with that item's result from `run`, called once
 * for all the items asked for in the same turn of the event loop (at most `max` at a time).
 * `run` answers by key; an item it leaves out resolves null. The same key twice in one batch is
 * one item: the first caller gets the result, the others null (with `share`, all of them get it:
 * for reads). When `run` fails for a batch, each item is run again on its own, so one item's
 * trouble fails only its own caller; unless `alone(err)` says no (a batch whose outcome is
 * unknown, e.g. its connection was lost after the statement was sent, must not be written
 * twice): then every caller gets the error.
 *
 * `inFlight` bounds the batches running at once. A batch whose turn has ended while that many
 * are running keeps taking items until one of them finishes, and then goes: an idle process
 * sends each batch at once, a busy one sends fewer and larger batches (what a statement costs
 * the database is mostly per statement, not per row). Unbounded by default.
 */
export function tickBatcher<I, R, K = number>(
  keyOf: (item: I) => K,
  run: (items: I[]) => Promise<Map<K, R>>,
  opts: { max?: number; alone?: (err: unknown) => boolean; inFlight?: number; share?: boolean } = {},
): (item: I) => Promise<R | null> {
  const max = opts.max ?? 200;
  const limit = opts.inFlight ?? Infinity;
  type Waiting = { item: I; resolve(r: R | null): void; reject(err: unknown): void };
  type Batch = Map<K, Waiting[]>;
  // The batch taking items; whether its turn has ended (it goes when a slot is free); full
  // batches waiting for a slot, oldest first; batches running.
  let open: Batch | null = null;
  let due = false;
  const full: Batch[] = [];
  let running = 0;
  const settle = (waiting: Waiting[], result: R | null) => waiting.forEach((w, i) => w.resolve(i === 0 || opts.share ? result : null));
  const flush = async (batch: Batch) => {
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
  const start = (batch: Batch) => {
    running++;
    flush(batch)
      // Whatever went wrong outside `run` (a throwing `alone`), no caller is left waiting.
      .catch((err: unknown) => batch.forEach((waiting) => waiting.forEach((w) => w.reject(err))))
      .finally(() => {
        running--;
        const next = full.shift() ?? (due ? close() : null);
        if (next) start(next);
      });
  };
  const close = () => {
    const batch = open;
    open = null;
    due = false;
    return batch;
  };
  return (item) =>
    new Promise((resolve, reject) => {
      const key = keyOf(item);
      if (!open) {
        const batch = (open = new Map());
        setImmediate(() => {
          if (open !== batch) return;
          if (running < limit) start(close()!);
          else due = true;
        });
      }
      const waiting = open.get(key) ?? [];
      waiting.push({ item, resolve, reject });
      open.set(key, waiting);
      // A full batch goes now (or as soon as a slot is free); the next call starts another.
      if (open.size >= max) {
        const batch = close()!;
        if (running < limit) start(batch);
        else full.push(batch);
      }
    });
}

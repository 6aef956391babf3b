/** Polls `probe` every `everyMs` until it returns something truthy, which it returns; fails after `ms`. */
export async function until<T>(what: string, probe: () => Promise<T | null | undefined | false>, ms = 20_000, everyMs = 50): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

// Helpers for task tests: waiting for a task to finish, sample images, multipart uploads.
import sharp from 'sharp';
import type { TestServer } from './harness.js';

const FINISHED = ['succeeded', 'failed', 'canceled'];

/** Waits until the task is finished (or in one of `statuses`), reading the database. */
export async function waitForTask(t: TestServer, id: number, statuses: string[] = FINISHED, timeoutMs = 20_000) {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const task = await t.app.deps.prisma.task.findUnique({ where: { id } });
    if (task && statuses.includes(task.status)) return task;
    if (Date.now() > end) throw new Error(`task ${id} is still ${task?.status} after ${timeoutMs} ms (${task?.progressMessage})`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** A PNG of the given size and colour. */
export const png = (width = 64, height = 64, background = { r: 40, g: 120, b: 200 }) =>
  sharp({ create: { width, height, channels: 3, background } }).png().toBuffer();

/** A mask: white square in the middle of black. */
export async function mask(width = 64, height = 64) {
  const white = await sharp({ create: { width: width / 2, height: height / 2, channels: 3, background: 'white' } }).png().toBuffer();
  return sharp({ create: { width, height, channels: 3, background: 'black' } }).composite([{ input: white, left: width / 4, top: height / 4 }]).png().toBuffer();
}

/** A GraphQL multipart request (the upload spec), as browsers and apps send it. */
export async function multipart(t: TestServer, query: string, variables: Record<string, unknown>, files: Record<string, { data: Uint8Array; name: string }>, token: string) {
  const form = new FormData();
  form.set('operations', JSON.stringify({ query, variables }));
  const names = Object.keys(files);
  form.set('map', JSON.stringify(Object.fromEntries(names.map((path, i) => [String(i), [path]]))));
  names.forEach((path, i) => form.set(String(i), new File([new Uint8Array(files[path]!.data)], files[path]!.name)));
  const res = await fetch(`${t.url}/graphql`, { method: 'POST', body: form, headers: { authorization: `Bearer ${token}`, 'x-graphql-yoga-csrf': '1' } });
  return { status: res.status, body: (await res.json()) as { data?: any; errors?: any[] } };
}

/**
 * Resolves once the server handles subscriptions made so far on this graphql-ws client: a
 * probe subscription on the same connection (subscribed after them) receives an event.
 */
export async function subscriptionsLive(t: TestServer, client: { iterate<T>(p: { query: string }): AsyncIterableIterator<{ data?: T | null }> }, token: string) {
  const probe = client.iterate<{ viewerUpdated: { name: string } }>({ query: 'subscription { viewerUpdated { name } }' });
  const first = probe.next();
  let got = false;
  void first.then(() => (got = true));
  for (let i = 0; !got; i++) {
    if (i > 100) throw new Error('subscriptions did not become live');
    await fetch(`${t.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query: 'mutation { updateProfile(input: { name: "probe" }) { id } }' }),
    });
    // Few probes: each request counts against the user's rate limit.
    await new Promise((r) => setTimeout(r, 100));
  }
  await probe.return?.();
}

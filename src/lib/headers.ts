import type { IncomingMessage } from 'node:http';

/** A Node request's headers as a fetch `Headers` (Node joins repeated request headers into one string). */
export function requestHeaders(req: IncomingMessage): Headers {
  const headers = new Headers();
  for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers.set(k, v);
  return headers;
}

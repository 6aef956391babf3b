// Shared pieces of the local stand-ins for AI backends: a tiny HTTP server with a request log.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import sharp from 'sharp';

export interface Logged {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: any;
}

export interface StandIn {
  url: string;
  log: Logged[];
  close(): Promise<void>;
}

export async function readJson(req: IncomingMessage): Promise<any> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return { __invalid: text };
  }
}

export function send(res: ServerResponse, status: number, body: unknown) {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

export async function serve(handler: (req: IncomingMessage, res: ServerResponse, body: any, log: Logged[]) => Promise<unknown> | unknown): Promise<StandIn & { server: Server }> {
  const log: Logged[] = [];
  const server = createServer(async (req, res) => {
    const body = req.method === 'POST' ? await readJson(req) : undefined;
    const entry = { method: req.method!, path: req.url!, headers: req.headers, body };
    log.push(entry);
    try {
      await handler(req, res, body, log);
    } catch (err) {
      if (!res.headersSent) send(res, 500, { error: String(err) });
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    server,
    url: `http://127.0.0.1:${port}`,
    log,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

export const pngOf = (w: number, h: number, shade: number) =>
  sharp({ create: { width: w, height: h, channels: 3, background: { r: shade % 256, g: 80, b: 160 } } }).png().toBuffer();

export const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

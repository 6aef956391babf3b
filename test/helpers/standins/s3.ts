// A local stand-in for S3 (path-style): PUT, GET and DELETE of objects, S3's XML errors, and
// full AWS Signature Version 4 verification of every request.
import { createHash, createHmac } from 'node:crypto';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

const hmac = (key: Buffer | string, data: string) => createHmac('sha256', key).update(data).digest();
const sha256 = (data: Buffer | string) => createHash('sha256').update(data).digest('hex');
const xmlError = (code: string, message: string) => `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message></Error>`;

/** Recomputes the request's SigV4 signature; returns why it is wrong, or null. */
function verify(req: IncomingMessage, body: Buffer, accessKeyId: string, secret: string): string | null {
  const auth = req.headers.authorization ?? '';
  const m = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/s3\/aws4_request, ?SignedHeaders=([^,]+), ?Signature=([0-9a-f]{64})$/.exec(auth);
  if (!m) return 'no SigV4 Authorization header';
  const [, akid, date, region, signedHeaders, signature] = m;
  if (akid !== accessKeyId) return 'unknown access key';
  const payloadHash = req.headers['x-amz-content-sha256'] as string;
  if (payloadHash !== 'UNSIGNED-PAYLOAD' && payloadHash !== sha256(body)) return 'payload hash mismatch';
  const url = new URL(req.url!, 'http://x');
  const query = [...url.searchParams.entries()]
    .map(([k, v]) => [encodeURIComponent(k), encodeURIComponent(v)])
    .sort(([a], [b]) => (a! < b! ? -1 : 1))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
  const headers = signedHeaders!.split(';').map((h) => `${h}:${String(req.headers[h] ?? '').trim().replace(/\s+/g, ' ')}\n`).join('');
  const canonical = [req.method, url.pathname, query, headers, signedHeaders, payloadHash].join('\n');
  const amzDate = req.headers['x-amz-date'] as string;
  const scope = `${date}/${region}/s3/aws4_request`;
  const toSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256(canonical)].join('\n');
  const key = hmac(hmac(hmac(hmac(`AWS4${secret}`, date!), region!), 's3'), 'aws4_request');
  return hmac(key, toSign).toString('hex') === signature ? null : 'signature mismatch';
}

export async function startS3StandIn(opts: { bucket: string; accessKeyId: string; secretAccessKey: string }) {
  const objects = new Map<string, { data: Buffer; type: string }>();
  const requests: { method: string; path: string }[] = [];
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks);
    requests.push({ method: req.method!, path: req.url! });
    const bad = verify(req, body, opts.accessKeyId, opts.secretAccessKey);
    if (bad) {
      res.writeHead(403, { 'content-type': 'application/xml' });
      return res.end(xmlError('SignatureDoesNotMatch', bad));
    }
    const path = decodeURIComponent(new URL(req.url!, 'http://x').pathname);
    const [, bucket, ...rest] = path.split('/');
    const key = rest.join('/');
    if (bucket !== opts.bucket) {
      res.writeHead(404, { 'content-type': 'application/xml' });
      return res.end(xmlError('NoSuchBucket', 'The specified bucket does not exist'));
    }
    if (req.method === 'PUT') {
      objects.set(key, { data: body, type: (req.headers['content-type'] as string) ?? 'application/octet-stream' });
      res.writeHead(200, { etag: `"${createHash('md5').update(body).digest('hex')}"` });
      return res.end();
    }
    if (req.method === 'GET') {
      const o = objects.get(key);
      if (!o) {
        res.writeHead(404, { 'content-type': 'application/xml' });
        return res.end(xmlError('NoSuchKey', 'The specified key does not exist.'));
      }
      res.writeHead(200, { 'content-type': o.type, 'content-length': String(o.data.length) });
      return res.end(o.data);
    }
    if (req.method === 'DELETE') {
      objects.delete(key);
      res.writeHead(204);
      return res.end();
    }
    res.writeHead(405, { 'content-type': 'application/xml' });
    res.end(xmlError('MethodNotAllowed', 'The specified method is not allowed'));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    objects,
    requests,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

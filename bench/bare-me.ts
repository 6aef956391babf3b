// The baseline of P1 (bench/api-overhead.ts): GET /me with X-API-Key answered by node:http and
// one pg query — the key's hash to its live user and credit account — and nothing else.
import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import pg from 'pg';

const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 10 });
const LOOKUP = `SELECT u.id, u.email, c.available, c.reserved
  FROM api_keys k JOIN users u ON u.id = k.user_id JOIN credit_accounts c ON c.user_id = u.id
  WHERE k.key_hash = $1 AND k.revoked_at IS NULL AND (k.expires_at IS NULL OR k.expires_at > now())`;

createServer(async (req, res) => {
  const key = req.headers['x-api-key'];
  if (req.url !== '/me' || typeof key !== 'string') return void res.writeHead(404).end();
  try {
    const { rows } = await pool.query({ name: 'me', text: LOOKUP, values: [createHash('sha256').update(key).digest('hex')] });
    if (!rows[0]) return void res.writeHead(401).end();
    const body = JSON.stringify({ id: rows[0].id, email: rows[0].email, credits: { available: rows[0].available, reserved: rows[0].reserved } });
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }).end(body);
  } catch {
    res.writeHead(500).end();
  }
}).listen(Number(process.env.PORT ?? 4872), '127.0.0.1', () => console.log('listening'));

// Exit normally when the bench stops it (so that --cpu-prof writes its profile).
process.on('SIGTERM', () => process.exit(0));

// Fuzzing of everything a client can send: every Query, Mutation and Subscription field of the
// schema with variables generated from its argument types, and every route of every REST API
// (read from the route tables, so new fields and routes are covered without touching this file)
// with malformed bodies, content types, query strings, path parameters and credentials.
//
// Nothing may answer 5xx, hang or crash the process; every refusal must be a clear error —
// GraphQL errors carry extensions.code (never INTERNAL_SERVER_ERROR / "Unexpected error."), REST
// errors come in the envelope of the API that owns the path — and the server logs no error
// while it happens. Afterwards the server still answers, and the fuzzing users' credit ledgers
// add up (no priced task without its hold, no open hold without its task, balances equal their
// entries and open holds).
//
// Inputs come from a seeded PRNG (a new seed each run, a fixed one in CI: see CI_SEED). The seed is
// printed; FUZZ_SEED=<n> replays a run, FUZZ_RUNS=<n>
// sets the number of variable sets per GraphQL field (REST variants per route follow it),
// FUZZ_BUDGET_MS the time the cases may take (see BUDGET_MS), FUZZ_REPORT=<file> writes every
// distinct failure and the slowest cases there.
import assert from 'node:assert/strict';
import { appendFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import {
  getNamedType,
  isEnumType,
  isInputObjectType,
  isLeafType,
  isListType,
  isNonNullType,
  isScalarType,
  parse,
  type GraphQLField,
  type GraphQLInputType,
} from 'graphql';
import { schema } from '../../src/schema/index.js';
import { REST_APIS } from '../../src/rest/index.js';
import type { Api, Route } from '../../src/rest/core.js';
import { startSession } from '../../src/modules/auth/auth.service.js';
import { startTestServer, type TestServer } from '../helpers/harness.js';
import { ADMIN, ADMIN_ENV, newUser } from '../helpers/ops.js';
import { png } from '../helpers/tasks.js';

// ── seeded randomness ──────────────────────────────────────────────────────────────────────

// CI replays one seed, so that a submission's result does not depend on the draw; a run elsewhere
// draws a new seed each time, to keep finding new inputs (FUZZ_SEED=random does that in CI too).
const CI_SEED = 209968648;
const SEED =
  process.env.FUZZ_SEED && process.env.FUZZ_SEED !== 'random'
    ? Number(process.env.FUZZ_SEED) >>> 0
    : process.env.CI && !process.env.FUZZ_SEED
      ? CI_SEED
      : (Date.now() ^ (process.pid << 12)) >>> 0;
const RUNS = Math.max(1, Number(process.env.FUZZ_RUNS ?? 16) | 0);
/**
 * A safety net on a busy machine (the file must stay well under 90 s): the GraphQL cases stop
 * at 45% of this from the start of the file, the REST cases at 88%; cases left out are counted
 * and printed. The first two rounds (every field and route with a well-formed and a fuzzed
 * input) always run.
 */
const BUDGET_MS = Number(process.env.FUZZ_BUDGET_MS ?? 70_000);
console.log(`# fuzz seed ${SEED} (replay with FUZZ_SEED=${SEED}), ${RUNS} runs per GraphQL field`);

/** mulberry32: small, fast, and the same sequence for the same seed everywhere. */
class Rng {
  private a: number;
  constructor(seed: number) {
    this.a = seed >>> 0;
  }
  next(): number {
    this.a = (this.a + 0x6d2b79f5) | 0;
    let t = Math.imul(this.a ^ (this.a >>> 15), 1 | this.a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(n: number) {
    return Math.floor(this.next() * n);
  }
  chance(p: number) {
    return this.next() < p;
  }
  pick<T>(list: readonly T[]): T {
    return list[this.int(list.length)]!;
  }
}
/** FNV-1a: each field and route gets its own stream, so one case replays regardless of the others. */
const hash = (s: string) => {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
};
const rngFor = (label: string) => new Rng((SEED ^ hash(label)) >>> 0);

// ── value pools ────────────────────────────────────────────────────────────────────────────

const b64 = (s: string) => Buffer.from(s).toString('base64');
const KB100 = 'x'.repeat(100 * 1024);
/** A well-formed JWT signed by nobody this server knows. */
const FOREIGN_JWT = `${Buffer.from('{"alg":"RS256","kid":"unknown-key","typ":"JWT"}').toString('base64url')}.${Buffer.from('{"sub":"1","aud":"x","iss":"https://accounts.google.com","exp":4102444800}').toString('base64url')}.${Buffer.from('signature').toString('base64url')}`;

const NASTY_STRINGS: readonly string[] = [
  '', ' ', ' \t\n ', 'a', 'null', 'undefined', 'true', '0', '-1', 'NaN', 'Infinity', '1e309', '0x7fffffff',
  "'; DROP TABLE users; --", "' OR '1'='1' --", '" OR ""="', '1; SELECT pg_sleep(10)', "admin'--", '%27%20OR%201%3D1', '\\',
  '{"$gt": ""}', '{"a":', '[1,2,3]', '{"__proto__":{"role":"admin"}}', '__proto__', 'constructor', 'toString',
  '\u0000', 'a\u0000b', '\u0000'.repeat(16), '\u202Egnp.exe', '\u200F\u202Bمرحبا بالعالم\u202C', 'שלום עולם', '😀🔥👩‍👩‍👧‍👦',
  '\uD83D', 'x\uDC00y', '\uFEFFbom', 'Z̤͔ͧ̑̓ä͖̭̈̇lͮ̒ͫǧ̗͚̚o̙̔ͮ̇͐̇', '\u0007\u001b[31mred', '\r\n\r\nHTTP/1.1 200 OK\r\n', '\u2028\u2029',
  '../../../../etc/passwd', '..\\..\\windows\\win.ini', '/dev/zero', 'file:///etc/passwd', 'http://169.254.169.254/latest/meta-data/',
  'http://127.0.0.1:1/', 'javascript:alert(1)', '<script>alert(1)</script>', '<img src=x onerror=alert(1)>', '${7*7}', '{{7*7}}', '%s%s%s%n',
  '2024-13-45T25:61:61Z', '0000-00-00T00:00:00Z', '-271821-04-20T00:00:00.000Z', '+275760-09-13T00:00:00.000Z', '2024-02-30', 'yesterday',
  'data:image/png;base64,', 'data:image/png;base64,AAAA', 'data:text/html,<b>x</b>', 'data:image/png;base64,' + 'A'.repeat(4096), 'iVBORw0KGgo=', '====',
  '9'.repeat(400), '-' + '9'.repeat(30), '1.7976931348623157e309', FOREIGN_JWT, 'rt_' + 'x'.repeat(64), 'sk_' + 'x'.repeat(40),
  KB100, 'é'.repeat(50_000), '😀'.repeat(30_000),
];
const NASTY_IDS: readonly unknown[] = [
  '1', '2', '3', '5', '0', '-1', '00001', '2147483647', '2147483648', '99999999999', '9007199254740993', '1e3', '1.5', ' 1', '0x10',
  b64('User:1'), b64('Task:1'), b64('Task:2147483648'), b64('Task:99999999999'), b64('Task:-5'), b64('Task:abc'), b64('Nope:1'), b64(':'), b64('Task:'),
  '%%%', '=', '', 1, 0, -1, 2147483648, 99999999999,
];
const WRONG_ANY: readonly unknown[] = [null, true, false, 0, -1, 1.5, 2 ** 31, -(2 ** 31) - 1, 1e308, '', 'x', {}, { a: { b: { c: 1 } } }, [], [1, 'a', null], [[[]]]];

/** Values for names the schema and the REST APIs share: a valid shape gets past the first check. */
interface Known {
  models: string[];
  styles: number[];
  events: string[];
  codes: string[];
  image: string;
  userId: number;
}
let known: Known;
const PERMISSIONS = ['ai:read', 'ai:write', 'usage:read', 'webhooks:read', 'webhooks:write', 'orders:read', 'orders:write', 'chats:read', 'chats:write', 'presets:read', 'presets:write'];
const word = (r: Rng) => r.pick(['fox', 'snow', 'lighthouse', 'dusk', 'deer', 'forest', 'sea', 'robot']) + r.int(1000);

function sensibleString(r: Rng, name: string): string {
  const n = name.toLowerCase();
  if (n === 'model' || n === 'modelid' || n === 'model_id') return r.pick(known.models);
  if (n.includes('email')) return `fz${r.int(1e9)}@example.com`;
  if (n === 'username' || n === 'login') return `fz${r.int(1e9)}`;
  if (n.includes('password')) return r.chance(0.5) ? 'Fuzz3dPassw0rd' : 'short';
  if (n === 'url' || n === 'previewurl' || n === 'avatar') return r.pick(['https://hooks.example.invalid/x', 'http://127.0.0.1:9/hook', '/video/abc', '/assets/1']);
  if (n === 'code') return r.chance(0.6) && known.codes.length ? r.pick(known.codes) : `FUZZ-${r.int(1e6)}`;
  if (n === 'data' || n === 'image') return r.chance(0.7) ? known.image : known.image.replace(/^data:[^,]*,/, '');
  if (n === 'sampler') return 'Euler a';
  if (n === 'events') return known.events.length ? r.pick(known.events) : 'ai.task.completed';
  if (n === 'permissions') return r.pick(PERMISSIONS);
  if (n === 'refreshtoken' || n === 'refresh_token') return 'rt_' + randomHex(r, 32);
  if (n === 'requestid' || n === 'request_id') return uuidFrom(r);
  if (n === 'credential') return FOREIGN_JWT;
  if (n === 'phonenumber' || n === 'phone_number') return '+15555550' + r.int(1000);
  if (n === 'after' || n === 'before') return r.pick([b64('arrayconnection:0'), b64('arrayconnection:5'), 'garbage']);
  if (n === 'kind' || n === 'type') return r.pick(['image.generate', 'image.edit', 'video.generate', 'text.chat', 'text.generate']);
  if (n === 'role') return r.pick(['user', 'assistant', 'system']);
  if (n === 'tier') return r.pick(['free', 'basic', 'pro', 'enterprise']);
  if (n === 'size') return r.pick(['64x64', '128x128', 'auto']);
  if (n === 'response_format') return r.pick(['url', 'b64_json']);
  return `${word(r)} ${word(r)}`;
}
function sensibleInt(r: Rng, name: string): number {
  const n = name.toLowerCase();
  if (n === 'width' || n === 'height') return r.pick([64, 128, 256]);
  if (n === 'count' || n === 'n' || n === 'batch_size') return r.pick([1, 2]);
  if (n === 'steps') return r.pick([1, 10, 20]);
  if (n === 'limit' || n === 'first' || n === 'last' || n === 'pagesize') return r.pick([1, 10, 100]);
  if (n === 'offset') return r.pick([0, 1, 10]);
  if (n === 'page') return r.pick([1, 2]);
  if (n === 'gender') return r.pick([0, 1, 2]);
  if (n === 'parent') return r.pick([0, 1, 2]);
  if (n === 'styles') return known.styles.length ? r.pick(known.styles) : 1;
  if (n.includes('tokens') || n === 'max_tokens') return r.pick([8, 16, 64]);
  if (n.includes('deadline')) return r.pick([60, 600]);
  if (n === 'amount' || n === 'maxuses' || n === 'max_uses') return r.pick([1, 5, 100]);
  if (n === 'expiresin' || n === 'expires_in') return r.pick([1, 30]);
  return r.pick([0, 1, 2, 3, 5, 10]);
}

const randomHex = (r: Rng, n: number) => Array.from({ length: n }, () => r.int(16).toString(16)).join('');
const uuidFrom = (r: Rng) => `${randomHex(r, 8)}-${randomHex(r, 4)}-4${randomHex(r, 3)}-a${randomHex(r, 3)}-${randomHex(r, 12)}`;
const ISO_OK = () => [new Date().toISOString(), new Date(Date.now() - 86400e3).toISOString(), '2024-06-01T12:00:00Z', '2030-01-01T00:00:00.000Z'];
const ISO_EDGE: readonly unknown[] = [
  '-271821-04-20T00:00:00.000Z', '+275760-09-13T00:00:00.000Z', '0001-01-01T00:00:00Z', '1970-01-01T00:00:00Z', '9999-12-31T23:59:59.999Z', '2024-01-01',
  0, -1, 8.64e15, -8.64e15, 1e20, '2024-13-45T00:00:00Z', '2024-02-30T00:00:00Z', 'yesterday', '', 'NaN',
];

function deepObject(depth: number): unknown {
  let v: unknown = 'bottom';
  for (let i = 0; i < depth; i++) v = { a: v };
  return v;
}
function deepArray(depth: number): unknown {
  let v: unknown = 1;
  for (let i = 0; i < depth; i++) v = [v];
  return v;
}
/** JSON text sent as is: nesting deeper than JSON.stringify can write. */
class RawJson {
  constructor(readonly text: string) {}
  toJSON() {
    return `__RAW_JSON_${rawJson.push(this.text) - 1}__`;
  }
}
const rawJson: string[] = [];
const deepRaw = (depth: number) => new RawJson('{"a":'.repeat(depth) + '1' + '}'.repeat(depth));
/** JSON.stringify, with RawJson values spliced in as the text they hold. */
function serialize(v: unknown): string {
  const start = rawJson.length;
  const text = JSON.stringify(v);
  if (rawJson.length === start) return text;
  return text.replace(/"__RAW_JSON_(\d+)__"/g, (_m, i: string) => rawJson[Number(i)]!);
}

function jsonValue(r: Rng, nasty: boolean): unknown {
  if (!nasty) return r.pick<unknown>([{}, { width: 256, height: 256 }, { steps: 20, note: 'x' }, [1, 2, 3], 'text', 7, true, null]);
  return r.pick<() => unknown>([
    () => deepObject(r.pick([64, 1000, 2000])),
    () => deepArray(r.pick([64, 1000, 2000])),
    () => deepRaw(r.pick([10_000, 100_000])),
    () => ({ 'a\u0000b': 1 }),
    () => ({ text: 'nul \u0000 inside' }),
    () => ({ lone: '\uD800' }),
    () => ({ __proto__: { role: 'admin' }, constructor: { prototype: 1 } }),
    () => Object.fromEntries(Array.from({ length: 20_000 }, (_, i) => [`k${i}`, i])),
    () => ({ big: KB100 + KB100 + KB100 }),
    () => 1e308,
    () => -0,
    () => r.pick(NASTY_STRINGS),
  ])();
}

/**
 * A value for a GraphQL input type. `nasty` is the chance that any node of the value is replaced
 * by something wrong (wrong type, null for required, out of range, huge, malformed).
 */
function gen(r: Rng, type: GraphQLInputType, name: string, nasty: number, depth = 0): unknown {
  if (isNonNullType(type)) {
    if (r.chance(nasty * 0.25)) return null;
    return gen(r, type.ofType, name, nasty, depth);
  }
  if (r.chance(nasty * 0.2)) return r.pick(WRONG_ANY);
  if (isListType(type)) {
    const roll = r.next();
    if (roll < nasty * 0.3) {
      // A very long list.
      const n = r.pick([1000, 5000, 20_000]);
      const one = gen(r, type.ofType, name, 0, depth + 1);
      return Array.from({ length: n }, () => one);
    }
    if (roll < nasty * 0.4) return [null];
    if (r.chance(0.1)) return gen(r, type.ofType, name, nasty, depth + 1); // a single item (coerced to a list)
    return Array.from({ length: r.int(4) }, () => gen(r, type.ofType, name, nasty, depth + 1));
  }
  if (isEnumType(type)) {
    const values = type.getValues().map((v) => v.name);
    if (r.chance(nasty * 0.5)) return r.pick<unknown>(['NOPE', values[0]!.toUpperCase() + 'X', '', 1, values[0]!.toUpperCase()]);
    return r.pick(values);
  }
  if (isInputObjectType(type)) {
    const out: Record<string, unknown> = {};
    for (const [fname, f] of Object.entries(type.getFields())) {
      const required = isNonNullType(f.type);
      if (required ? r.chance(nasty * 0.15) : r.chance(0.5)) continue;
      out[fname] = gen(r, f.type, fname, nasty, depth + 1);
    }
    if (r.chance(nasty * 0.2)) own(out, r.pick(['unknownField', '__proto__', 'id', 'role']), r.pick(WRONG_ANY));
    return out;
  }
  if (isScalarType(type)) return scalar(r, type.name, name, nasty);
  return null;
}

function scalar(r: Rng, scalarName: string, name: string, nasty: number): unknown {
  const edge = r.chance(nasty * 0.8);
  switch (scalarName) {
    case 'Int':
      if (!edge) return sensibleInt(r, name);
      return r.pick<unknown>([-1, 0, -2147483648, 2147483647, 2147483648, -2147483649, 999_999_999, 1e20, 1.5, -0.0001, '1', 'abc', 9007199254740993]);
    case 'Float':
      if (!edge) return r.pick([0, 0.5, 0.9, 1, 7, 30, 42]);
      return r.pick<unknown>([-1, -0, 1e308, -1e308, 5e-324, 1e20, 2147483648, 9007199254740993, -1e-9, 'NaN', 'Infinity', '1.5']);
    case 'Boolean':
      if (!edge) return r.chance(0.5);
      return r.pick<unknown>(['true', 1, 0, 'yes', null]);
    case 'ID':
      if (!edge) return String(r.pick([1, 2, 3, 4, 5, 6, 7, 8]));
      return r.pick(NASTY_IDS);
    case 'DateTime':
      return edge ? r.pick(ISO_EDGE) : r.pick(ISO_OK());
    case 'JSON':
      return jsonValue(r, edge);
    case 'File':
      // Over JSON a file can only be something else: the multipart cases send real ones.
      return r.pick<unknown>([null, 'file.png', { name: 'x.png', size: 10 }, [1, 2], known.image]);
    case 'String':
    default:
      if (!edge) return sensibleString(r, name);
      return r.pick(NASTY_STRINGS);
  }
}

/** Rounds of each field that sweep its arguments with extreme values of the right type. */
const SWEEP_ROUNDS = 6;
/** A value of the right type at an extreme: it gets past graphql-js into the resolver (and the database). */
function extreme(r: Rng, type: GraphQLInputType, name: string): unknown {
  if (isNonNullType(type)) return extreme(r, type.ofType, name);
  if (isListType(type)) return r.chance(0.5) ? [extreme(r, type.ofType, name)] : Array.from({ length: r.pick([1000, 10_000]) }, () => gen(r, type.ofType, name, 0));
  if (isEnumType(type)) return r.pick(type.getValues().map((v) => v.name));
  if (isInputObjectType(type)) {
    // Well-formed, with one field (a required one as often as an optional one) at an extreme.
    const fields = Object.entries(type.getFields());
    const [hit] = r.pick(fields);
    const out: Record<string, unknown> = {};
    for (const [fname, f] of fields) {
      if (fname === hit) out[fname] = extreme(r, f.type, fname);
      else if (isNonNullType(f.type) || r.chance(0.5)) out[fname] = gen(r, f.type, fname, 0);
    }
    return out;
  }
  switch (isScalarType(type) ? type.name : '') {
    case 'Int':
      return r.pick([2147483647, -2147483648, 0, -1, 1_000_000_000]);
    case 'Float':
      return r.pick([1e308, -1e308, 5e-324, -0, 2 ** 53, -1]);
    case 'Boolean':
      return r.chance(0.5);
    case 'ID':
      return r.pick(['2147483647', '2147483648', '0', '-1', b64('Task:2147483648'), b64('User:0'), '\u0000', '9'.repeat(40)]);
    case 'DateTime':
      return r.pick<unknown>(['-271821-04-20T00:00:00.000Z', '+275760-09-13T00:00:00.000Z', -8.64e15, 8.64e15, '0001-01-01T00:00:00Z', '9999-12-31T23:59:59.999Z', 0]);
    case 'JSON':
      return r.pick<unknown>([deepRaw(100_000), deepObject(1000), { 'k\u0000': 1 }, { v: 'nul\u0000' }, Object.fromEntries(Array.from({ length: 20_000 }, (_, i) => [`k${i}`, i])), KB100 + KB100]);
    case 'File':
      return r.pick<unknown>(['file.png', { name: 'x.png' }, known.image]);
    default:
      return r.pick(['\u0000', 'a\u0000b', KB100, '😀'.repeat(30_000), '\uD800', ' ', '', "'; DROP TABLE users; --", '9'.repeat(400), '%', '\u202E']);
  }
}

// ── the server under fuzz ──────────────────────────────────────────────────────────────────

let t: TestServer;
let stand: Server;
const started = Date.now();
const failures: string[] = [];
/**
 * Refusals of the request itself, before any resolver runs (a variable's value graphql-js does
 * not accept, a malformed multipart request, a content type Yoga does not read): HTTP 4xx and a
 * message, but no extensions.code (or no JSON body). Only the Yoga setup in src/server.ts can
 * add one; the todo test at the end lists them. Anything else without a code fails at once.
 */
const requestLevelUncoded: string[] = [];
const serverErrors: string[] = [];
const crashes: string[] = [];
const stats = { gqlFields: 0, gqlRequests: 0, subscriptionFields: 0, restRoutes: 0, restRequests: 0, skippedForBudget: 0, statuses: new Map<number, number>() };
const onCrash = (e: unknown) => crashes.push(String((e as Error)?.stack ?? e));

/** Stand-ins for WeChat's OAuth API and Google's keys: a code or credential from the fuzzer is refused as it would be. */
function standIns() {
  return createServer((req, res) => {
    res.setHeader('content-type', 'application/json');
    if ((req.url ?? '').startsWith('/certs')) return res.end(JSON.stringify({ keys: [] }));
    res.end(JSON.stringify({ errcode: 40029, errmsg: 'invalid code' }));
  });
}

interface Creds {
  userId: number;
  token: string;
  refreshToken: string;
  key?: string;
}
let user: Creds;
let admin: Creds;
let burner: Creds;

async function session(userId: number): Promise<Creds> {
  const row = await t.app.deps.prisma.user.findUniqueOrThrow({ where: { id: userId } });
  const s = await startSession(t.app.deps, row, {});
  return { userId, token: s.accessToken, refreshToken: s.refreshToken };
}
/** An operation of this file's own (setup and checks), as `token`. */
const op = (query: string, token: string, variables?: Record<string, unknown>) => t.gql<any, Record<string, unknown> | undefined>(parse(query), variables, { token });
async function apiKeyFor(c: Creds): Promise<string> {
  const r = await op(`mutation($input: CreateApiKeyInput!) { createApiKey(input: $input) { key } }`, c.token, { input: { name: 'fuzz', permissions: PERMISSIONS } });
  const key = (r.data as { createApiKey?: { key: string } } | null)?.createApiKey?.key;
  if (!key) throw new Error(`no API key: ${JSON.stringify(r.errors)}`);
  return key;
}

before(async () => {
  process.on('unhandledRejection', onCrash);
  process.on('uncaughtException', onCrash);
  stand = standIns();
  await new Promise<void>((ok) => stand.listen(0, '127.0.0.1', ok));
  const standUrl = `http://127.0.0.1:${(stand.address() as AddressInfo).port}`;
  t = await startTestServer({
    ...ADMIN_ENV,
    DEMO_DELAY_MS: '5',
    SIGNUP_CREDITS: '1000000',
    RATE_LIMIT_API_PER_MINUTE: '10000000',
    TIER_LIMITS: JSON.stringify(Object.fromEntries(['free', 'basic', 'pro', 'enterprise'].map((k) => [k, { perMinute: null, daily: null, weekly: null, monthly: null }]))),
    AVATAR_MAX_BYTES: String(64 * 1024),
    UPLOAD_MAX_BYTES: String(256 * 1024),
    WEBHOOK_RETRY_SCHEDULE: '0',
    WEBHOOK_TIMEOUT_MS: '500',
    WECHAT_API_URL: standUrl,
    WECHAT_APP_ID: 'wxfuzz',
    WECHAT_APP_SECRET: 'wxfuzzsecret',
    GOOGLE_CLIENT_ID: 'fuzz.apps.googleusercontent.com',
    GOOGLE_JWKS_URL: `${standUrl}/certs`,
  });
  // Every error the server logs while being fuzzed is a finding (it is silent otherwise).
  const log = t.app.deps.log as unknown as Record<string, (...a: unknown[]) => void>;
  log.error = (...a: unknown[]) => {
    serverErrors.push(a.map((x) => (x instanceof Error ? x.stack : typeof x === 'object' ? safeJson(x) : String(x))).join(' ').slice(0, 1500));
  };
  log.fatal = log.error;

  const u = await newUser(t, 'fuzz');
  user = { userId: u.user.databaseId, token: u.token, refreshToken: u.refreshToken };
  user.key = await apiKeyFor(user);
  const adminRow = await t.app.deps.prisma.user.findFirstOrThrow({ where: { email: ADMIN.email } });
  admin = await session(adminRow.id);
  const b = await newUser(t, 'burner');
  burner = { userId: b.user.databaseId, token: b.token, refreshToken: b.refreshToken };

  const catalog = (await op(`query { models { id } styles { id } webhookEvents }`, user.token)).data;
  const image = `data:image/png;base64,${(await png(64, 64)).toString('base64')}`;
  known = { models: catalog.models.map((m: { id: string }) => m.id), styles: catalog.styles.map((s: { id: number }) => s.id), events: catalog.webhookEvents, codes: [], image, userId: user.userId };
  const codes = (await op(`mutation { createRedemptionCodes(input: { amount: 5, maxUses: 1000, count: 3 }) { code } }`, admin.token)).data;
  known.codes = codes.createRedemptionCodes.map((c: { code: string }) => c.code);
  // A few objects of the fuzzing user, so that small ids reach real rows and not only NOT_FOUND.
  for (const q of [
    `mutation { generateImage(input: { model: "sdxl", prompt: "seed task", width: 64, height: 64 }) { id } }`,
    `mutation { createChat(input: { title: "fuzz" }) { id } }`,
    `mutation { createPreset(input: { name: "fuzz", parameters: { width: 64 } }) { id } }`,
    `mutation { createOrder(input: { styles: [${known.styles.slice(0, 2).join(',')}], parent: 0 }) { id } }`,
  ]) {
    const r = await op(q, user.token);
    assert.equal(r.errors, undefined, `${q}: ${JSON.stringify(r.errors)}`);
  }
});

after(async () => {
  process.off('unhandledRejection', onCrash);
  process.off('uncaughtException', onCrash);
  await t?.close();
  stand?.close();
});

function safeJson(x: unknown) {
  try {
    return JSON.stringify(x, (_k, v) => (v instanceof Error ? { message: v.message, stack: v.stack } : v));
  } catch {
    return String(x);
  }
}
const clip = (s: string, n = 300) => (s.length > n ? `${s.slice(0, n)}…(${s.length} chars)` : s);
const pastPhase = (share: number) => Date.now() - started > BUDGET_MS * share;
function fail(where: string, what: string, input: unknown) {
  failures.push(`${where}: ${what}\n    input: ${clip(safeJson(input) ?? String(input), 400)}`);
}
function countStatus(s: number) {
  stats.statuses.set(s, (stats.statuses.get(s) ?? 0) + 1);
}

/** Runs `jobs` with at most `n` at a time. */
async function pool<T>(items: T[], n: number, job: (item: T) => Promise<void>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(n, items.length) }, async () => {
      while (next < items.length) await job(items[next++]!);
    }),
  );
}

// ── GraphQL ────────────────────────────────────────────────────────────────────────────────

type Who = 'user' | 'anonymous' | 'garbage' | 'apikey' | 'admin' | 'burner';
/** Mutations that end the session they run in: fuzzed as a user of their own, so the others keep theirs. */
const SESSION_ENDING = new Set(['logout', 'changePassword']);
/** Fields whose target an admin run pins to a throwaway row: fuzzing them must not delete or lock the accounts doing the fuzzing. */
const PINNED: Record<string, string> = { deleteUser: 'victim', updateUser: 'victim', resetUserPassword: 'victim', updateModel: 'model', deleteModel: 'model' };

function operationOf(kind: 'query' | 'mutation' | 'subscription', field: GraphQLField<unknown, unknown>) {
  const vars = field.args.map((a) => `$${a.name}: ${a.type.toString()}`).join(', ');
  const args = field.args.map((a) => `${a.name}: $${a.name}`).join(', ');
  const sel = isLeafType(getNamedType(field.type)) ? '' : ' { __typename }';
  return `${kind} Fuzz${vars ? `(${vars})` : ''} { ${field.name}${args ? `(${args})` : ''}${sel} }`;
}

function authHeaders(who: Who): Record<string, string> {
  switch (who) {
    case 'user':
      return { authorization: `Bearer ${user.token}` };
    case 'admin':
      return { authorization: `Bearer ${admin.token}` };
    case 'burner':
      return { authorization: `Bearer ${burner.token}` };
    case 'apikey':
      return { authorization: `Bearer ${user.key}` };
    case 'garbage':
      return { authorization: 'Bearer not-a-token' };
    default:
      return {};
  }
}

/** Checks one GraphQL response body (or SSE event): errors must carry a code and not be masked. */
function checkGqlErrors(where: string, body: any, input: unknown, status: number) {
  if (!body || typeof body !== 'object') return fail(where, `not a GraphQL response: ${clip(safeJson(body))}`, input);
  for (const e of body.errors ?? []) {
    const code = e?.extensions?.code;
    if (typeof e?.message !== 'string') fail(where, `error without a message: ${clip(safeJson(e))}`, input);
    else if ((typeof code !== 'string' || !code) && e.path === undefined && status < 500) requestLevelUncoded.push(`${where}: HTTP ${status} ${clip(e.message, 200)}`);
    else if (typeof code !== 'string' || !code) fail(where, `error without extensions.code: ${clip(e.message)}`, input);
    else if (code === 'INTERNAL_SERVER_ERROR' || /^Unexpected error\.?$/.test(e.message)) fail(where, `masked internal error (${code}): ${clip(e.message)}`, input);
  }
}

/** With FUZZ_REPORT=<file>: every distinct failure and the slowest cases are written there. */
const REPORT = process.env.FUZZ_REPORT;
const slow: [number, string][] = [];
const timed = (t0: number, what: () => string) => REPORT && slow.push([Date.now() - t0, what()]);
async function postGraphql(where: string, payload: unknown, who: Who, input: unknown, raw?: { body: BodyInit; headers: Record<string, string> }) {
  stats.gqlRequests++;
  const t0 = Date.now();
  try {
    return await postGraphqlInner(where, payload, who, input, raw);
  } finally {
    timed(t0, () => `${where} ${clip(safeJson(input) ?? '', 150)}`);
  }
}
async function postGraphqlInner(where: string, payload: unknown, who: Who, input: unknown, raw?: { body: BodyInit; headers: Record<string, string> }) {
  let res: Response;
  try {
    res = await fetch(`${t.url}/graphql`, {
      method: 'POST',
      headers: raw?.headers ?? { 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json', ...authHeaders(who) },
      body: raw?.body ?? serialize(payload),
      signal: AbortSignal.timeout(20_000),
    });
  } catch (err) {
    return fail(where, `no answer: ${(err as Error).message}`, input);
  }
  countStatus(res.status);
  const text = await res.text();
  if (res.status >= 500) fail(where, `HTTP ${res.status}: ${clip(text)}`, input);
  let body: any;
  try {
    body = JSON.parse(text);
  } catch {
    if (res.status >= 400 && res.status < 500 && !text.trim()) return void requestLevelUncoded.push(`${where}: HTTP ${res.status} with an empty body`);
    return fail(where, `HTTP ${res.status}, not JSON: ${clip(text)}`, input);
  }
  checkGqlErrors(where, body, input, res.status);
  // A session ended by the fuzzing (logout, refreshToken reuse) is replaced for the next case.
  if (body?.errors?.[0]?.extensions?.code === 'UNAUTHENTICATED' && (who === 'user' || who === 'admin' || who === 'apikey' || who === 'burner')) {
    const c = who === 'admin' ? admin : who === 'burner' ? burner : user;
    const me = await fetch(`${t.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${c.token}` }, body: JSON.stringify({ query: '{ me { id } }' }) }).then((r) => r.json() as Promise<any>);
    if (me.errors) Object.assign(c, await session(c.userId));
    if (who === 'apikey') user.key = await apiKeyFor(user);
  }
  return body;
}

/** An SSE subscription: every event read until it completes or 3 s pass. */
async function subscribeSse(where: string, payload: unknown, who: Who, input: unknown) {
  stats.gqlRequests++;
  const ac = new AbortController();
  const timer = setTimeout(() => ac.abort(), 3000);
  try {
    const res = await fetch(`${t.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream', ...authHeaders(who) },
      body: serialize(payload),
      signal: ac.signal,
    });
    countStatus(res.status);
    if (res.status >= 500) fail(where, `HTTP ${res.status}`, input);
    const type = res.headers.get('content-type') ?? '';
    if (!type.includes('text/event-stream')) {
      const text = await res.text();
      try {
        checkGqlErrors(where, JSON.parse(text), input, res.status);
      } catch {
        fail(where, `HTTP ${res.status}, neither SSE nor JSON: ${clip(text)}`, input);
      }
      return;
    }
    const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = '';
    for (;;) {
      const { value, done } = await reader.read().catch(() => ({ value: undefined, done: true }));
      if (done) break;
      buffer += value;
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const data = block.split('\n').filter((l) => l.startsWith('data:')).map((l) => l.slice(5).trim()).join('\n');
        if (!data) continue;
        try {
          checkGqlErrors(where, JSON.parse(data), input, 200);
        } catch {
          fail(where, `SSE event is not JSON: ${clip(data)}`, input);
        }
      }
    }
  } catch (err) {
    if (!ac.signal.aborted) fail(where, `no answer: ${(err as Error).message}`, input);
  } finally {
    clearTimeout(timer);
    ac.abort();
  }
}

interface GqlCase {
  where: string;
  /** Cases run round by round (each field's first case, then each field's second…). */
  round: number;
  kind: 'query' | 'mutation' | 'subscription';
  query: string;
  variables: unknown;
  who: Who;
}

function casesFor(kind: 'query' | 'mutation' | 'subscription', field: GraphQLField<unknown, unknown>, runs: number, pins: Record<string, string>): GqlCase[] {
  const r = rngFor(`${kind}.${field.name}`);
  const query = operationOf(kind, field);
  const isAdmin = (field.extensions?.pothosOptions as { authScopes?: { admin?: boolean } } | undefined)?.authScopes?.admin === true;
  const n = field.args.length ? runs : 2;
  const out: GqlCase[] = [];
  for (let i = 0; i < n; i++) {
    // Round 0 is well-formed. The next rounds sweep the arguments one by one with values of the
    // right type but at an extreme (they pass graphql-js and reach the resolver); the rest get
    // wrong values anywhere, at a rising rate.
    const sweep = i >= 1 && i <= SWEEP_ROUNDS && field.args.length > 0;
    const nasty = i === 0 || sweep ? 0 : Math.min(0.9, 0.15 + (i / n) * 0.6);
    const target = sweep ? field.args[(i - 1) % field.args.length]!.name : null;
    const variables: Record<string, unknown> = {};
    for (const a of field.args) {
      if (nasty && r.chance(0.05)) continue; // a variable left out
      variables[a.name] = a.name === target ? extreme(r, a.type, a.name) : gen(r, a.type, a.name, nasty);
    }
    const roll = r.next();
    // Sweeps run signed in, to get past the permission checks into the resolvers.
    let who: Who = sweep ? (roll < 0.85 ? 'user' : 'apikey') : roll < 0.7 ? 'user' : roll < 0.85 ? 'anonymous' : roll < 0.93 ? 'apikey' : 'garbage';
    // Admin-only fields are also fuzzed as an admin (past the permission check, into the resolver).
    if (isAdmin && (sweep || r.chance(0.6))) {
      who = 'admin';
      const pin = PINNED[field.name];
      if (pin && 'id' in variables) variables.id = pins[pin];
    }
    if (SESSION_ENDING.has(field.name) && who === 'user') who = 'burner';
    out.push({ where: `${kind} ${field.name}#${i}`, round: i, kind, query, variables: nasty && r.chance(0.03) ? r.pick<unknown>(['vars', [1, 2], 42]) : variables, who });
  }
  return out;
}

test('GraphQL: every Query, Mutation and Subscription field with fuzzed variables answers < 500 with coded errors', async () => {
  // Throwaway targets for admin-only mutations that delete or change accounts and models.
  const victim = await newUser(t, 'victim');
  const model = await op(`mutation { createModel(input: { id: "fuzz-model", kind: image, name: "Fuzz", pricePerImage: 1 }) { id } }`, admin.token);
  assert.equal(model.errors, undefined, JSON.stringify(model.errors));
  const pins = { victim: String(victim.user.databaseId), model: 'fuzz-model' };

  const query = schema.getQueryType()!;
  const mutation = schema.getMutationType()!;
  const subscription = schema.getSubscriptionType()!;
  const cases: GqlCase[] = [];
  for (const f of Object.values(query.getFields())) cases.push(...casesFor('query', f, RUNS, pins));
  for (const f of Object.values(mutation.getFields())) cases.push(...casesFor('mutation', f, RUNS, pins));
  const subscriptions = Object.values(subscription.getFields()).filter((f) => f.args.length);
  for (const f of subscriptions) cases.push(...casesFor('subscription', f, Math.max(2, Math.ceil(RUNS / 4)), pins));
  stats.gqlFields = Object.keys(query.getFields()).length + Object.keys(mutation.getFields()).length;
  stats.subscriptionFields = subscriptions.length;

  // Round by round, so that a busy machine cuts the last rounds of every field, not whole fields.
  cases.sort((a, b) => a.round - b.round);
  const ran = new Set<string>();
  await pool(cases, 4, async (c) => {
    if (c.round >= 2 && pastPhase(0.45)) return void stats.skippedForBudget++;
    ran.add(c.query);
    const payload = { query: c.query, variables: c.variables, operationName: 'Fuzz' };
    if (c.kind === 'subscription') await subscribeSse(c.where, payload, c.who, c.variables);
    else await postGraphql(c.where, payload, c.who, c.variables);
  });

  // The request itself malformed: not the variables but the envelope around them.
  const r = rngFor('envelope');
  const envelopes: unknown[] = [
    {}, { query: null }, { query: 42 }, { query: ['{ me { id } }'] }, { query: '{ me { id } }', variables: 'x' }, { query: '{ me { id } }', variables: [1] },
    { query: '{ me { id } }', operationName: 42 }, { query: '{ me { id } }', operationName: 'Nope' }, { query: 'query A { me { id } } query B { me { id } }' },
    { query: '{ me { id } }', extensions: 'x' }, { query: '{ me { id } }', extensions: { persistedQuery: { version: 1, sha256Hash: 'x'.repeat(64) } } },
    { query: '{ me { id ' }, { query: '{ me { nope } }' }, { query: 'mutation { me { id } }' }, { query: '{ ' + 'me { id } '.repeat(3) + '}' },
    { query: '{ me { id } }', variables: { x: deepRaw(100_000) } }, { query: 'mutation($p: JSON) { createPreset(input: { name: "deep", parameters: $p }) { id } }', variables: { p: deepRaw(100_000) } }, { query: 'query($x: Int) { me { id } }', variables: { x: 'abc' } },
    { query: '\u0000' }, { query: KB100 }, { documentId: 'nope' }, { query: '{ __typename }', variables: { a: KB100 + KB100 } },
  ];
  for (const e of envelopes) await postGraphql(`envelope ${clip(safeJson(e), 60)}`, e, r.chance(0.5) ? 'user' : 'anonymous', e);
  for (const [body, type] of [
    ['{"query":', 'application/json'], ['not json', 'application/json'], ['{"query":"{ me { id } }"}', 'text/plain'], ['query=%7Bme%7Bid%7D%7D', 'application/x-www-form-urlencoded'],
    ['\xff\xfe\x00', 'application/json'], ['{"query":"{ me { id } }"}', 'application/json; charset=utf-16'], ['[]', 'application/json'], ['null', 'application/json'],
    ['--x\r\nContent-Disposition: form-data; name="operations"\r\n\r\n{"query":"{ me { id } }"}\r\n--x--', 'multipart/form-data; boundary=y'],
  ] as const) {
    await postGraphql(`raw body ${type}: ${clip(body, 40)}`, null, 'user', body, { body, headers: { 'content-type': type, authorization: `Bearer ${user.token}`, 'x-graphql-yoga-csrf': '1' } });
  }

  // Uploads (GraphQL multipart): wrong maps, files that are not images, files too large.
  const avatar = 'mutation($file: File!) { uploadAvatar(file: $file) { id } }';
  const selfie = 'mutation($o: ID!, $file: File) { uploadTrainingImage(orderId: $o, file: $file) { selfieId } }';
  const image = 'mutation($i: EditImageInput!) { editImage(input: $i) { id } }';
  const bytes = (n: number) => new Uint8Array(Array.from({ length: n }, () => r.int(256)));
  const realPng = new Uint8Array(await png(32, 32));
  const uploads: { query: string; variables: unknown; map: unknown; file?: { data: Uint8Array; name: string; type: string } }[] = [
    { query: avatar, variables: { file: null }, map: { 0: ['variables.file'] }, file: { data: bytes(200), name: 'x.png', type: 'image/png' } },
    { query: avatar, variables: { file: null }, map: { 0: ['variables.file'] }, file: { data: bytes(100 * 1024), name: 'big.png', type: 'image/png' } },
    { query: avatar, variables: { file: null }, map: { 0: ['variables.file'] }, file: { data: realPng.slice(0, 40), name: 'truncated.png', type: 'image/png' } },
    { query: avatar, variables: { file: null }, map: { 0: ['variables.nope'] }, file: { data: realPng, name: 'x.png', type: 'image/png' } },
    { query: avatar, variables: { file: null }, map: 'not a map', file: { data: realPng, name: 'x.png', type: 'image/png' } },
    { query: avatar, variables: { file: null }, map: { 0: ['variables.file'] } },
    { query: avatar, variables: { file: 'x' }, map: {}, file: { data: realPng, name: '../../etc/passwd\u0000.png', type: 'text/html' } },
    { query: selfie, variables: { o: '1', file: null }, map: { 0: ['variables.file'] }, file: { data: bytes(300), name: 'selfie.jpg', type: 'image/jpeg' } },
    { query: selfie, variables: { o: '99999999999', file: null }, map: { 0: ['variables.file'] }, file: { data: realPng, name: 'selfie.png', type: 'image/png' } },
    { query: image, variables: { i: { model: 'sdxl', prompt: 'x', image: { file: null } } }, map: { 0: ['variables.i.image.file'] }, file: { data: bytes(500), name: 'x.gif', type: 'image/gif' } },
    { query: image, variables: { i: { model: 'sdxl', prompt: 'x', image: { file: null, data: known.image } } }, map: { 0: ['variables.i.image.file'] }, file: { data: realPng, name: 'x.png', type: 'image/png' } },
    { query: image, variables: { i: { model: 'sdxl', prompt: 'x', image: { file: null } } }, map: { 0: ['variables.i.image.file'] }, file: { data: bytes(300 * 1024), name: 'huge.png', type: 'image/png' } },
  ];
  for (const [i, u] of uploads.entries()) {
    const form = new FormData();
    form.set('operations', JSON.stringify({ query: u.query, variables: u.variables }));
    form.set('map', typeof u.map === 'string' ? u.map : JSON.stringify(u.map));
    if (u.file) form.set('0', new File([new Uint8Array(u.file.data)], u.file.name, { type: u.file.type }));
    await postGraphql(`upload #${i}`, null, 'user', { query: u.query, variables: u.variables, map: u.map, file: u.file?.name }, { body: form, headers: { authorization: `Bearer ${user.token}`, 'x-graphql-yoga-csrf': '1' } });
  }

  assert.equal(ran.size, new Set(cases.map((c) => c.query)).size, 'every field was fuzzed');
  report('GraphQL');
});

// ── REST ───────────────────────────────────────────────────────────────────────────────────

/** Whether `body` is in the error envelope of `api` (the seeds' documents define them). */
function inEnvelope(api: Api, route: Route | undefined, type: string, body: any, text: string): boolean {
  // The Image Generator's pages answer as pages.
  if (api.name === 'AI Image Generator' && route && /text\/html/.test(type)) return /<html|<!doctype/i.test(text);
  switch (api.name) {
    case 'PARROT AI':
    case 'AIDeer':
      return typeof body?.detail === 'string' || (Array.isArray(body?.detail) && body.detail.length > 0 && body.detail.every((d: any) => Array.isArray(d.loc) && typeof d.msg === 'string' && typeof d.type === 'string'));
    case 'MyMoodAI':
      return body?.status === 'error' && typeof body.message === 'string';
    case 'AI Image Generator':
      return body?.success === false && (typeof body.message === 'string' || typeof body.error === 'string');
    case 'AI API Playground':
      return body?.success === false && typeof body.error?.message === 'string' && typeof body.error?.code === 'string' && typeof body.timestamp === 'string';
    case 'OpenAI-compatible API':
      return typeof body?.error?.message === 'string' && typeof body.error.type === 'string' && 'param' in body.error && 'code' in body.error;
    default:
      return false;
  }
}

const routePattern = (path: string) => new RegExp(`^${path.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{(\w+)\}/g, '(?<$1>[^/]+)')}/?$`);
const TABLE = REST_APIS.flatMap((api) => api.routes.map((route) => ({ api, route, re: routePattern(api.base.replace(/\/$/, '') + route.path) })));
/** Which API answers a path and method, as the REST layer decides it. */
function ownerOf(pathname: string, method: string): { api: Api; route?: Route } | null {
  const matches = TABLE.filter((e) => e.re.test(pathname));
  const hit = matches.find((e) => e.route.method === method) ?? (method === 'HEAD' ? matches.find((e) => e.route.method === 'GET') : undefined);
  if (hit) return hit;
  const owner = REST_APIS.find((a) => a.ownsBase && (pathname === a.base || pathname.startsWith(a.base.replace(/\/$/, '') + '/')));
  if (owner) return { api: owner };
  return matches[0] ? { api: matches[0].api } : null;
}

/** How a case authenticates: decided when the case is made, filled in with the route's live credentials when it is sent. */
type AuthPlan = { kind: 'valid'; viaKey: boolean } | { kind: 'fixed'; headers: Record<string, string> } | { kind: 'refresh'; real: boolean };

interface RestCase {
  api: Api;
  route: Route;
  round: number;
  method: string;
  path: string;
  query?: string;
  headers: Record<string, string>;
  auth: AuthPlan;
  body?: BodyInit;
  describe: unknown;
}

const PATH_GARBAGE: readonly string[] = [
  '0', '-1', '1.5', '1e3', '2147483648', '99999999999', '9'.repeat(40), 'abc', ' 1', '%00', '%2F', '%2e%2e', '%E0%A4%A', '%', '%25', "1'%20OR%201=1", '%F0%9F%98%80',
  '%D8%B4%E2%80%AE', encodeURIComponent('<script>'), 'x'.repeat(3000), encodeURIComponent('\u0000\u0001'), encodeURIComponent(b64('Task:1')), 'null', 'undefined', '__proto__',
];
const QUERY_GARBAGE: readonly string[] = [
  'offset=-1&limit=abc', 'limit=1e9', 'limit=0', 'offset=99999999999', 'limit=2147483648', 'page=0&limit=101', 'page=-5', 'sort=sideways&type=%00',
  'start_date=2024-13-45&end_date=yesterday', 'start_date=-271821-04-20T00:00:00.000Z', 'start_date=%2B275760-09-13T00:00:00.000Z', 'code=' + 'x'.repeat(5000),
  'code=%00', 'model=%27%3B--', 'next=%2F%2Fevil.example', 'next=javascript:alert(1)', 'a=1&a=2&a=3', '%zz=%zz', '&&&==&', 'type=all&type=image', 'download=1&sig=x&exp=-1',
  'limit=' + '9'.repeat(400), 'offset=1.5', 'limit=%20', 'code=' + encodeURIComponent(FOREIGN_JWT),
];

/** How a case of a route authenticates: mostly as the route's tests do, sometimes not at all or with garbage. */
function authPlan(route: Route, r: Rng, valid: boolean): AuthPlan {
  const roll = valid ? 1 : r.next();
  if (roll < 0.12) return { kind: 'fixed', headers: {} };
  if (roll < 0.2) {
    const garbage: Record<string, string> = r.chance(0.5)
      ? { authorization: r.pick(['Bearer garbage', 'Basic !!!', 'Bearer sk_nope', 'Bearer ' + FOREIGN_JWT, 'Token x', 'Bearer', 'Bearer ' + 'x'.repeat(10_000)]) }
      : { cookie: r.pick(['session=garbage', 'session=' + FOREIGN_JWT, 'session=%zz; session=x', 'session=\u00e9']) };
    return { kind: 'fixed', headers: garbage };
  }
  if (route.auth === 'basic') return { kind: 'fixed', headers: { authorization: `Basic ${b64(`${r.pick(['fz', 'nobody', '', ':'])}:${r.pick(['pw', '', 'x'.repeat(2000)])}`)}` } };
  if (route.auth === 'refresh') return { kind: 'refresh', real: r.chance(0.5) };
  if (route.auth === 'none') return { kind: 'fixed', headers: {} };
  return { kind: 'valid', viaKey: r.chance(0.3) };
}

interface RouteCreds {
  token: string;
  refreshToken: string;
  key: string;
}
/** Each route has credentials of its own: a route that signs out (or rotates a refresh token) ends only those. */
const routeCreds = new Map<Route, Promise<RouteCreds>>();
function credsOf(api: Api, route: Route, renew = false): Promise<RouteCreds> {
  let c = routeCreds.get(route);
  if (!c || renew) {
    c = (async () => {
      const s = await session(user.userId);
      const needsKey = ['MyMoodAI', 'OpenAI-compatible API', 'AI API Playground'].includes(api.name);
      return { token: s.token, refreshToken: s.refreshToken, key: needsKey ? await apiKeyFor(s) : '' };
    })();
    routeCreds.set(route, c);
  }
  return c;
}

/** The headers of a plan, with the route's current credentials. */
async function authHeadersOf(c: RestCase): Promise<Record<string, string>> {
  const { auth, api } = c;
  if (auth.kind === 'fixed') return auth.headers;
  const creds = await credsOf(api, c.route);
  if (auth.kind === 'refresh') return { authorization: `Bearer ${auth.real ? creds.refreshToken : 'rt_' + 'f'.repeat(43)}` };
  switch (api.name) {
    case 'AI Image Generator':
      return { cookie: `session=${creds.token}` };
    case 'MyMoodAI':
    case 'OpenAI-compatible API':
      return { authorization: `Bearer ${creds.key}` };
    case 'AI API Playground':
      return auth.viaKey ? { 'x-api-key': creds.key } : { authorization: `Bearer ${creds.token}` };
    default:
      return { authorization: `Bearer ${creds.token}` };
  }
}

/** The example body of a route (or a body shaped from its schema), with some fields made wrong. */
function exampleOf(route: Route): Record<string, unknown> {
  const rb = route.requestBody;
  if (rb?.example && typeof rb.example === 'object' && !Array.isArray(rb.example)) return { ...(rb.example as Record<string, unknown>) };
  const props = (rb?.schema as { properties?: Record<string, unknown> } | undefined)?.properties ?? {};
  return Object.fromEntries(Object.keys(props).map((k) => [k, 'x']));
}
function mutateBody(r: Rng, body: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...body };
  const keys = Object.keys(out);
  const times = 1 + r.int(3);
  for (let i = 0; i < times; i++) {
    const k = keys.length && r.chance(0.85) ? r.pick(keys) : r.pick(['unknown_field', '__proto__', 'input', 'id', 'role', 'user_id']);
    const was = out[k];
    own(out, k, r.pick<() => unknown>([
      () => r.pick(WRONG_ANY),
      () => r.pick(NASTY_STRINGS),
      () => r.pick(NASTY_IDS),
      () => jsonValue(r, true),
      () => undefined,
      () => [r.pick(NASTY_STRINGS)],
      () => Array.from({ length: 5000 }, (_, j) => j),
      // The same type as the example's value, at an extreme: past the route's own checks.
      () =>
        typeof was === 'number'
          ? r.pick([-1, 0, 2147483647, 2 ** 31, 2 ** 53, 1e308, 0.5, -0])
          : typeof was === 'string'
            ? r.pick(['\u0000', 'a\u0000b', KB100, '😀'.repeat(30_000), '2147483648', '-271821-04-20T00:00:00.000Z', sensibleString(r, k)])
            : Array.isArray(was)
              ? r.pick<unknown>([['\u0000'], [2147483648], Array.from({ length: 10_000 }, () => small(was[0]) ?? 1), [{ role: 'user', content: '\u0000' }]])
              : r.pick<unknown>([deepRaw(100_000), { a: '\u0000' }, { 'k\u0000': 1 }]),
    ])());
  }
  return out;
}

/**
 * `v` when its JSON is short. A key mutated twice can hold a 100 KB value by the second time:
 * ten thousand copies of it would pass V8's longest string (the request, not the server, failed).
 */
function small(v: unknown): unknown {
  return v === undefined || serialize([v]).length > 1_000 ? undefined : v;
}

/** Sets an own enumerable key, "__proto__" included (an assignment would set the prototype). */
function own(o: Record<string, unknown>, k: string, v: unknown) {
  Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
}

function restCases(api: Api, route: Route, runs: number): RestCase[] {
  const r = rngFor(`rest.${api.name}.${route.method}.${route.path}`);
  const base = api.base.replace(/\/$/, '');
  const example = exampleOf(route);
  const takesBody = route.method === 'POST' || route.method === 'PUT';
  const takesFiles = route.requestBody?.contentType === 'multipart/form-data';
  const out: RestCase[] = [];
  const n = Math.max(6, runs);
  for (let i = 0; i < n; i++) {
    // Path parameters: a valid-looking value in most cases, garbage in the others.
    const params: Record<string, string> = {};
    const path = route.path.replace(/\{(\w+)\}/g, (_m, name: string) => {
      const v = i === 0 || r.chance(0.5) ? (name === 'user_id' ? String(known.userId) : name === 'code' ? encodeURIComponent(r.pick(known.codes)) : name === 'model' || name === 'model_id' ? r.pick(known.models) : name === 'request_id' ? uuidFrom(r) : String(1 + r.int(5))) : r.pick(PATH_GARBAGE);
      params[name] = v;
      return v;
    });
    const auth = authPlan(route, r, i === 0);
    const headers: Record<string, string> = {};
    const query = i > 0 && (route.method === 'GET' || r.chance(0.3)) && r.chance(0.6) ? r.pick(QUERY_GARBAGE) : undefined;
    let body: BodyInit | undefined;
    let describe: unknown = { params, query };
    if (takesBody) {
      const kind = i === 0 ? 'example' : r.pick(['mutated', 'mutated', 'mutated', 'shape', 'invalid', 'type', 'form', 'multipart', 'huge', 'empty']);
      switch (kind) {
        case 'example':
        case 'mutated': {
          const b = kind === 'example' ? example : mutateBody(r, example);
          headers['content-type'] = 'application/json';
          body = serialize(b);
          describe = { ...(describe as object), json: b };
          break;
        }
        case 'shape': {
          const b = r.pick<unknown>([[], [example], 'string', 42, null, true, deepArray(2000), deepObject(2000), { ...example, nested: deepRaw(100_000) }, { '': { '': [] } }]);
          headers['content-type'] = 'application/json';
          body = serialize(b);
          describe = { ...(describe as object), json: b };
          break;
        }
        case 'invalid': {
          const b = r.pick(['{', '{"a":', "{'a': 1}", '{"a":1,}', 'nul', '\u0000', '{"a":"\\ud800"}', '{"a": NaN}', '{"a": 1e999}', '\xff\xfe{', '{"a":"' + 'x'.repeat(50_000)]);
          headers['content-type'] = 'application/json';
          body = b;
          describe = { ...(describe as object), raw: b };
          break;
        }
        case 'type': {
          const t = r.pick(['text/plain', 'application/xml', 'application/json; charset=utf-16', 'image/png', 'application/octet-stream', '']);
          if (t) headers['content-type'] = t;
          body = r.chance(0.5) ? JSON.stringify(example) : '<xml>not json</xml>';
          describe = { ...(describe as object), contentType: t, raw: body };
          break;
        }
        case 'form': {
          const b = r.chance(0.5) ? new URLSearchParams(Object.entries(example).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)])).toString() + '&' + r.pick(['%zz=%zz', '&&==', 'a=' + 'x'.repeat(20_000), 'refresh_token=%00']) : r.pick(['%', '=&=&', 'a=%E0%A4%A']);
          headers['content-type'] = 'application/x-www-form-urlencoded';
          body = b;
          describe = { ...(describe as object), form: clip(b, 200) };
          break;
        }
        case 'multipart': {
          if (r.chance(0.5) || takesFiles) {
            const form = new FormData();
            for (const [k, v] of Object.entries(mutateBody(r, example))) if (v !== undefined) form.set(k, typeof v === 'string' ? v : safeJson(v) ?? '');
            const bytes = new Uint8Array(Array.from({ length: r.pick([0, 10, 2000, 40_000]) }, () => r.int(256)));
            for (const name of r.chance(0.5) ? ['file', 'image', 'mask'] : [r.pick(['file', 'image', 'mask', 'avatar', 'x'])]) {
              form.set(name, new File([bytes], r.pick(['a.png', 'a.jpg', '../../x.mp4', 'a\u0000.gif', '']), { type: r.pick(['image/png', 'video/mp4', 'text/html', '']) }));
            }
            body = form;
            describe = { ...(describe as object), multipart: 'fields and random bytes as files' };
          } else {
            headers['content-type'] = r.pick(['multipart/form-data', 'multipart/form-data; boundary=abc', 'multipart/form-data; boundary=']);
            body = r.pick(['--xyz\r\nContent-Disposition: form-data; name="a"\r\n\r\n1\r\n--xyz--', 'garbage', '--abc\r\n\r\n', '--abc\r\nContent-Disposition: form-data; name="file"; filename="x.png"\r\n\r\n' + 'x'.repeat(1000)]);
            describe = { ...(describe as object), rawMultipart: body };
          }
          break;
        }
        case 'huge': {
          const b = Object.fromEntries(Object.keys(example).length ? Object.keys(example).map((k) => [k, 'h'.repeat(512 * 1024)]) : [['x', 'h'.repeat(1024 * 1024)]]);
          headers['content-type'] = 'application/json';
          body = JSON.stringify(b);
          describe = { ...(describe as object), huge: `${Object.keys(b).join(',')} of 512 KiB` };
          break;
        }
        case 'empty':
          headers['content-type'] = r.pick(['application/json', 'application/x-www-form-urlencoded']);
          body = r.pick(['', '   ', '{}']);
          describe = { ...(describe as object), raw: body };
          break;
      }
    }
    out.push({ api, route, round: i, method: route.method, path: base + path, query, headers, auth, body, describe: { route: `${route.method} ${base}${route.path}`, ...(describe as object) } });
  }
  // A method the path does not take.
  out.push({ api, route, round: 1, method: route.method === 'GET' ? 'PATCH' : 'GET', path: base + route.path.replace(/\{(\w+)\}/g, '1'), headers: {}, auth: authPlan(route, r, true), describe: { route: `${route.method} ${base}${route.path}`, wrongMethod: true } });
  return out;
}

async function sendRest(c: RestCase): Promise<number> {
  const t0 = Date.now();
  try {
    return await sendRestInner(c);
  } finally {
    timed(t0, () => `${c.method} ${clip(c.path, 100)} ${clip(safeJson(c.describe) ?? '', 150)}`);
  }
}
async function sendRestInner(c: RestCase): Promise<number> {
  stats.restRequests++;
  const url = `${t.url}${c.path}${c.query ? `?${c.query}` : ''}`;
  const headers = { ...c.headers, ...(await authHeadersOf(c)) };
  const where = `${c.method} ${clip(c.path, 120)}${c.query ? `?${clip(c.query, 60)}` : ''}`;
  const ac = new AbortController();
  const timer = setTimeout(() => ac.abort(new Error('no answer within 30 s')), 30_000);
  try {
    const res = await fetch(url, { method: c.method, headers, body: c.body, redirect: 'manual', signal: ac.signal });
    countStatus(res.status);
    const type = res.headers.get('content-type') ?? '';
    let text = '';
    if (type.includes('text/event-stream')) {
      // A live stream: what arrives in a few seconds is enough; it must not be an error page.
      const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
      const stop = setTimeout(() => void reader.cancel().catch(() => {}), 5000);
      for (;;) {
        const { value, done } = await reader.read().catch(() => ({ value: undefined, done: true }));
        if (done) break;
        text += value;
      }
      clearTimeout(stop);
    } else text = await res.text();
    const pathname = new URL(url).pathname;
    if (res.status >= 500) fail(`REST ${where}`, `HTTP ${res.status}: ${clip(text)}`, c.describe);
    if (res.status >= 400) {
      const owner = ownerOf(pathname, c.method === 'HEAD' ? 'GET' : c.method);
      let body: unknown = null;
      try {
        body = type.includes('json') ? JSON.parse(text) : null;
      } catch {
        fail(`REST ${where}`, `HTTP ${res.status}, content-type ${type} but not JSON: ${clip(text)}`, c.describe);
      }
      if (owner && !inEnvelope(owner.api, owner.route, type, body, text)) {
        fail(`REST ${where}`, `HTTP ${res.status} not in ${owner.api.name}'s error envelope: ${clip(text)}`, c.describe);
      }
      if (!owner && !(res.status === 404 && (body as { error?: unknown } | null)?.error)) fail(`REST ${where}`, `HTTP ${res.status} from no API: ${clip(text)}`, c.describe);
    }
    return res.status;
  } catch (err) {
    fail(`REST ${where}`, `no answer: ${(err as Error).message}`, c.describe);
    return 0;
  } finally {
    clearTimeout(timer);
  }
}

test('REST: every route of every API, fuzzed bodies, content types, query strings, paths and credentials: < 500, errors in the API’s envelope', async () => {
  const routes = REST_APIS.flatMap((api) => api.routes.map((route) => ({ api, route })));
  stats.restRoutes = routes.length;
  const runs = Math.max(6, Math.ceil(RUNS * 0.6));
  const cases = routes.flatMap(({ api, route }) => restCases(api, route, runs)).sort((a, b) => a.round - b.round);
  const ran = new Set<Route>();
  await pool(cases, 4, async (c) => {
    if (c.round >= 2 && pastPhase(0.88)) return void stats.skippedForBudget++;
    ran.add(c.route);
    const status = await sendRest(c);
    // The fuzzing ended the route's credentials (a sign-out route): fresh ones for its next cases.
    if (status === 401 && c.auth.kind === 'valid') await credsOf(c.api, c.route, true);
  });
  assert.equal(ran.size, routes.length, 'every route was fuzzed');
  report('REST');
});

// ── afterwards ─────────────────────────────────────────────────────────────────────────────

test('after the fuzzing: the server answers, nothing crashed or logged an error, and the ledgers add up', async () => {
  assert.equal((await fetch(`${t.url}/healthz`)).status, 200);
  assert.equal((await fetch(`${t.url}/readyz`)).status, 200);
  const fresh = await session(user.userId);
  const me = await op(`query { me { databaseId credits { available reserved } } }`, fresh.token);
  assert.equal(me.errors, undefined, JSON.stringify(me.errors));
  assert.equal(me.data.me.databaseId, user.userId);

  // Tasks the fuzzing started run to their end (or are canceled), so every hold has settled or is still held by a live task.
  const { prisma } = t.app.deps;
  const end = Date.now() + 10_000;
  while ((await prisma.task.count({ where: { status: { in: ['queued', 'running'] } } })) > 0 && Date.now() < end) await new Promise((r) => setTimeout(r, 100));

  const accounts = await prisma.creditAccount.findMany();
  assert.ok(accounts.length > 0);
  for (const acc of accounts) {
    const sums = await prisma.creditEntry.aggregate({ where: { userId: acc.userId }, _sum: { amount: true, reservedDelta: true } });
    const last = await prisma.creditEntry.findFirst({ where: { userId: acc.userId }, orderBy: { id: 'desc' } });
    const held = await prisma.creditHold.aggregate({ where: { userId: acc.userId, status: 'held' }, _sum: { amount: true } });
    const label = `user ${acc.userId}`;
    assert.equal(acc.available, sums._sum.amount ?? 0, `${label}: available equals the sum of its entries`);
    assert.equal(acc.reserved, sums._sum.reservedDelta ?? 0, `${label}: reserved equals the sum of its entries`);
    assert.equal(acc.reserved, held._sum.amount ?? 0, `${label}: reserved equals its open holds`);
    assert.ok(acc.available >= 0 && acc.reserved >= 0, `${label}: no negative balance`);
    if (last) assert.deepEqual([last.balanceAfter, last.reservedAfter], [acc.available, acc.reserved], `${label}: the last entry shows the balance`);
  }
  const tasks = await prisma.task.findMany({ select: { id: true, cost: true, status: true, hold: { select: { status: true } } } });
  assert.ok(tasks.length > 0, 'the fuzzing created tasks');
  for (const task of tasks) {
    if (task.cost > 0) assert.ok(task.hold, `task ${task.id} (cost ${task.cost}) has its hold`);
    if (!task.hold) continue;
    const finished = ['succeeded', 'failed', 'canceled'].includes(task.status);
    assert.equal(task.hold.status === 'held', !finished, `task ${task.id} (${task.status}): hold ${task.hold.status}`);
  }
  // A deleted task leaves its settled hold behind; a hold still held always has its task.
  const orphanHolds = await prisma.creditHold.count({ where: { task: null, status: 'held' } });
  assert.equal(orphanHolds, 0, 'no open hold without its task');

  report('total');
  assert.deepEqual(crashes, [], 'no unhandled rejection or exception');
  assert.deepEqual(serverErrors.slice(0, 20), [], `the server logged ${serverErrors.length} errors`);
});

test('GraphQL: refusals of the request itself (variables, multipart, content type) carry extensions.code in a JSON body', () => {
  assert.ok(stats.gqlRequests > 0, 'the fuzzing ran');
  // One line per kind of refusal: the field, the variable and the value left out.
  const kinds = [...new Set(requestLevelUncoded.map((e) => e.replace(/^.*?: (HTTP \d+)/, '$1').replace(/"\$\w+"/, '"$…"').replace(/ got invalid value .*/, ' got invalid value …').replace(/type "[^"]+"/, 'type "…"')))];
  assert.deepEqual(kinds, [], `${requestLevelUncoded.length} refusals without extensions.code`);
});

function report(stage: string) {
  const statuses = [...stats.statuses.entries()].sort((a, b) => a[0] - b[0]).map(([s, n]) => `${s}×${n}`).join(' ');
  console.log(
    `# fuzz ${stage} (seed ${SEED}): ${stats.gqlFields} query/mutation fields + ${stats.subscriptionFields} subscription fields, ${stats.gqlRequests} GraphQL requests; ` +
      `${stats.restRoutes} REST routes, ${stats.restRequests} REST requests; statuses ${statuses}; ${stats.skippedForBudget} cases skipped for time; ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
  if (REPORT) appendFileSync(REPORT, `slowest after ${stage}:\n${slow.sort((a, b) => b[0] - a[0]).slice(0, 40).map(([ms, w]) => `${ms} ms ${w}`).join('\n')}\n`);
  if (failures.length) {
    // One line per distinct problem (the same failure at many inputs is one bug).
    const distinct = new Map<string, string>();
    for (const f of failures) {
      const key = f.split('\n')[0]!.replace(/#\d+/, '').replace(/\d{3,}/g, 'N');
      if (!distinct.has(key)) distinct.set(key, f);
    }
    const list = [...distinct.values()];
    failures.length = 0;
    if (REPORT) appendFileSync(REPORT, `${stage}\n${list.join('\n')}\n`);
    assert.fail(`${list.length} distinct failures (FUZZ_SEED=${SEED}):\n${list.slice(0, 40).join('\n')}`);
  }
}

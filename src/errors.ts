// Errors that reach clients. Each carries extensions.code and extensions.http.status; anything
// else thrown in a resolver is masked by Yoga as "Unexpected error.".
import { GraphQLError } from 'graphql';
import { ZodError } from 'zod';

export type ErrorCode =
  | 'BAD_USER_INPUT'
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'CONFLICT'
  | 'INSUFFICIENT_CREDITS'
  | 'RATE_LIMITED'
  | 'PAYLOAD_TOO_LARGE'
  | 'SERVICE_UNAVAILABLE';

const STATUS: Record<ErrorCode, number> = {
  BAD_USER_INPUT: 400,
  UNAUTHENTICATED: 401,
  INSUFFICIENT_CREDITS: 402,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  PAYLOAD_TOO_LARGE: 413,
  RATE_LIMITED: 429,
  SERVICE_UNAVAILABLE: 503,
};

export interface FieldError {
  /** Path of the offending input field, e.g. ["input", "email"]. */
  path: string[];
  message: string;
}

export class AppError extends GraphQLError {
  constructor(code: ErrorCode, message: string, extra: Record<string, unknown> = {}) {
    super(message, { extensions: { code, http: { status: STATUS[code] }, ...extra } });
  }
}

export const unauthenticated = (message = 'Authentication required') => new AppError('UNAUTHENTICATED', message);
export const forbidden = (message = 'Not allowed') => new AppError('FORBIDDEN', message);
export const notFound = (what: string) => new AppError('NOT_FOUND', `${what} not found`);

/** Bad input naming its fields: extensions.field (the first) and extensions.fields (all). */
export function badInput(fields: FieldError[]): AppError {
  const first = fields[0]!;
  const message = fields.map((f) => `${f.path.join('.')}: ${f.message}`).join('; ');
  return new AppError('BAD_USER_INPUT', message, { field: first.path.join('.'), fields });
}

export const badField = (field: string, message: string) => badInput([{ path: field.split('.'), message }]);

export function fromZod(err: ZodError, prefix: string[] = []): AppError {
  return badInput(
    err.issues.map((i) => ({ path: [...prefix, ...i.path.map(String)], message: i.message })),
  );
}

/** Parses input with a zod schema, turning failures into BAD_USER_INPUT naming the fields. */
export function parseInput<T>(schema: { safeParse(v: unknown): { success: true; data: T } | { success: false; error: ZodError } }, value: unknown, prefix: string[] = []): T {
  const r = schema.safeParse(value);
  if (!r.success) throw fromZod(r.error, prefix);
  return r.data;
}

import { decodeGlobalID } from '@pothos/plugin-relay';
import { badField } from '../errors.js';

/** The largest id a row can have: ids are PostgreSQL `integer`s (a larger one would fail the query). */
export const MAX_DB_ID = 2_147_483_647;

/** Accepts a Relay global id of the given type, or a plain database id. */
export function dbId(typename: string, value: string | number, field = 'id'): number {
  let raw = String(value);
  if (!/^\d+$/.test(raw)) {
    try {
      const decoded = decodeGlobalID(raw);
      if (decoded.typename !== typename) throw new Error();
      raw = decoded.id;
    } catch {
      throw badField(field, `is not a ${typename} id`);
    }
  }
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n <= 0 || n > MAX_DB_ID) throw badField(field, `is not a ${typename} id`);
  return n;
}

// Operations the REST layer runs through Yoga in this process carry a secret header, so that a
// production that accepts only trusted documents (persisted operations) still runs the REST
// routes' own operations. The secret is new at every start and never leaves the process.
import { randomBytes } from 'node:crypto';

export const INTERNAL_HEADER = 'x-genhub-internal';
export const INTERNAL_SECRET = randomBytes(24).toString('hex');

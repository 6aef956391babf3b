import { z } from 'zod';

export const username = z
  .string()
  .regex(/^[A-Za-z0-9_]{3,30}$/, 'must be 3–30 characters: letters, digits or underscore');
export const email = z.string().trim().toLowerCase().pipe(z.email('must be a valid email address'));
export const password = z
  .string()
  .min(8, 'must be at least 8 characters')
  .max(256, 'must be at most 256 characters')
  .regex(/[a-z]/, 'must contain a lowercase letter')
  .regex(/[A-Z]/, 'must contain an uppercase letter')
  .regex(/[0-9]/, 'must contain a digit');
const text = (max: number) => z.string().trim().max(max, `must be at most ${max} characters`);
export const phoneNumber = z
  .string()
  .trim()
  .regex(/^\+?[0-9 ()-]{5,20}$/, 'must be a phone number (digits, spaces, + ( ) -)');
export const metadata = z
  .record(z.string(), z.unknown())
  .refine((m) => JSON.stringify(m).length <= 16_384, 'must be at most 16 KB of JSON');

export const profileFields = {
  name: text(100).nullish(),
  fullName: text(200).nullish(),
  phoneNumber: phoneNumber.nullish(),
  avatar: z.string().url('must be a URL').max(2048).nullish(),
  metadata: metadata.nullish(),
};

export const registerInput = z.object({ username, email, password, ...profileFields });
export const profileInput = z.object({ username: username.optional(), email: email.optional(), ...profileFields });
export const adminUserInput = profileInput.extend({
  role: z.enum(['user', 'admin']).optional(),
  tier: z.enum(['free', 'basic', 'pro', 'enterprise']).optional(),
  disabled: z.boolean().optional(),
});
export const adminCreateInput = registerInput.extend({
  role: z.enum(['user', 'admin']).optional(),
  tier: z.enum(['free', 'basic', 'pro', 'enterprise']).optional(),
});
export const paging = z.object({
  offset: z.number().int().min(0, 'must be 0 or more').default(0),
  limit: z.number().int().min(1, 'must be at least 1').max(100, 'must be at most 100').default(10),
});

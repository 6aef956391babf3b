import argon2 from 'argon2';

export interface PasswordHasher {
  hash(password: string): Promise<string>;
  verify(hash: string, password: string): Promise<boolean>;
}

/** argon2id with OWASP's minimum profile by default (19 MiB, t=2, p=1). */
export function createPasswordHasher(memoryCost: number): PasswordHasher {
  const opts = { type: argon2.argon2id, memoryCost, timeCost: 2, parallelism: 1 } as const;
  return {
    hash: (password) => argon2.hash(password, opts),
    verify: async (hash, password) => {
      try {
        return await argon2.verify(hash, password);
      } catch {
        return false;
      }
    },
  };
}

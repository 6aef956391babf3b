import { defineConfig } from 'prisma/config';

// The CLI (migrate, studio) talks to DATABASE_URL. The running server never reads this file:
// src/db.ts picks PostgreSQL or the embedded database itself.
export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
  datasource: { url: process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres' },
});

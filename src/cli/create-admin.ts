// npm run create-admin: creates (or promotes) the admin named by ADMIN_EMAIL / ADMIN_PASSWORD.
import { loadConfig } from '../config.js';
import { openConfiguredDatabase } from '../db.js';
import { DirectoryInUseError } from '../lib/dir-lock.js';
import { createLogger } from '../logger.js';
import { ensureAdmin } from '../modules/auth/auth.service.js';
import { createPasswordHasher } from '../modules/auth/passwords.js';

const config = loadConfig();
if (!config.ADMIN_EMAIL || !config.ADMIN_PASSWORD) {
  console.error('set ADMIN_EMAIL and ADMIN_PASSWORD');
  process.exit(2);
}
const log = createLogger(config.LOG_LEVEL);
const db = await openConfiguredDatabase(config, log).catch((err) => {
  if (!(err instanceof DirectoryInUseError)) throw err;
  // The running server holds the embedded database: it makes the admin itself when started with these.
  console.error(`${err.message}. A running server makes this admin itself when started with ADMIN_EMAIL and ADMIN_PASSWORD set.`);
  process.exit(2);
});
try {
  const user = await ensureAdmin({ prisma: db.prisma, hasher: createPasswordHasher(config.ARGON2_MEMORY_KIB), config, log });
  console.log(`admin: ${user?.username} <${user?.email}>`);
} finally {
  await db.close();
}

// Where `npm install` leaves the empty embedded-database template (see postinstall.mjs).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export function embeddedTemplatePath(root) {
  const { version } = JSON.parse(readFileSync(join(root, 'node_modules/@electric-sql/pglite/package.json'), 'utf8'));
  return join(root, 'node_modules/.cache/genhub', `pglite-${version}.tar.gz`);
}

// Loads the package exactly as a user gets it: from the npm pack tarball
// installed into target/consumer by scripts/pack-install.
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const consumerDir = fileURLToPath(new URL('../../target/consumer/', import.meta.url));
const entry = new URL('entry.mjs', pathToFileURL(consumerDir));

if (!existsSync(fileURLToPath(entry))) {
  throw new Error('target/consumer is missing: run `bash scripts/build && bash scripts/pack-install` (scripts/test does both)');
}

export const kmb = await import(entry.href);
export const packageDir = `${consumerDir}node_modules/kimberlite-migration/`;

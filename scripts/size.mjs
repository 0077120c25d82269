// Prints the raw and gzip size of the packaged .wasm against the size goal.
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';

// Issue 13 set the budget at 350 KB gzip with squawk's parser inside.
const GOAL_GZIP = 350 * 1024;
const file = new URL('../packages/core/kimberlite_migration_bg.wasm', import.meta.url);
let bytes;
try {
  bytes = readFileSync(file);
} catch {
  console.error('packages/core/kimberlite_migration_bg.wasm is missing: run `npm run build` first.');
  process.exit(1);
}
const gzip = gzipSync(bytes, { level: 9 }).length;
const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
console.log(`wasm raw   ${kb(bytes.length)}`);
console.log(`wasm gzip  ${kb(gzip)}  (goal <= ${kb(GOAL_GZIP)}: ${gzip <= GOAL_GZIP ? 'met' : `missed by ${kb(gzip - GOAL_GZIP)}`})`);

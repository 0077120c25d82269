// Prints the raw and gzip size of the packaged .wasm modules against the size goal.
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';

// Issue 13 set the budget at 350 KB gzip with squawk's parser inside. Since
// the split (docs/decisions.md, "Two modules") it holds for each module:
// the core, which every command loads, and the lint module (squawk's parser
// and rules), which only lint loads.
const GOAL_GZIP = 350 * 1024;
const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
let total = 0;
let totalGzip = 0;
for (const [name, file] of [['core', 'kimberlite_migration_bg.wasm'], ['lint', 'kimberlite_migration_lint_bg.wasm']]) {
  let bytes;
  try {
    bytes = readFileSync(new URL(`../packages/core/${file}`, import.meta.url));
  } catch {
    console.error(`packages/core/${file} is missing: run \`npm run build\` first.`);
    process.exit(1);
  }
  const gzip = gzipSync(bytes, { level: 9 }).length;
  total += bytes.length;
  totalGzip += gzip;
  console.log(`${name.padEnd(5)} wasm  ${kb(bytes.length).padStart(9)} raw, ${kb(gzip).padStart(8)} gzip  (goal <= ${kb(GOAL_GZIP)} a module: ${gzip <= GOAL_GZIP ? 'met' : `missed by ${kb(gzip - GOAL_GZIP)}`})`);
}
console.log(`both        ${kb(total).padStart(9)} raw, ${kb(totalGzip).padStart(8)} gzip  (what a page that lints downloads)`);

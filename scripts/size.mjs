// Prints the raw and gzip size of the packaged .wasm modules against the
// size goal; `wasmSizes()` is what bench/run.mjs reports from.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

// Issue 13 set the budget at 350 KB gzip with squawk's parser inside. Since
// the split (docs/decisions.md, "Two modules") it holds for each module:
// the core, which every command loads, and the lint module (squawk's parser
// and rules), which only lint loads.
export const GOAL_GZIP = 350 * 1024;
const MODULES = [['core', 'kimberlite_migration_bg.wasm'], ['lint module (squawk)', 'kimberlite_migration_lint_bg.wasm']];

/** Each module's `{ name, file, raw, gzip }` in bytes; throws when one is not built. */
export function wasmSizes() {
  return MODULES.map(([name, file]) => {
    const bytes = readFileSync(new URL(`../packages/core/${file}`, import.meta.url));
    return { name, file, raw: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length };
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  let sizes;
  try {
    sizes = wasmSizes();
  } catch (error) {
    console.error(`${error.path ?? 'a .wasm module'} is missing: run \`npm run build\` first.`);
    process.exit(1);
  }
  const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
  for (const { name, raw, gzip } of sizes) {
    console.log(`${name.padEnd(20)} ${kb(raw).padStart(9)} raw, ${kb(gzip).padStart(8)} gzip  (goal <= ${kb(GOAL_GZIP)} a module: ${gzip <= GOAL_GZIP ? 'met' : `missed by ${kb(gzip - GOAL_GZIP)}`})`);
  }
  const total = (key) => sizes.reduce((sum, size) => sum + size[key], 0);
  console.log(`${'both'.padEnd(20)} ${kb(total('raw')).padStart(9)} raw, ${kb(total('gzip')).padStart(8)} gzip  (what a page that lints downloads)`);
}

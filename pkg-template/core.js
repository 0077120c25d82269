// The WebAssembly core, instantiated synchronously for Node.
import { readFileSync } from 'node:fs';
import { initSync, analyze as analyzeReport, parseMigration } from './kimberlite_migration.js';
import { assemble } from './report.js';

initSync({ module: readFileSync(new URL('./kimberlite_migration_bg.wasm', import.meta.url)) });

export * from './kimberlite_migration.js';

/** Analyzes a whole project; each migration's statements are parsed when first read (report.js). */
export const analyze = (input) => assemble(analyzeReport(input), input, parseMigration);

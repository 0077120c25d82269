// Lint latency of a 1 MB migration through the wasm package in Node:
// parseMigration (lex, split, lint) and analyze of a one-file project, as an
// editor does on each keystroke. Prints the median against the 20 ms goal.
import { analyze, lint, parseMigration } from '../pkg/node.js';
import { migrationOfSize } from './corpus.mjs';
import { timeMs as time } from './measure.mjs';

const text = migrationOfSize(1024 * 1024);
const bytes = new TextEncoder().encode(text);
const lintOnly = time(() => lint('migrations/0001_big.sql', bytes));
const editor = time(() => analyze({ files: [{ path: 'migrations/0001_big.sql', contents: bytes }], statements: false }));
const parse = time(() => parseMigration('migrations/0001_big.sql', bytes));
const statements = parseMigration('migrations/0001_big.sql', bytes).up.length;
const goal = 20;
console.log(`lint a ${(bytes.length / 1024 / 1024).toFixed(2)} MB migration (${statements} statements), median of 15:`);
const row = (name, ms) => console.log(`  ${name.padEnd(40)} ${ms.toFixed(1).padStart(7)} ms   ratio to goal ${(ms / goal).toFixed(2)} (goal <= 1.00, ${goal} ms)`);
row('lint (what kmb-lsp runs outside a project)', lintOnly);
row('analyze, statements: false (kmb-lsp)', editor);
row('parseMigration (with every statement)', parse);

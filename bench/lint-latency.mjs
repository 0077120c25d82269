// Lint latency through the wasm package in Node, as an editor pays it on
// each keystroke: `lint` (what kmb-lsp runs outside a project), `analyze` of
// a one-file project, and `parseMigration`, on migrations of 100 KB and
// 1 MB. Goals (issue 13): 100 KB <= 20 ms, 1 MB <= 100 ms. squawk's rules
// read sections up to 1 MiB (`lint-skipped` above), so the 100 KB row pays
// for its parser and the 1 MB row, just over the limit, does not.
import { analyze, lint, parseMigration } from '../packages/core/node.js';
import { migrationOfSize } from './corpus.mjs';
import { timeMs as time } from './measure.mjs';

for (const [size, goal] of [[100 * 1024, 20], [1024 * 1024, 100]]) {
  const text = migrationOfSize(size);
  const bytes = new TextEncoder().encode(text);
  const lintOnly = time(() => lint('migrations/0001_big.sql', bytes));
  const editor = time(() => analyze({ files: [{ path: 'migrations/0001_big.sql', contents: bytes }], statements: false }));
  const keystroke = time(() => analyze({ files: [{ path: 'migrations/0001_big.sql', contents: bytes }], statements: false, options: { parserRules: false } }));
  const parse = time(() => parseMigration('migrations/0001_big.sql', bytes));
  const statements = parseMigration('migrations/0001_big.sql', bytes).up.length;
  console.log(`lint a ${(bytes.length / 1024).toFixed(0)} KB migration (${statements} statements), median of 15:`);
  const row = (name, ms) => console.log(`  ${name.padEnd(40)} ${ms.toFixed(1).padStart(7)} ms   ratio to goal ${(ms / goal).toFixed(2)} (goal <= 1.00, ${goal} ms)`);
  row('lint (what kmb-lsp runs outside a project)', lintOnly);
  row('analyze, statements: false (full check)', editor);
  row('the same, parserRules: false (a keystroke)', keystroke);
  row('parseMigration (with every statement)', parse);
}

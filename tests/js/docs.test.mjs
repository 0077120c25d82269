// The README and docs/lint.md list every lint rule with its default, preset
// and example: the table scripts/rules-table.mjs makes from the installed
// package's code table and the rules' fixtures.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { kmb } from './package.mjs';
import { rulesTable } from '../../scripts/rules-table.mjs';

const root = fileURLToPath(new URL('../..', import.meta.url));

test('README.md and docs/lint.md hold the generated table of every lint rule', () => {
  const table = rulesTable(kmb, root);
  const lintCodes = kmb.codes().filter((c) => c.group === 'lint');
  assert.equal(table.split('\n').length, lintCodes.length + 2);
  // Every rule has an example: the line its fixture gets the finding on.
  for (const line of table.split('\n').slice(2)) assert.match(line, /\| [^|]+ \|$/, line);
  for (const doc of ['README.md', 'docs/lint.md']) {
    assert.ok(readFileSync(new URL(`../../${doc}`, import.meta.url), 'utf8').includes(table), `${doc} does not hold the output of node scripts/rules-table.mjs`);
  }
});

#!/usr/bin/env node
// Prints the table of lint rules that docs/lint.md and the README carry:
// every rule with its default level, its preset (where it runs, or opt-in)
// and an example, the line of its fixture (tests/fixtures/lint/<code>/bad.sql)
// it reports. tests/js/docs.test.mjs checks that both documents hold this
// very table, so a rule cannot be added, moved or renamed without them.
//   node scripts/rules-table.mjs [packages/core/node.js]
import { readFileSync, existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

export function rulesTable(core, root) {
  const rows = ['| code | default | preset | example (reported line) |', '| --- | --- | --- | --- |'];
  for (const info of core.codes().filter((c) => c.group === 'lint')) {
    const fixture = resolve(root, 'tests/fixtures/lint', info.code, 'bad.sql');
    let example = '';
    if (existsSync(fixture)) {
      const text = readFileSync(fixture, 'utf8');
      const found = core.lint('migrations/0001_bad.sql', text, info.optIn ? { rules: { [info.code]: info.severity } } : undefined).find((d) => d.code === info.code);
      if (found?.range) example = `\`${text.split('\n')[found.range.start.line].trim().replaceAll('|', '\\|')}\``;
    }
    if (!example && info.code === 'lint-skipped') example = 'a section over 1 MiB';
    // Kimberlite's own check runs in the native helper, not in the core.
    const kimberlite = info.code === 'kimberlite-unsupported';
    if (kimberlite) example = '`CREATE FUNCTION f() ...` (Kimberlite has no functions)';
    const notChecked = info.code === 'kimberlite-not-checked';
    if (notChecked) example = 'a Kimberlite project checked without the helper (the Studio)';
    const preset = kimberlite ? '`--target kimberlite`, Up and Down' : notChecked ? '`target = "kimberlite"`, once a report' : info.optIn ? 'opt-in' : info.down ? 'default, Up and Down' : 'default, Up';
    rows.push(`| \`${info.code}\` | ${info.optIn ? 'off' : info.severity} | ${preset} | ${example} |`);
  }
  return rows.join('\n');
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const root = resolve(new URL('..', import.meta.url).pathname);
  const core = await import(pathToFileURL(resolve(process.argv[2] ?? resolve(root, 'packages/core/node.js'))).href);
  console.log(rulesTable(core, root));
}

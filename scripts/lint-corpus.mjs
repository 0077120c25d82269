#!/usr/bin/env node
// Lints the converted projects of `scripts/corpus` (target/corpus/<name>/migrations)
// as whole projects (each file knows the schema the earlier ones built) and
// prints the findings per rule and project as a Markdown table, the one in
// docs/lint.md. Every finding, with its statement's first line, goes to
// target/lint-corpus.json for hand checks.
//   node scripts/lint-corpus.mjs [packages/core/node.js]
import { readdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const core = await import(pathToFileURL(resolve(process.argv[2] ?? 'packages/core/node.js')).href);
const corpus = 'target/corpus';
if (!existsSync(corpus)) {
  console.error('No target/corpus: run `bash scripts/corpus` first.');
  process.exit(2);
}
const lintCodes = new Set(core.codes().filter((c) => c.group === 'lint').map((c) => c.code));
const projects = readdirSync(corpus).filter((name) => existsSync(join(corpus, name, 'migrations'))).sort();
const counts = new Map();
const findings = [];
let fileCount = 0;
for (const project of projects) {
  const dir = join(corpus, project, 'migrations');
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.sql'))
    .map((f) => ({ path: `migrations/${f}`, contents: readFileSync(join(dir, f), 'utf8') }));
  fileCount += files.length;
  const report = core.analyze({ files, statements: false });
  const text = new Map(files.map((f) => [f.path, f.contents]));
  for (const d of report.diagnostics) {
    if (!lintCodes.has(d.code)) continue;
    const row = counts.get(d.code) ?? new Map();
    row.set(project, (row.get(project) ?? 0) + 1);
    counts.set(d.code, row);
    const contents = text.get(d.file) ?? '';
    const line = d.range ? contents.split('\n')[d.range.start.line] : '';
    findings.push({ project, file: d.file, line: d.range ? d.range.start.line + 1 : 0, code: d.code, message: d.message, source: line?.trim() });
  }
}
const rows = [...counts].map(([code, row]) => [code, [...row.values()].reduce((a, b) => a + b, 0), row]).sort((a, b) => b[1] - a[1]);
console.log(`${projects.length} projects, ${fileCount} files, ${findings.length} findings\n`);
console.log(`| code | findings | ${projects.join(' | ')} |`);
console.log(`| --- | --- | ${projects.map(() => '---').join(' | ')} |`);
for (const [code, total, row] of rows) console.log(`| \`${code}\` | ${total} | ${projects.map((p) => row.get(p) ?? 0).join(' | ')} |`);
writeFileSync('target/lint-corpus.json', JSON.stringify(findings, null, 1));

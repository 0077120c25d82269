// `kmb migration schema` on real projects (target/imported, made by
// scripts/import-corpus.mjs): the schema after the last migration read from
// a scratch PGlite, written as SQL, and that SQL built again in a new
// project: are the catalogs the same? Prints a table.
//   node scripts/schema-corpus.mjs
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const CLI = join(root, 'packages', 'cli', 'cli.js');
const base = join(root, 'target', 'imported');
// Where each project's migrations stop applying on a plain database (docs/real-projects.md, issue 14).
const LAST_THAT_APPLIES = { lemmy: 248, harbor: 9, 'supabase-postgres': 0 };
const kmb = (args) => spawnSync(process.execPath, [CLI, 'migration', ...args], { encoding: 'utf8', maxBuffer: 1 << 28, env: { ...process.env, NO_COLOR: '1' } });

if (!existsSync(base)) {
  console.error('target/imported is missing: run node scripts/import-corpus.mjs first.');
  process.exit(1);
}
console.log('| project | migrations | tables | columns | indexes | constraints | SQL rebuilds the same catalogs | ms |\n| --- | --- | --- | --- | --- | --- | --- | --- |');
for (const name of readdirSync(base).sort()) {
  const dir = join(base, name);
  const count = LAST_THAT_APPLIES[name] ?? readdirSync(join(dir, 'migrations')).filter((f) => f.endsWith('.sql')).length;
  if (count === 0) {
    console.log(`| ${name} | 0 | (its first migration needs Supabase's roles) | | | | | |`);
    continue;
  }
  const started = performance.now();
  const last = kmb(['schema', '--at', String(count), '--json', '--project', dir]);
  const ms = Math.round(performance.now() - started);
  if (last.status !== 0) {
    console.log(`| ${name} | ${count} | failed: ${(last.stderr.split('\n')[0] || '').slice(0, 120)} | | | | | ${ms} |`);
    continue;
  }
  const schema = JSON.parse(last.stdout);
  const sql = kmb(['schema', '--at', String(count), '--format', 'sql', '--project', dir]).stdout;
  const other = mkdtempSync(join(tmpdir(), 'kmb-schema-corpus-'));
  mkdirSync(join(other, 'migrations'));
  writeFileSync(join(other, 'migrations', '0001_all.sql'), `-- Migration: all\n-- Up Migration\n${sql}\n`);
  const again = kmb(['schema', '--json', '--project', other]);
  let same;
  if (again.status !== 0) same = `no: ${(again.stderr.match(/error\[[^\]]+\]: [^\n]*/) ?? [again.stderr.split('\n')[0]])[0].slice(0, 160)}`;
  else {
    const diff = JSON.parse(kmb(['diff', '1', '1', '--json', '--project', other]).stdout);
    same = JSON.stringify(JSON.parse(again.stdout)) === JSON.stringify(schema) ? 'yes' : diff.same ? 'no (order)' : 'no';
  }
  const sum = (key) => schema.tables.reduce((n, t) => n + t[key].length, 0);
  console.log(`| ${name} | ${count} | ${schema.tables.length} | ${sum('columns')} | ${sum('indexes')} | ${sum('constraints')} | ${same} | ${ms} |`);
}

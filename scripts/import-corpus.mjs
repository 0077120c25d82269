#!/usr/bin/env node
// `kmb migration import` on real projects' migration folders: the five of
// scripts/corpus whose tool it reads (diesel, dbmate, flyway,
// golang-migrate), taken from the mirrors `fetch` brings (CORPUS_MIRRORS,
// default /work/.mirror). Each folder is extracted to target/import-src/,
// imported into target/imported/<name>, validated, and (with --apply)
// applied on a new embedded database. Prints a table; nothing is kept in git.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const MIRRORS = process.env.CORPUS_MIRRORS || '/work/.mirror';
const CLI = join(ROOT, 'packages', 'cli', 'cli.js');
const apply = process.argv.includes('--apply');

const PROJECTS = {
  lemmy: { repo: 'LemmyNet+lemmy', path: 'migrations', tool: 'diesel' },
  vaultwarden: { repo: 'dani-garcia+vaultwarden', path: 'migrations/postgresql', tool: 'diesel' },
  'supabase-postgres': { repo: 'supabase+postgres', path: 'migrations/db/migrations', tool: 'dbmate' },
  conductor: { repo: 'conductor-oss+conductor', path: 'postgres-persistence/src/main/resources/db/migration_postgres', tool: 'flyway' },
  harbor: { repo: 'goharbor+harbor', path: 'make/migrations/postgresql', tool: 'golang-migrate' },
};

/** The git directory of a mirror (a bare repository somewhere under it). */
function gitDir(repo) {
  const base = join(MIRRORS, repo);
  if (!existsSync(base)) return null;
  const find = (dir, depth) => {
    if (existsSync(join(dir, 'HEAD')) && existsSync(join(dir, 'objects'))) return dir;
    if (depth === 0) return null;
    for (const name of readdirSync(dir, { withFileTypes: true })) {
      if (!name.isDirectory()) continue;
      const found = find(join(dir, name.name), depth - 1);
      if (found) return found;
    }
    return null;
  };
  return find(base, 3);
}

const kmb = (args, cwd) => spawnSync(process.execPath, [CLI, 'migration', ...args], { cwd, encoding: 'utf8', maxBuffer: 1 << 28, timeout: 1_800_000 });

const rows = [];
for (const [name, { repo, path, tool }] of Object.entries(PROJECTS)) {
  const git = gitDir(repo);
  if (!git) {
    rows.push({ name, tool, note: `no mirror in ${MIRRORS}/${repo} (fetch github:${repo.replace('+', '/')})` });
    continue;
  }
  const source = join(ROOT, 'target', 'import-src', name);
  rmSync(source, { recursive: true, force: true });
  const listed = execFileSync('git', ['--git-dir', git, 'ls-tree', '-r', '--name-only', 'HEAD', `${path}/`], { encoding: 'utf8', maxBuffer: 1 << 28 }).split('\n').filter(Boolean);
  for (const file of listed) {
    const to = join(source, file.slice(path.length + 1));
    mkdirSync(dirname(to), { recursive: true });
    writeFileSync(to, execFileSync('git', ['--git-dir', git, 'show', `HEAD:${file}`], { maxBuffer: 1 << 28 }));
  }
  const project = join(ROOT, 'target', 'imported', name);
  rmSync(project, { recursive: true, force: true });
  const imported = kmb(['import', '--from', tool, source, '--project', project, '--json']);
  let result;
  try {
    result = JSON.parse(imported.stdout);
  } catch {
    rows.push({ name, tool, note: `import printed no JSON (exit ${imported.status}): ${imported.stderr.slice(0, 200)}` });
    continue;
  }
  if (!result.migrations) {
    rows.push({ name, tool, note: `import failed: ${result.error?.message}` });
    continue;
  }
  const errors = result.diagnostics.filter((d) => d.severity === 'error');
  const row = {
    name,
    tool,
    files: listed.length,
    migrations: result.migrations.length,
    notImported: result.problems.length,
    errors: errors.length,
    errorCodes: [...new Set(errors.map((d) => d.code))].join(' '),
    problems: result.problems.map((p) => `${p.path}: ${p.message}`),
  };
  const converted = join(ROOT, 'target', 'corpus', name, 'migrations');
  if (existsSync(converted)) row.corpus = readdirSync(converted).filter((f) => f.endsWith('.sql')).length;
  if (apply) {
    const started = performance.now();
    const run = kmb(['apply', '--json'], project);
    let applied = 0;
    let failure = '';
    try {
      const json = JSON.parse(run.stdout);
      applied = json.applied?.length ?? 0;
      failure = json.error ? `${json.error.code}: ${json.error.message.split('\n')[0].slice(0, 160)}` : json.ok === false ? `refused: ${(json.diagnostics ?? []).filter((d) => d.severity === 'error').map((d) => d.code).join(' ')}` : '';
    } catch {
      failure = `no JSON (exit ${run.status})`;
    }
    row.apply = `${applied}/${result.migrations.length} in ${((performance.now() - started) / 1000).toFixed(1)} s${failure ? `; ${failure}` : ''}`;
  }
  rows.push(row);
}

console.log('| project | tool | files | migrations | scripts/corpus | not imported | errors | apply (PGlite) |');
console.log('| --- | --- | --- | --- | --- | --- | --- | --- |');
for (const r of rows) {
  if (r.note) console.log(`| ${r.name} | ${r.tool} | ${r.note} | | | | | |`);
  else console.log(`| ${r.name} | ${r.tool} | ${r.files} | ${r.migrations} | ${r.corpus ?? '-'} | ${r.notImported} | ${r.errors}${r.errorCodes ? ` (${r.errorCodes})` : ''} | ${r.apply ?? '(--apply)'} |`);
}
for (const r of rows) for (const p of r.problems ?? []) console.log(`  ${r.name}: ${p}`);

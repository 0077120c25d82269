// Whether the VS Code extension would start its server on real projects:
// each public project's own tree as fetched (golang-migrate, diesel, sqlx,
// Flyway... folders: it must not), and the same migrations converted to
// Kimberlite's format (target/corpus, target/imported: it must). Runs the
// extension's own project detection (editors/vscode/src/projects.js) over
// the files on disk. Prints a table; exit 1 when a verdict is wrong.
//   node scripts/vscode-activation-corpus.mjs
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const { findProjects } = createRequire(import.meta.url)(join(root, 'editors', 'vscode', 'src', 'projects.js'));
const MIRRORS = '/work/.mirror';
const out = join(root, 'target', 'activation');

/** Every file under `dir` (relative, `/`), as vscode.workspace.findFiles lists them. */
function walk(dir, base = dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    if (entry.isDirectory()) return ['node_modules', '.git', 'target'].includes(entry.name) ? [] : walk(join(dir, entry.name), base);
    return [relative(base, join(dir, entry.name))];
  });
}

/** `findFiles` over a folder (or a list of its paths): the extension's globs as regular expressions. */
function findFilesIn(dir, files = walk(dir)) {
  const toRegex = (glob) => new RegExp(`^${glob.replace(/[.+^${}()|\\]/g, '\\$&').replace(/\*\*\//g, '\u0000').replace(/\*/g, '[^/]*').replace(/\u0000/g, '(?:.*/)?')}$`);
  return async (glob) => files.filter((path) => toRegex(glob).test(path)).map((path) => join(dir, path));
}

const rows = [];
async function check(label, dir, expected, files) {
  const roots = await findProjects(findFilesIn(dir, files));
  const verdict = roots.length > 0;
  rows.push({ label, expected, verdict, roots: roots.map((r) => relative(dir, r) || '.') });
}

// The projects' own trees, from the mirrors `fetch` made: activation looks
// at file names only, so their paths are enough (some large blobs of a
// mirror are absent).
if (existsSync(MIRRORS)) {
  for (const name of readdirSync(MIRRORS).filter((n) => existsSync(join(MIRRORS, n, 'repo')))) {
    const git = join(MIRRORS, name, 'repo');
    const paths = execFileSync('git', ['--git-dir', git, 'ls-tree', '-r', '--name-only', 'HEAD'], { encoding: 'utf8', maxBuffer: 1 << 28 })
      .split('\n').filter((path) => path && !path.split('/').some((part) => ['node_modules', 'target'].includes(part)));
    await check(`${name} (its own tree, ${paths.length} files)`, join(out, name), false, paths);
  }
}
// The same migrations in Kimberlite's format.
for (const folder of ['corpus', 'imported']) {
  const base = join(root, 'target', folder);
  if (!existsSync(base)) continue;
  for (const name of readdirSync(base)) await check(`${name} (target/${folder})`, join(base, name), true);
}

let wrong = 0;
console.log('| project | server started | expected | roots |\n| --- | --- | --- | --- |');
for (const row of rows) {
  if (row.verdict !== row.expected) wrong++;
  console.log(`| ${row.label} | ${row.verdict ? 'yes' : 'no'} | ${row.expected ? 'yes' : 'no'}${row.verdict === row.expected ? '' : ' — WRONG'} | ${row.roots.join(', ') || '–'} |`);
}
console.log(`\n${rows.length} trees, ${wrong} wrong`);
process.exitCode = wrong ? 1 : 0;

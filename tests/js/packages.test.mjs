// Each npm package installs from its packed tarball into an empty folder
// and works there: the core with no dependency at all, the language server
// without a database, the CLI with its databases.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));
const tarballs = join(root, 'target', 'tarballs');
const tarball = (name) => join(tarballs, readdirSync(tarballs).find((file) => new RegExp(`^${name}-\\d`).test(file)));
const EXAMPLE = join(root, 'examples', 'shop');

/** Installs `names`' tarballs into a new empty folder; returns it. */
function installAlone(label, names) {
  const dir = join(root, 'target', `consumer-${label}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: `alone-${label}`, private: true, type: 'module' }));
  execFileSync('npm', ['install', '--silent', '--no-audit', '--no-fund', '--prefer-offline', ...names.map(tarball)], { cwd: dir, stdio: 'pipe' });
  return dir;
}

/** Every package folder under node_modules (scoped ones by their scope). */
function installed(dir) {
  const modules = join(dir, 'node_modules');
  return readdirSync(modules)
    .filter((name) => !name.startsWith('.'))
    .flatMap((name) => (name.startsWith('@') ? readdirSync(join(modules, name)).map((inner) => `${name}/${inner}`) : [name]))
    .sort();
}

function sizeOf(path) {
  const stats = statSync(path);
  if (!stats.isDirectory()) return stats.size;
  return readdirSync(path).reduce((sum, name) => sum + sizeOf(join(path, name)), 0);
}

test('the core package: no dependencies, works alone in Node', () => {
  const manifest = JSON.parse(execFileSync('tar', ['-xOzf', tarball('kimberlite-migration'), 'package/package.json'], { encoding: 'utf8' }));
  assert.equal(manifest.dependencies, undefined);
  const dir = installAlone('core', ['kimberlite-migration']);
  assert.deepEqual(installed(dir), ['kimberlite-migration']);
  const run = spawnSync(process.execPath, ['--input-type=module', '-e', `
    import { analyze, checksum, projectLayout } from 'kimberlite-migration';
    const report = analyze({ files: [{ path: 'migrations/0001_a.sql', contents: '-- +migrate Up\\nCREATE TABLE a (id BIGINT PRIMARY KEY);\\n-- +migrate Down\\nDROP TABLE a;\\n' }] });
    console.log(JSON.stringify({ ok: report.ok, sum: checksum('SELECT 1;'), folder: projectLayout('.').migrationsDir }));
  `], { cwd: dir, encoding: 'utf8' });
  assert.equal(run.status, 0, run.stderr);
  const out = JSON.parse(run.stdout);
  assert.equal(out.sum.length, 64);
  assert.equal(out.folder, join(dir, 'migrations'));
  console.log(`# core installed alone: ${(sizeOf(join(dir, 'node_modules')) / 1024).toFixed(0)} KB`);
});

test('the core package: the lint module is read only when lint needs it, and a missing one is a finding, not a crash', () => {
  const dir = installAlone('core-nolint', ['kimberlite-migration']);
  const lintModule = join(dir, 'node_modules', 'kimberlite-migration', 'kimberlite_migration_lint_bg.wasm');
  const script = `
    import { analyze, lint } from 'kimberlite-migration';
    const file = { path: 'migrations/0001_a.sql', contents: 'CREATE INDEX i ON t (c);\\nDELETE FROM t;\\n-- Down Migration\\nDROP INDEX i;\\n' };
    const codes = (found) => found.map((d) => d.code);
    // Validate's view (parserRules: false) first: the lint module is not needed.
    const integrity = codes(analyze({ files: [file], options: { parserRules: false } }).diagnostics);
    const full = lint(file.path, file.contents);
    console.log(JSON.stringify({ integrity, lint: codes(full), skipped: full.filter((d) => d.code === 'lint-skipped').map((d) => d.message) }));
  `;
  const runIt = () => {
    const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: dir, encoding: 'utf8' });
    assert.equal(run.status, 0, run.stderr);
    assert.equal(run.stderr, '');
    return JSON.parse(run.stdout);
  };
  const whole = runIt();
  assert.deepEqual(whole.integrity, ['destructive-statement']);
  assert.deepEqual(whole.lint, ['require-concurrent-index-creation', 'destructive-statement', 'require-concurrent-index-deletion']);
  // Without the lint module (a broken install): the token rules still run,
  // and squawk's say, per section, that they did not and why.
  rmSync(lintModule);
  const without = runIt();
  assert.deepEqual(without.integrity, whole.integrity);
  assert.deepEqual(without.lint, ['lint-skipped', 'destructive-statement', 'lint-skipped']);
  assert.match(without.skipped[0], /squawk's rules did not check the Up section of migration 1 \(0001_a\.sql\): the lint module failed \(ENOENT[^)]*kimberlite_migration_lint_bg\.wasm/);
});

test('the language server package: the core and the LSP libraries, no database', () => {
  const dir = installAlone('lsp', ['kimberlite-migration', 'kimberlite-migration-lsp']);
  const packages = installed(dir);
  assert.ok(packages.includes('vscode-languageserver'));
  for (const heavy of ['@electric-sql/pglite', 'pg']) assert.ok(!packages.includes(heavy), `${heavy} is installed with the language server`);
  const run = spawnSync(join(dir, 'node_modules', '.bin', 'kmb-lsp'), ['--version'], { encoding: 'utf8' });
  assert.equal(run.status, 0, run.stderr);
  assert.match(run.stdout, /^kmb-lsp \d+\.\d+\.\d+/);
  console.log(`# language server installed alone: ${(sizeOf(join(dir, 'node_modules')) / 1024).toFixed(0)} KB`);
});

test('the CLI package: kmb applies a project on the embedded database', () => {
  const dir = installAlone('cli', ['kimberlite-migration', 'kimberlite-migration-cli']);
  const project = join(dir, 'shop');
  execFileSync('cp', ['-r', EXAMPLE, project]);
  const kmb = (...args) => spawnSync(join(dir, 'node_modules', '.bin', 'kmb'), ['migration', ...args, '--project', project], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  const apply = kmb('apply', '--json');
  assert.equal(apply.status, 0, apply.stderr);
  assert.equal(JSON.parse(apply.stdout).applied.length, readdirSync(join(project, 'migrations')).filter((f) => f.endsWith('.sql')).length);
  const api = spawnSync(process.execPath, ['--input-type=module', '-e', `
    import { openProject } from 'kimberlite-migration-cli';
    const { report } = await openProject(${JSON.stringify(project)}).status();
    console.log(report.migrations.filter((m) => m.status === 'applied').length);
  `], { cwd: dir, encoding: 'utf8' });
  assert.equal(api.status, 0, api.stderr);
  assert.ok(Number(api.stdout) > 0);
  assert.equal((readFileSync(join(project, '.kimberlite', 'migrations', 'applied.toml'), 'utf8').match(/^id = /gm) ?? []).length, 4);
});

test('the CLI package: lint over worker threads gives the report one thread gives', () => {
  const dir = installAlone('cli-threads', ['kimberlite-migration', 'kimberlite-migration-cli']);
  // Over 2 MB of SQL in 80 files, with findings of every kind: a change split
  // into parts (same slug), an index on an earlier table, an unparsable
  // statement, a silenced one, a gap-free sequence.
  const project = join(dir, 'big');
  mkdirSync(join(project, 'migrations'), { recursive: true });
  const padding = `-- ${'filler '.repeat(60)}\n`.repeat(75);
  for (let id = 1; id <= 80; id++) {
    const slug = id % 7 === 3 ? `part_${id - 1}` : `part_${id}`;
    const lines = [
      `-- Migration: step ${id}`,
      '-- Up Migration',
      padding,
      `CREATE TABLE t${id} (id BIGINT PRIMARY KEY, n INT);`,
      id > 1 ? `CREATE INDEX i${id} ON t${id - 1} (n);` : 'SELECT 1;',
      id % 5 === 0 ? 'ALTER TABLE t1 ADD COLUMN c INT NOT NULL;' : 'SELECT 2;',
      id % 9 === 0 ? 'CREATE TABLE broken (;' : 'SELECT 3;',
      id % 4 === 0 ? `-- kimberlite:ignore destructive-statement\nDELETE FROM t${id};` : `DELETE FROM t${id};`,
      '-- Down Migration',
      `DROP TABLE t${id};`,
      '',
    ];
    writeFileSync(join(project, 'migrations', `${String(id).padStart(4, '0')}_${slug}.sql`), lines.join('\n'));
  }
  const compare = spawnSync(process.execPath, ['--input-type=module', '-e', `
    import { openProject } from 'kimberlite-migration-cli';
    const project = openProject(${JSON.stringify(project)});
    const one = JSON.stringify(project.report());
    const counts = [];
    for (const threads of [1, 2, 3, 5]) {
      const report = await project.lintReport({ threads });
      if (JSON.stringify(report) !== one) throw new Error('threads ' + threads + ' differ');
      counts.push(report.diagnostics.length);
    }
    console.log(JSON.stringify(counts));
  `], { cwd: dir, encoding: 'utf8' });
  assert.equal(compare.status, 0, compare.stderr);
  const counts = JSON.parse(compare.stdout);
  assert.ok(counts[0] >= 100, String(counts));
  // The command: the same findings as the API's.
  const lint = spawnSync(join(dir, 'node_modules', '.bin', 'kmb'), ['migration', 'lint', '--format', 'json', '--project', project], { encoding: 'utf8' });
  assert.equal(JSON.parse(lint.stdout).length, counts[0], lint.stderr);
});

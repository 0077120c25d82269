// Environment faults on the real parts (issue 12). A full disk: a small tmpfs
// mounted by the test (root only, as CI runs), the project on it, the
// embedded database outside it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { closeSync, ftruncateSync, fstatSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { kmb, hasStackTrace } from './cli.mjs';
import { kmb as api } from './package.mjs';

const PAGE = 4096;

/** Mounts a tmpfs of `size` bytes; null where this user cannot. */
function mountTmpfs(size) {
  if (process.getuid?.() !== 0) return null;
  const dir = mkdtempSync(join(tmpdir(), 'kmb-full-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir], { stdio: 'pipe' });
  } catch {
    rmSync(dir, { recursive: true, force: true });
    return null;
  }
  return { dir, unmount: () => { execFileSync('umount', [dir]); rmSync(dir, { recursive: true, force: true }); } };
}

/** Fills the file system of `dir` until `leave` bytes (whole pages) are free. */
function fill(dir, leave) {
  const path = join(dir, 'filler');
  const fd = openSync(path, 'w');
  const chunk = Buffer.alloc(PAGE, 120);
  try {
    for (;;) writeSync(fd, chunk);
  } catch (error) {
    assert.equal(error.code, 'ENOSPC');
  }
  const size = fstatSync(fd).size;
  ftruncateSync(fd, Math.max(0, size - leave));
  closeSync(fd);
  return path;
}

/** A project of `count` small migrations. */
function project(dir, count) {
  mkdirSync(join(dir, 'migrations'), { recursive: true });
  for (let id = 1; id <= count; id++) {
    const name = `${String(id).padStart(4, '0')}_table_${id}.sql`;
    writeFileSync(join(dir, 'migrations', name),
      `-- Migration: Create table ${id} with a name long enough to fill the state files\n-- Up Migration\nCREATE TABLE t_${id} (id INT);\n\n-- Down Migration\nDROP TABLE t_${id};\n`);
  }
}

/** The lock and tracker as the core reads them, with the project's files. */
function state(dir) {
  const read = (name) => {
    try {
      return readFileSync(join(dir, '.kimberlite', 'migrations', name), 'utf8');
    } catch {
      return null;
    }
  };
  const files = readdirSync(join(dir, 'migrations')).map((name) => ({ path: `migrations/${name}`, contents: readFileSync(join(dir, 'migrations', name)) }));
  const lock = read('.lock');
  const tracker = read('applied.toml');
  const report = api.analyze({ files, lock, tracker, statements: false });
  const broken = report.diagnostics.filter((d) => ['invalid-lock', 'invalid-tracker'].includes(d.code));
  return { lock, tracker, broken, leftovers: readdirSync(join(dir, '.kimberlite', 'migrations')).filter((name) => name.startsWith('.') && name !== '.lock') };
}

const locked = (toml) => (toml?.match(/^\[\[migration\]\]$/gm) ?? []).length;
const applied = (toml) => (toml?.match(/^\[\[migrations\]\]$/gm) ?? []).length;

test('a full disk never truncates a state file: the command fails with disk-full, the old files stay, and the next run finishes', async (t) => {
  const mount = mountTmpfs(1024 * 1024);
  if (!mount) {
    t.skip('needs root to mount a tmpfs');
    return;
  }
  const database = mkdtempSync(join(tmpdir(), 'kmb-full-db-'));
  try {
    const dir = join(mount.dir, 'project');
    project(dir, 80);
    let run = kmb(['apply', '--to', '40', '--database', database], { cwd: dir });
    assert.equal(run.code, 0, run.stdout + run.stderr);
    const before = state(dir);
    assert.equal(locked(before.lock), 40);
    assert.equal(applied(before.tracker), 40);
    // The state files are over one page each: with one page free, a write of
    // either can only be short or fail.
    assert.ok(Buffer.byteLength(before.tracker) > PAGE && Buffer.byteLength(before.lock) > PAGE);

    const filler = fill(mount.dir, PAGE);
    run = kmb(['apply', '--database', database], { cwd: dir });
    assert.equal(run.code, 1, run.stdout + run.stderr);
    assert.match(run.stderr, /error\[disk-full\]: Could not write .*(applied\.toml|\.lock) .*the file is unchanged/);
    assert.match(run.stderr, /help: Free at least \d+ bytes/);
    assert.ok(!hasStackTrace(run.stdout + run.stderr), run.stderr);
    let now = state(dir);
    assert.deepEqual(now.broken, []);
    assert.deepEqual(now.leftovers, [], 'no temporary file or run lock left behind');
    assert.ok(locked(now.lock) >= 40 && applied(now.tracker) >= 40);
    assert.ok(now.lock.startsWith(before.lock.slice(0, before.lock.lastIndexOf('[[migration]]'))), 'locked entries kept');

    // Nothing free at all: the run lock itself cannot be written.
    const fd = openSync(filler, 'a');
    try {
      for (;;) writeSync(fd, Buffer.alloc(PAGE, 120));
    } catch (error) {
      assert.equal(error.code, 'ENOSPC');
    }
    closeSync(fd);
    run = kmb(['apply', '--database', database], { cwd: dir });
    assert.equal(run.code, 1, run.stdout + run.stderr);
    assert.match(run.stderr, /error\[(disk-full|state-write-failed)\]/);
    assert.doesNotMatch(run.stderr, /internal/);
    now = state(dir);
    assert.deepEqual(now.broken, []);
    assert.deepEqual(now.leftovers, []);

    // Space again: the next run finishes, and everything agrees.
    rmSync(filler);
    run = kmb(['apply', '--database', database], { cwd: dir });
    assert.equal(run.code, 0, run.stdout + run.stderr);
    now = state(dir);
    assert.equal(locked(now.lock), 80);
    assert.equal(applied(now.tracker), 80);
    run = kmb(['validate', '--database', database], { cwd: dir });
    assert.equal(run.code, 0, run.stdout + run.stderr);
  } finally {
    mount.unmount();
    rmSync(database, { recursive: true, force: true });
  }
});

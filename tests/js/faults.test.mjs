// Environment faults on the real parts (issue 12). A full disk: a small tmpfs
// mounted by the test (root only, as CI runs), the project on it, the
// embedded database outside it. Races: 8 processes at once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { closeSync, existsSync, ftruncateSync, fstatSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync, writeSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { kmb, watch, copyExample, hasStackTrace, KMB } from './cli.mjs';
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

/** Runs `kmb migration ...args` in `cwd` without waiting: resolves to { code, output }. */
const start = (args, cwd) => watch(args, { cwd }).done;

/** The pid of a process that has exited. */
function deadPid() {
  return spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout;
}

test('8 creates at once take 8 different ids', async () => {
  for (let round = 0; round < 4; round++) {
    const dir = copyExample();
    const runs = await Promise.all(Array.from({ length: 8 }, (_, i) => start(['create', `race ${round} ${i}`], dir)));
    for (const run of runs) assert.equal(run.code, 0, run.output);
    const ids = readdirSync(join(dir, 'migrations')).map((name) => Number(name.split('_')[0]));
    assert.deepEqual(ids.sort((a, b) => a - b), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    assert.deepEqual(readdirSync(join(dir, '.kimberlite', 'migrations')).filter((name) => name !== '.lock'), []);
    rmSync(dir, { recursive: true, force: true });
  }
});

test('8 applies at once over a stale run lock: one takes it over, the others wait their turn or are refused, none runs beside another', async () => {
  for (let round = 0; round < 3; round++) {
    const dir = copyExample();
    writeFileSync(join(dir, '.kimberlite', 'migrations', '.run.lock'), `${deadPid()} ${hostname()} 2026-01-01T00:00:00.000Z\n`);
    const runs = await Promise.all(Array.from({ length: 8 }, () => start(['apply'], dir)));
    for (const run of runs) {
      if (run.code !== 0) assert.match(run.output, /error\[run-locked\]/, run.output);
      assert.doesNotMatch(run.output, /internal|database-unavailable/, run.output);
    }
    // Each migration was applied by exactly one of them.
    const applying = runs.map((run) => (run.output.match(/Applying 0001 /g) ?? []).length);
    assert.equal(applying.reduce((a, b) => a + b, 0), 1, runs.map((r) => r.output).join('\n---\n'));
    const run = kmb(['validate'], { cwd: dir });
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.equal(applied(readFileSync(join(dir, '.kimberlite', 'migrations', 'applied.toml'), 'utf8')), 4);
    assert.ok(!existsSync(join(dir, '.kimberlite', 'migrations', '.run.lock')));
    rmSync(dir, { recursive: true, force: true });
  }
});

test('only regular files are read: a FIFO, a folder, a device and a link to nothing are findings, never a hang', () => {
  const dir = copyExample();
  const migrations = join(dir, 'migrations');
  execFileSync('mkfifo', [join(migrations, '0005_fifo.sql')]);
  mkdirSync(join(migrations, '0006_folder.sql'));
  symlinkSync('/dev/zero', join(migrations, '0007_zero.sql'));
  symlinkSync(join(dir, 'nowhere.sql'), join(migrations, '0008_dangling.sql'));
  for (const command of [['validate', '--json'], ['apply', '--json']]) {
    const run = kmb(command, { cwd: dir });
    assert.equal(run.code, 1, run.stdout + run.stderr);
    const report = JSON.parse(run.stdout);
    const found = report.diagnostics ?? report.report?.diagnostics ?? [];
    const of = (code) => found.filter((d) => d.code === code).map((d) => d.file).sort();
    if (command[0] === 'validate') {
      assert.deepEqual(of('not-a-file'), ['migrations/0005_fifo.sql', 'migrations/0006_folder.sql', 'migrations/0007_zero.sql']);
      assert.deepEqual(of('unreadable-file'), ['migrations/0008_dangling.sql']);
      assert.deepEqual(of('sequence-gap'), []);
      assert.match(found.find((d) => d.file.endsWith('fifo.sql')).message, /Migration 5 \(0005_fifo\.sql\) is not a regular file \(a FIFO\)/);
    }
    assert.ok(!hasStackTrace(run.stdout + run.stderr));
  }
  // Nothing was applied: the migration set is not known.
  const trackerPath = join(dir, '.kimberlite', 'migrations', 'applied.toml');
  assert.equal(existsSync(trackerPath) ? applied(readFileSync(trackerPath, 'utf8')) : 0, 0);
  const run = kmb(['lint', join(migrations, '0005_fifo.sql')], { cwd: dir });
  assert.equal(run.code, 2);
  assert.match(run.stderr, /not a regular file/);
  rmSync(dir, { recursive: true, force: true });
});

test('a migration edited during apply is not run with stale text, and one edited while it ran is not left silently unlocked', async () => {
  const dir = copyExample();
  const migrations = join(dir, 'migrations');
  writeFileSync(join(migrations, '0005_slow.sql'), '-- Migration: Slow\nSELECT pg_sleep(1.5);\n-- Down Migration\nSELECT 1;\n');
  writeFileSync(join(migrations, '0006_next.sql'), '-- Migration: Next\nCREATE TABLE next_one (id INT);\n-- Down Migration\nDROP TABLE next_one;\n');
  /** Runs `apply`, and calls `edit` once `marker` is printed (as a migration starts). */
  const applyWhile = async (edit, marker = 'Applying 0005') => {
    const run = watch(['apply'], { cwd: dir });
    await run.seen(marker);
    edit();
    return run.done;
  };
  // 0006 changes while 0005 runs: 0005 is applied and locked, 0006 is not run.
  let run = await applyWhile(() => writeFileSync(join(migrations, '0006_next.sql'), '-- Migration: Next\nCREATE TABLE next_two (id INT);\n-- Down Migration\nDROP TABLE next_two;\n'));
  assert.equal(run.code, 1, run.output);
  assert.match(run.output, /error\[migration-changed\]: Migration 6 \(migrations\/0006_next\.sql\) changed on disk after this run read it/);
  const lockText = () => readFileSync(join(dir, '.kimberlite', 'migrations', '.lock'), 'utf8');
  assert.match(lockText(), /^id = 5$/m);
  assert.doesNotMatch(lockText(), /^id = 6$/m);
  // Run again: the new text of 0006 is what runs and is recorded.
  run = kmb(['apply'], { cwd: dir });
  assert.equal(run.code, 0, run.stdout + run.stderr);
  assert.equal(kmb(['validate'], { cwd: dir }).code, 0);

  // The running migration's own file changes: it is applied (the database
  // has it), and the lock update is refused out loud, not skipped.
  writeFileSync(join(migrations, '0007_slow.sql'), '-- Migration: Slow again\nSELECT pg_sleep(1.5);\n-- Down Migration\nSELECT 1;\n');
  run = await applyWhile(() => writeFileSync(join(migrations, '0007_slow.sql'), '-- Migration: Slow again\nSELECT pg_sleep(2);\n-- Down Migration\nSELECT 1;\n'), 'Applying 0007');
  assert.equal(run.code, 1, run.output);
  assert.match(run.output, /error\[lock-not-updated\]/);
  assert.match(run.output, /migration 7 .*edited after it was applied|Migration 7 .*edited after it was applied/i);
  assert.ok(!hasStackTrace(run.output));
  rmSync(dir, { recursive: true, force: true });
});

test('a server that accepts and never answers: the connection gives up, with database-unavailable', async () => {
  const sockets = [];
  const server = createServer((socket) => sockets.push(socket)); // accepts, says nothing
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  const dir = copyExample();
  try {
    for (const [url, seconds] of [[`postgres://u:pw@127.0.0.1:${port}/db?connect_timeout=1`, 1], [`postgres://u:pw@127.0.0.1:${port}/db`, 10]]) {
      const run = await start(['apply', '--database', url], dir);
      assert.equal(run.code, 1, run.output);
      assert.match(run.output, new RegExp(`error\\[database-unavailable\\]: Could not connect to postgres://u:\\*\\*\\*@127\\.0\\.0\\.1:${port}/db.*no answer within ${seconds} s`));
      assert.match(run.output, /connect_timeout=<seconds>/);
    }
  } finally {
    for (const socket of sockets) socket.destroy();
    server.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a project that is a file, a folder that does not exist, a migrations "folder" that is a file: usage errors and findings, not internal errors', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kmb-odd-'));
  writeFileSync(join(dir, 'a-file'), 'x');
  let run = kmb(['status', '--project', join(dir, 'a-file')], { cwd: dir });
  assert.equal(run.code, 2);
  assert.match(run.stderr, /error\[usage\]: --project .*a-file is a file, not a project folder/);
  run = kmb(['validate', '--project', join(dir, 'missing')], { cwd: dir });
  assert.equal(run.code, 2);
  assert.match(run.stderr, /error\[usage\]: There is no folder .*missing/);
  mkdirSync(join(dir, 'odd'));
  writeFileSync(join(dir, 'odd', 'migrations'), 'not a folder');
  run = kmb(['validate', '--project', join(dir, 'odd')], { cwd: dir });
  assert.equal(run.code, 1);
  assert.match(run.stderr, /error\[unreadable-folder\]: The migrations folder .* cannot be read \(it is a file\)/);
  // `create` starts a project in a folder that does not exist yet.
  run = kmb(['create', 'first', '--project', join(dir, 'new')], { cwd: dir });
  assert.equal(run.code, 0, run.stderr);
  for (const output of [run.stdout, run.stderr]) assert.doesNotMatch(output, /internal/);
  rmSync(dir, { recursive: true, force: true });
});

test('a read-only project folder: status and validate still answer, from the files', (t) => {
  const mount = mountTmpfs(256 * 1024 * 1024);
  if (!mount) {
    t.skip('needs root to mount a tmpfs');
    return;
  }
  try {
    const dir = join(mount.dir, 'project');
    project(dir, 3);
    assert.equal(kmb(['apply'], { cwd: dir }).code, 0);
    execFileSync('mount', ['-o', 'remount,ro', mount.dir]);
    for (const command of ['status', 'validate']) {
      const run = kmb([command], { cwd: dir });
      assert.equal(run.code, 0, run.stdout + run.stderr);
      assert.match(run.stdout, /the state folder is read-only/);
    }
    for (const args of [['apply'], ['create', 'later']]) {
      const run = kmb(args, { cwd: dir });
      assert.equal(run.code, 1, run.stderr);
      assert.match(run.stderr, /error\[read-only-state\]: The state folder .* cannot be written \(EROFS\)/);
    }
    execFileSync('mount', ['-o', 'remount,rw', mount.dir]);
  } finally {
    mount.unmount();
  }
});

test('big valid files: lint reads a 100 MB file to its end, the tools that hand statements over say file-too-large, nothing throws or traps', () => {
  const dir = copyExample();
  const migrations = join(dir, 'migrations');
  // 100 MB of one-line seed statements, and a DELETE without WHERE at the end.
  const seed = join(migrations, '0005_seed.sql');
  const row = "INSERT INTO users (email) VALUES ('a@example.com');\n";
  writeFileSync(seed, row.repeat(Math.ceil(100e6 / row.length)) + 'DELETE FROM users;\n');
  const lint = kmb(['lint', '--json', seed], { cwd: dir });
  assert.ok(!hasStackTrace(lint.stdout + lint.stderr), lint.stderr);
  const found = JSON.parse(lint.stdout).map((d) => d.code);
  assert.ok(found.includes('destructive-statement'), found.join());
  assert.ok(!found.includes('file-too-large'), found.join());
  const dryRun = kmb(['apply', '--dry-run', '--json'], { cwd: dir });
  assert.equal(dryRun.code, 1, dryRun.stderr);
  assert.ok(!hasStackTrace(dryRun.stdout + dryRun.stderr), dryRun.stderr);
  assert.match(dryRun.stdout, /"file-too-large"/);
  rmSync(dir, { recursive: true, force: true });

  // More statements than one file hands over: a diagnostic, and the module still answers.
  const many = Buffer.from('SELECT 1;'.repeat(1_000_001));
  const parsed = api.parseMigration('migrations/0001_many.sql', many);
  assert.deepEqual(parsed.up, []);
  assert.deepEqual(parsed.diagnostics.map((d) => d.code).filter((c) => c === 'file-too-large'), ['file-too-large']);
  assert.equal(api.checksum('x'), api.checksum(Buffer.from('x')));
  assert.deepEqual(api.lint('migrations/0001_many.sql', many).map((d) => d.code), ['missing-down', 'lint-skipped']);
});

test('the embedded database on a full disk: refused before it is opened, disk-full when a migration fills it, and the next run finishes once there is room', (t) => {
  const small = mountTmpfs(40 * 1024 * 1024);
  if (!small) return t.skip('needs root to mount a tmpfs');
  try {
    project(small.dir, 2);
    const run = kmb(['apply'], { cwd: small.dir });
    assert.equal(run.code, 1, run.stdout + run.stderr);
    assert.match(run.stderr, /error\[disk-full\]: The disk that holds the embedded database \(.*dev-db\) has \d+ MiB free, less than the 64 MiB/);
    assert.ok(!hasStackTrace(run.stdout + run.stderr));
    assert.equal(state(small.dir).tracker, null);
  } finally {
    small.unmount();
  }

  const disk = mountTmpfs(110 * 1024 * 1024);
  if (!disk) return t.skip('needs root to mount a tmpfs');
  try {
    project(disk.dir, 2);
    const fill = join(disk.dir, 'migrations', '0003_fill.sql');
    writeFileSync(fill, '-- Migration: Fill\nCREATE TABLE fill AS SELECT g, repeat(md5(g::text), 20) AS pad FROM generate_series(1, 200000) g;\n-- Down Migration\nDROP TABLE fill;\n');
    let run = kmb(['apply'], { cwd: disk.dir });
    assert.equal(run.code, 1, run.stdout + run.stderr);
    assert.match(run.stderr, /error\[disk-full\]: The database ran out of disk space while migration 3 \(migrations\/0003_fill\.sql\) ran: .*No space left on device/);
    assert.match(run.stderr, /Nothing of this migration was applied/);
    assert.doesNotMatch(run.stderr, /Fix the SQL/);
    assert.equal(applied(state(disk.dir).tracker), 2);
    execFileSync('mount', ['-o', 'remount,size=400m', disk.dir]);
    run = kmb(['apply'], { cwd: disk.dir });
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.equal(applied(state(disk.dir).tracker), 3);
  } finally {
    disk.unmount();
  }
});

/** Runs `kmb migration ...args` as the unprivileged user `nobody`, for permission faults root does not meet. */
function kmbAsNobody(args, cwd) {
  const run = spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', 'env', 'HOME=/tmp', 'NO_COLOR=1', KMB, 'migration', ...args], { cwd, encoding: 'utf8', timeout: 120_000 });
  return { code: run.status, stdout: run.stdout, stderr: run.stderr };
}

test('permission denied (EACCES) on a migration file and on the migrations folder: findings that name them, as an unprivileged user', (t) => {
  if (process.getuid?.() !== 0 || spawnSync('setpriv', ['--version']).status !== 0) return t.skip('needs root and setpriv to run as nobody');
  const dir = copyExample();
  execFileSync('chmod', ['-R', 'a+rX', dir]);
  const file = join(dir, 'migrations', '0002_create_products.sql');
  execFileSync('chmod', ['000', file]);
  let run = kmbAsNobody(['validate', '--json'], dir);
  assert.equal(run.code, 1, run.stdout + run.stderr);
  const found = JSON.parse(run.stdout).diagnostics;
  assert.deepEqual(found.filter((d) => d.severity === 'error').map((d) => [d.code, d.file]), [['unreadable-file', 'migrations/0002_create_products.sql']]);
  assert.ok(found.some((d) => /Migration 2 \(0002_create_products\.sql\) could not be read \(permission denied\)/.test(d.message)));
  // The state folder is not nobody's to write: status answers from the files.
  run = kmbAsNobody(['status'], dir);
  assert.ok(!hasStackTrace(run.stdout + run.stderr), run.stderr);
  assert.match(run.stdout + run.stderr, /unreadable-file|could not be read/);
  assert.doesNotMatch(run.stdout + run.stderr, /internal/);

  execFileSync('chmod', ['644', file]);
  execFileSync('chmod', ['000', join(dir, 'migrations')]);
  run = kmbAsNobody(['validate', '--json'], dir);
  assert.equal(run.code, 1, run.stdout + run.stderr);
  const failure = JSON.parse(run.stdout);
  assert.equal(failure.ok, false);
  assert.equal(failure.error.code, 'unreadable-folder');
  assert.match(failure.error.message, /The migrations folder .*migrations cannot be read \(permission denied\)/);
  assert.ok(!hasStackTrace(run.stdout + run.stderr));
  execFileSync('chmod', ['755', join(dir, 'migrations')]);
  rmSync(dir, { recursive: true, force: true });
});

test('Ctrl-C during a long statement on the embedded database: the run stops with cancelled, and the next run goes on', { timeout: 120_000 }, async () => {
  const dir = copyExample();
  const slow = join(dir, 'migrations', '0005_slow.sql');
  // Days of work for PGlite: the run ends only if Ctrl-C ends the statement.
  writeFileSync(slow, '-- Migration: Slow\nCREATE TABLE slow_one (id INT);\nSELECT count(*) FROM generate_series(1, 1000000000000);\n-- Down Migration\nDROP TABLE slow_one;\n');
  const applying = watch(['apply'], { cwd: dir });
  await applying.seen('Applying 0005 Slow');
  await new Promise((resolve) => setTimeout(resolve, 1500));
  applying.child.kill('SIGINT');
  const { code, output } = await applying.done;
  assert.equal(code, 130, output);
  assert.match(output, /error\[cancelled\]/);
  assert.equal(applied(readFileSync(join(dir, '.kimberlite', 'migrations', 'applied.toml'), 'utf8')), 4);
  writeFileSync(slow, '-- Migration: Slow\nCREATE TABLE slow_one (id INT);\n-- Down Migration\nDROP TABLE slow_one;\n');
  const run = kmb(['apply'], { cwd: dir });
  assert.equal(run.code, 0, run.stdout + run.stderr);
  assert.match(run.stdout, /Applying 0005 Slow \.\.\. ok/);
  rmSync(dir, { recursive: true, force: true });
});

test('the embedded database does not move while its disk is full: it is ended with disk-full, not left spinning', { timeout: 180_000 }, async (t) => {
  const disk = mountTmpfs(110 * 1024 * 1024);
  if (!disk) return t.skip('needs root to mount a tmpfs');
  try {
    project(disk.dir, 2);
    // A statement that never ends and writes nothing, as PGlite spinning on a full disk did.
    writeFileSync(join(disk.dir, 'migrations', '0003_endless.sql'), '-- Migration: Endless\nDO $$ BEGIN LOOP PERFORM 1; END LOOP; END $$;\n-- Down Migration\nSELECT 1;\n');
    const applying = watch(['apply'], { cwd: disk.dir });
    await applying.seen('Applying 0003 Endless');
    const filler = fill(disk.dir, 0);
    const { code, output } = await applying.done;
    assert.equal(code, 1, output);
    assert.match(output, /error\[disk-full\]: The embedded database stopped moving: the disk that holds .*dev-db is full/);
    assert.ok(!hasStackTrace(output));
    rmSync(filler);
    writeFileSync(join(disk.dir, 'migrations', '0003_endless.sql'), '-- Migration: Endless\nSELECT 1;\n-- Down Migration\nSELECT 1;\n');
    const run = kmb(['apply'], { cwd: disk.dir });
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.equal(applied(state(disk.dir).tracker), 3);
  } finally {
    disk.unmount();
  }
});

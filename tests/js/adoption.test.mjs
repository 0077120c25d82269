// Issue 14: real projects' settings. Where the history lives whatever the
// search_path, reads that write nothing, on PGlite and on PostgreSQL.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, writeFileSync, rmSync, readdirSync, existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { kmb, readState, hasStackTrace } from './cli.mjs';
import { startPostgres } from './postgres.mjs';

let server;
before(async () => {
  server = await startPostgres();
});
after(() => server?.stop());

let databases = 0;
/** A fresh database on the server; its URL. */
async function freshDatabase() {
  const name = `adopt${++databases}`;
  await server.query(`CREATE DATABASE ${name}`);
  return { name, url: server.urlFor(name) };
}

/** A project folder with these migrations (`[file name, up, down]`). */
function project(migrations, toml = null) {
  const dir = mkdtempSync(join(tmpdir(), 'kmb-adopt-'));
  mkdirSync(join(dir, 'migrations'));
  for (const [name, up, down] of migrations) {
    writeFileSync(join(dir, 'migrations', name), `-- Migration: ${name.slice(5, -4)}\n-- Up Migration\n${up}\n-- Down Migration\n${down}\n`);
  }
  if (toml) writeFileSync(join(dir, 'kimberlite.toml'), toml);
  return dir;
}

/** `sql` on the embedded database of `dir`, or on the server's `database`. */
async function query(kind, dir, database, sql) {
  if (kind === 'postgres') return server.query(sql, database);
  const { PGlite } = await import('@electric-sql/pglite');
  const db = new PGlite(join(dir, '.kimberlite', 'dev-db'));
  try {
    return (await db.query(sql)).rows;
  } finally {
    await db.close();
  }
}

const TABLES = "SELECT table_schema || '.' || table_name AS name FROM information_schema.tables WHERE table_schema NOT IN ('pg_catalog', 'information_schema') ORDER BY 1";

for (const kind of ['pglite', 'postgres']) {
  test(`${kind}: a migration that empties search_path (as pg_dump output does) neither loses the history nor changes what the next migration runs under`, async () => {
    const dir = project([
      ['0001_dump.sql', "SELECT pg_catalog.set_config('search_path', '', false);\nCREATE TABLE public.accounts (id integer);", 'DROP TABLE public.accounts;'],
      ['0002_notes.sql', 'CREATE TABLE notes (id integer);', 'DROP TABLE notes;'],
    ]);
    const db = kind === 'postgres' ? await freshDatabase() : { name: null, url: null };
    const target = db.url ? ['--database', db.url] : [];
    const applied = kmb(['apply', ...target], { cwd: dir });
    assert.equal(applied.code, 0, applied.stdout + applied.stderr);
    assert.match(applied.stdout, /2 migrations applied/);
    const names = (await query(kind, dir, db.name, TABLES)).map((r) => r.name);
    assert.deepEqual(names, ['public.accounts', 'public.kimberlite_migrations', 'public.notes']);
    const status = kmb(['status', '--json', ...target], { cwd: dir });
    assert.deepEqual(JSON.parse(status.stdout).migrations.map((m) => m.status), ['applied', 'applied']);
    const back = kmb(['rollback', '--steps', '2', ...target], { cwd: dir });
    assert.equal(back.code, 0, back.stdout + back.stderr);
    assert.deepEqual((await query(kind, dir, db.name, TABLES)).map((r) => r.name), ['public.kimberlite_migrations']);
    rmSync(dir, { recursive: true, force: true });
  });

  test(`${kind}: status reads without writing: no history table is created, an absent one means nothing applied`, async () => {
    const dir = project([['0001_a.sql', 'CREATE TABLE a (id integer);', 'DROP TABLE a;']]);
    const db = kind === 'postgres' ? await freshDatabase() : { name: null, url: null };
    const target = db.url ? ['--database', db.url] : [];
    if (kind === 'pglite') {
      // The embedded database exists, with no history in it.
      mkdirSync(join(dir, '.kimberlite'));
      await query(kind, dir, null, 'SELECT 1');
    }
    const status = kmb(['status', '--json', ...target], { cwd: dir });
    assert.equal(status.code, 0, status.stdout + status.stderr);
    assert.deepEqual(JSON.parse(status.stdout).migrations.map((m) => m.status), ['pending']);
    assert.deepEqual(await query(kind, dir, db.name, TABLES), []);
    rmSync(dir, { recursive: true, force: true });
  });

  test(`${kind}: [migrations] history-table puts the history where the project says, schema created when needed`, async () => {
    const dir = project([['0001_a.sql', 'CREATE TABLE a (id integer);', 'DROP TABLE a;']], '[migrations]\nhistory-table = "ops.schema_history"\n');
    const db = kind === 'postgres' ? await freshDatabase() : { name: null, url: null };
    const target = db.url ? ['--database', db.url] : [];
    const applied = kmb(['apply', ...target], { cwd: dir });
    assert.equal(applied.code, 0, applied.stdout + applied.stderr);
    assert.deepEqual((await query(kind, dir, db.name, TABLES)).map((r) => r.name), ['ops.schema_history', 'public.a']);
    const rows = await query(kind, dir, db.name, 'SELECT id::int AS id FROM ops.schema_history');
    assert.deepEqual(rows.map((r) => r.id), [1]);
    const status = kmb(['status', '--json', ...target], { cwd: dir });
    assert.deepEqual(JSON.parse(status.stdout).migrations.map((m) => m.status), ['applied']);
    rmSync(dir, { recursive: true, force: true });
  });
}

test('postgres: a search_path in the URL does not move the history; a history an older kmb left in another schema is found and named, never applied twice', async () => {
  const dir = project([
    ['0001_a.sql', 'CREATE TABLE a (id integer);', 'DROP TABLE a;'],
    ['0002_b.sql', 'CREATE TABLE b (id integer);', 'DROP TABLE b;'],
  ]);
  const db = await freshDatabase();
  await server.query('CREATE SCHEMA other', db.name);
  const withPath = `${db.url}?options=${encodeURIComponent('-c search_path=other,public')}`;
  let run = kmb(['apply', '--to', '1', '--database', withPath], { cwd: dir });
  assert.equal(run.code, 0, run.stdout + run.stderr);
  // The migration's own table follows the connection's search_path; the history does not.
  assert.deepEqual((await server.query(TABLES, db.name)).map((r) => r.name), ['other.a', 'public.kimberlite_migrations']);
  run = kmb(['apply', '--database', db.url], { cwd: dir });
  assert.equal(run.code, 0, run.stdout + run.stderr);
  assert.match(run.stdout, /Applying 0002 b \.\.\. ok/);
  assert.doesNotMatch(run.stdout, /Applying 0001/);

  // As an earlier kmb left it: the history in `other`, none in public.
  await server.query('ALTER TABLE public.kimberlite_migrations SET SCHEMA other', db.name);
  for (const command of [['status'], ['apply']]) {
    run = kmb([...command, '--database', db.url], { cwd: dir });
    assert.equal(run.code, 1, run.stdout + run.stderr);
    assert.match(run.stderr, /error\[history-table-elsewhere\]: The history table public\.kimberlite_migrations does not exist, but other\.kimberlite_migrations does/);
    assert.match(run.stderr, /history-table = "other\.kimberlite_migrations"/);
    assert.ok(!hasStackTrace(run.stderr));
  }
  assert.deepEqual((await server.query(TABLES, db.name)).map((r) => r.name), ['other.a', 'other.kimberlite_migrations', 'public.b']);
  // Named in kimberlite.toml, it is used.
  writeFileSync(join(dir, 'kimberlite.toml'), '[migrations]\nhistory-table = "other.kimberlite_migrations"\n');
  run = kmb(['status', '--json', '--database', db.url], { cwd: dir });
  assert.equal(run.code, 0, run.stdout + run.stderr);
  assert.deepEqual(JSON.parse(run.stdout).migrations.map((m) => m.status), ['applied', 'applied']);
  rmSync(dir, { recursive: true, force: true });
});

test('postgres: a role that may only read runs status and validate --database, with the history there or not', async () => {
  const dir = project([['0001_a.sql', 'CREATE TABLE a (id integer);', 'DROP TABLE a;']]);
  const db = await freshDatabase();
  await server.query("DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'reader') THEN CREATE ROLE reader LOGIN; END IF; END $$");
  await server.query('REVOKE CREATE ON SCHEMA public FROM PUBLIC', db.name);
  const asReader = db.url.replace('//kmb@', '//reader@');
  // No history yet: nothing applied, and nothing created.
  let run = kmb(['status', '--json', '--database', asReader], { cwd: dir });
  assert.equal(run.code, 0, run.stdout + run.stderr);
  assert.deepEqual(JSON.parse(run.stdout).migrations.map((m) => m.status), ['pending']);
  assert.equal(kmb(['apply', '--database', db.url], { cwd: dir }).code, 0);
  await server.query('GRANT SELECT ON public.kimberlite_migrations TO reader', db.name);
  for (const command of [['status', '--json'], ['validate', '--json']]) {
    run = kmb([...command, '--database', asReader], { cwd: dir });
    assert.equal(run.code, 0, `${command[0]}: ${run.stdout}${run.stderr}`);
    assert.doesNotMatch(run.stdout + run.stderr, /internal|permission denied/);
  }
  assert.deepEqual(JSON.parse(kmb(['status', '--json', '--database', asReader], { cwd: dir }).stdout).migrations.map((m) => m.status), ['applied']);
  rmSync(dir, { recursive: true, force: true });
});

for (const kind of ['pglite', 'postgres']) {
  test(`${kind}: extensions the migrations create are there (PGlite loads its own on demand, in every later run too); one PGlite lacks is named as its limit`, async () => {
    const dir = project([
      ['0001_crypto.sql', 'CREATE EXTENSION IF NOT EXISTS pgcrypto;\nCREATE EXTENSION IF NOT EXISTS "uuid-ossp";\nCREATE TABLE tokens (id uuid PRIMARY KEY DEFAULT uuid_generate_v4(), hash bytea NOT NULL);', 'DROP TABLE tokens;'],
      ['0002_fill.sql', "INSERT INTO tokens (hash) VALUES (digest('secret', 'sha256'));\nCREATE EXTENSION IF NOT EXISTS citext;\nCREATE TABLE emails (address citext PRIMARY KEY);", 'DROP TABLE emails;\nDELETE FROM tokens;'],
    ]);
    const db = kind === 'postgres' ? await freshDatabase() : { name: null, url: null };
    const target = db.url ? ['--database', db.url] : [];
    let run = kmb(['apply', '--to', '1', ...target], { cwd: dir });
    assert.equal(run.code, 0, run.stdout + run.stderr);
    // A new process: the extension made by the first run is loaded again.
    run = kmb(['apply', ...target], { cwd: dir });
    assert.equal(run.code, 0, run.stdout + run.stderr);
    const rows = await query(kind, dir, db.name, "SELECT length(hash) AS n, id::text ~ '^[0-9a-f-]{36}$' AS uuid FROM tokens");
    assert.deepEqual(rows.map((r) => [r.n, r.uuid]), [[32, true]]);

    writeFileSync(join(dir, 'migrations', '0003_gis.sql'), '-- Migration: gis\n-- Up Migration\nCREATE EXTENSION IF NOT EXISTS postgis;\n-- Down Migration\nDROP EXTENSION postgis;\n');
    run = kmb(['apply', '--json', ...target], { cwd: dir });
    assert.equal(run.code, 1, run.stdout + run.stderr);
    const failed = JSON.parse(run.stdout);
    if (kind === 'pglite') {
      assert.equal(failed.error.code, 'extension-unavailable');
      assert.match(failed.error.message, /creates the extension postgis, which the embedded database \(PGlite\) does not ship; nothing of this migration was applied/);
      assert.match(failed.error.help, /--database postgres:\/\//);
    } else {
      // A server says what it lacks itself.
      assert.equal(failed.error.code, 'migration-failed');
      assert.match(failed.error.message, /postgis/);
    }
    assert.ok(!hasStackTrace(run.stdout + run.stderr));
    rmSync(dir, { recursive: true, force: true });
  });
}

for (const kind of ['pglite', 'postgres']) {
  test(`${kind}: a failed CREATE INDEX CONCURRENTLY leaves an INVALID index: named at the failure and by repair, and never recorded applied while it remains`, async () => {
    const dir = project([
      ['0001_t.sql', 'CREATE TABLE t (a integer);\nINSERT INTO t VALUES (1), (1);', 'DROP TABLE t;'],
    ]);
    writeFileSync(join(dir, 'migrations', '0002_unique.sql'), '-- Migration: unique\n-- kimberlite:no-transaction\n-- Up Migration\nCREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS t_a_key ON t (a);\n-- Down Migration\nDROP INDEX CONCURRENTLY t_a_key;\n');
    const db = kind === 'postgres' ? await freshDatabase() : { name: null, url: null };
    const target = db.url ? ['--database', db.url] : [];
    let run = kmb(['apply', ...target], { cwd: dir });
    assert.equal(run.code, 1, run.stdout + run.stderr);
    assert.match(run.stderr, /error\[migration-failed\]/);
    const invalid = await query(kind, dir, db.name, "SELECT c.relname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE NOT i.indisvalid");
    // Both PostgreSQL and PGlite leave the index behind, INVALID.
    assert.deepEqual(invalid.map((r) => r.relname), ['t_a_key']);
    assert.match(run.stderr, /left an INVALID index behind[\s\S]*DROP INDEX CONCURRENTLY IF EXISTS public\.t_a_key;/);
    run = kmb(['repair', '2', '--pending', ...target], { cwd: dir });
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.match(run.stdout, /INVALID index[\s\S]*DROP INDEX CONCURRENTLY IF EXISTS public\.t_a_key;/);
    await query(kind, dir, db.name, 'DELETE FROM t WHERE ctid = (SELECT max(ctid) FROM t)');
    run = kmb(['apply', '--json', ...target], { cwd: dir });
    // IF NOT EXISTS skipped the build: refused, with the way out.
    assert.equal(run.code, 1, run.stdout + run.stderr);
    const failed = JSON.parse(run.stdout);
    assert.equal(failed.error.code, 'invalid-index');
    assert.match(failed.error.message, /INVALID in the database: public\.t_a_key/);
    assert.match(failed.error.help, /DROP INDEX CONCURRENTLY IF EXISTS public\.t_a_key;[\s\S]*repair 2 --pending/);
    const history = await query(kind, dir, db.name, 'SELECT state FROM public.kimberlite_migrations WHERE id = 2');
    assert.deepEqual(history.map((r) => r.state), ['failed']);
    await query(kind, dir, db.name, 'DROP INDEX public.t_a_key');
    assert.equal(kmb(['repair', '2', '--pending', ...target], { cwd: dir }).code, 0);
    run = kmb(['apply', ...target], { cwd: dir });
    assert.equal(run.code, 0, run.stdout + run.stderr);
    const valid = await query(kind, dir, db.name, "SELECT i.indisvalid AS valid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE c.relname = 't_a_key'");
    assert.deepEqual(valid.map((r) => r.valid), [true]);
    assert.ok(!hasStackTrace(run.stdout + run.stderr));
    rmSync(dir, { recursive: true, force: true });
  });
}

/** Every file under the project's state folder, with its bytes. */
function stateFiles(dir) {
  const folder = join(dir, '.kimberlite', 'migrations');
  if (!existsSync(folder)) return {};
  return Object.fromEntries(readdirSync(folder).sort().map((name) => [name, readFileSync(join(folder, name), 'utf8')]));
}

test('validate and status write nothing; applied.toml mirrors the embedded database, and runs on a server leave it alone, with no drift flood when switching', async () => {
  const dir = project([
    ['0001_a.sql', 'CREATE TABLE a (id integer);', 'DROP TABLE a;'],
    ['0002_b.sql', 'CREATE TABLE b (id integer);', 'DROP TABLE b;'],
    ['0003_c.sql', 'CREATE TABLE c (id integer);', 'DROP TABLE c;'],
  ]);
  let run = kmb(['apply'], { cwd: dir });
  assert.equal(run.code, 0, run.stdout + run.stderr);
  const before = stateFiles(dir);
  assert.deepEqual(Object.keys(before), ['.lock', 'applied.toml']);
  // Reads of the embedded database: nothing written, nothing reported.
  for (const command of [['validate'], ['status'], ['validate', '--json'], ['status', '--json']]) {
    run = kmb(command, { cwd: dir });
    assert.equal(run.code, 0, `${command}: ${run.stdout}${run.stderr}`);
    assert.deepEqual(stateFiles(dir), before, `${command.join(' ')} wrote to the state folder`);
  }

  // A server: apply all, roll two back. applied.toml still mirrors the embedded database.
  const db = await freshDatabase();
  run = kmb(['apply', '--database', db.url], { cwd: dir });
  assert.equal(run.code, 0, run.stdout + run.stderr);
  run = kmb(['rollback', '--steps', '2', '--database', db.url], { cwd: dir });
  assert.equal(run.code, 0, run.stdout + run.stderr);
  assert.doesNotMatch(run.stdout + run.stderr, /tracker-drift/);
  assert.equal(stateFiles(dir)['applied.toml'], before['applied.toml']);
  run = kmb(['status', '--json', '--database', db.url], { cwd: dir });
  let report = JSON.parse(run.stdout);
  assert.deepEqual(report.migrations.map((m) => m.status), ['applied', 'pending', 'pending']);
  assert.deepEqual(report.diagnostics.filter((d) => d.code === 'tracker-drift'), []);
  // Back on the embedded database: no drift either.
  run = kmb(['status', '--json'], { cwd: dir });
  report = JSON.parse(run.stdout);
  assert.deepEqual(report.migrations.map((m) => m.status), ['applied', 'applied', 'applied']);
  assert.deepEqual(report.diagnostics.filter((d) => d.code === 'tracker-drift'), []);

  // applied.toml out of step with the embedded database: validate says so,
  // counts what it prints, and leaves the file as it is.
  const trackerPath = join(dir, '.kimberlite', 'migrations', 'applied.toml');
  const tracker = before['applied.toml'];
  const edited = tracker.slice(0, tracker.lastIndexOf('[[migrations]]')).trimEnd() + '\n';
  writeFileSync(trackerPath, edited);
  run = kmb(['validate'], { cwd: dir });
  assert.equal(run.code, 1, run.stdout + run.stderr);
  const printed = (run.stdout.match(/^(error|warning)\[/gm) ?? []).length;
  const [, errors, warnings] = /✘ (\d+) errors?, (\d+) warnings?/.exec(run.stdout);
  assert.equal(printed, Number(errors) + Number(warnings), run.stdout);
  assert.match(run.stdout, /error\[tracker-drift\]: The database has migration 3/);
  assert.equal(readFileSync(trackerPath, 'utf8'), edited);
  // The next run on the embedded database rewrites it (the database wins).
  run = kmb(['apply'], { cwd: dir });
  assert.equal(run.code, 0, run.stdout + run.stderr);
  assert.equal(readFileSync(trackerPath, 'utf8'), tracker);
  rmSync(dir, { recursive: true, force: true });
});

const IMPORTS = {
  'golang-migrate': { files: ['0001_create_users_table.sql', '0002_add_mood_to_users.sql', '0003_index_email.sql'], noTransaction: [], problems: 0 },
  dbmate: { files: ['0001_create_users.sql', '0002_index_users_email.sql'], noTransaction: ['0002_index_users_email.sql'], problems: 0 },
  sqlx: { files: ['0001_create_users.sql', '0002_seed_admin.sql', '0003_users_name_index.sql'], noTransaction: ['0003_users_name_index.sql'], problems: 0 },
  diesel: { files: ['0001_diesel_initial_setup.sql', '0002_create_users.sql', '0003_add_posts_index.sql'], noTransaction: ['0003_add_posts_index.sql'], problems: 0 },
  flyway: { files: ['0001_create_person.sql', '0002_insert_axel.sql', '0003_person_name_index.sql'], noTransaction: ['0003_person_name_index.sql'], problems: 1 },
};

for (const [tool, expected] of Object.entries(IMPORTS)) {
  test(`import --from ${tool}: its real layout becomes Kimberlite files, in order, that validate, apply and roll back`, () => {
    const source = join(import.meta.dirname, '..', 'fixtures', 'import', tool);
    const dir = join(mkdtempSync(join(tmpdir(), 'kmb-import-')), 'project');
    let run = kmb(['import', '--from', tool, source, '--project', dir, '--json']);
    assert.equal(run.code, 0, run.stdout + run.stderr);
    const result = JSON.parse(run.stdout);
    assert.deepEqual(result.migrations.map((m) => m.fileName), expected.files);
    assert.equal(result.problems.length, expected.problems, JSON.stringify(result.problems));
    assert.deepEqual(readdirSync(join(dir, 'migrations')), expected.files);
    for (const name of expected.files) {
      const text = readFileSync(join(dir, 'migrations', name), 'utf8');
      assert.match(text, /^-- Migration: .+\n-- Imported from /);
      assert.equal(/^-- kimberlite:no-transaction$/m.test(text), expected.noTransaction.includes(name), name);
    }
    if (tool === 'golang-migrate') {
      assert.match(readFileSync(join(dir, 'migrations', expected.files[0]), 'utf8'), /^-- Imported from golang-migrate: 000001_create_users_table\.up\.sql, 000001_create_users_table\.down\.sql$/m);
    }
    run = kmb(['validate'], { cwd: dir });
    assert.equal(run.code, 0, run.stdout + run.stderr);
    run = kmb(['apply'], { cwd: dir });
    assert.equal(run.code, 0, run.stdout + run.stderr);
    const reversible = expected.files.filter((name) => /-- Down Migration/.test(readFileSync(join(dir, 'migrations', name), 'utf8')));
    if (reversible.length === expected.files.length) {
      run = kmb(['rollback', '--to', '0'], { cwd: dir });
      assert.equal(run.code, 0, run.stdout + run.stderr);
    }
    // Into a folder that already has migrations: refused, nothing written.
    run = kmb(['import', '--from', tool, source, '--project', dir]);
    assert.equal(run.code, 1, run.stdout + run.stderr);
    assert.match(run.stderr, /already has \d+ migrations?; import writes into an empty one, nothing was written/);
    rmSync(join(dir, '..'), { recursive: true, force: true });
  });
}

for (const kind of ['pglite', 'postgres']) {
  test(`${kind}: baseline marks the migrations a database already has as applied, without running them; apply then runs the rest`, async () => {
    const dir = project([
      ['0001_a.sql', 'CREATE TABLE a (id integer);', 'DROP TABLE a;'],
      ['0002_b.sql', 'CREATE TABLE b (id integer);', 'DROP TABLE b;'],
      ['0003_c.sql', 'CREATE TABLE c (id integer);', 'DROP TABLE c;'],
    ]);
    const db = kind === 'postgres' ? await freshDatabase() : { name: null, url: null };
    const target = db.url ? ['--database', db.url] : [];
    if (kind === 'pglite') mkdirSync(join(dir, '.kimberlite'));
    // Built by another tool: a and b exist, no kmb history.
    await query(kind, dir, db.name, 'CREATE TABLE a (id integer)');
    await query(kind, dir, db.name, 'CREATE TABLE b (id integer)');
    let run = kmb(['baseline', '7', ...target], { cwd: dir });
    assert.equal(run.code, 1, run.stdout + run.stderr);
    assert.match(run.stderr, /error\[invalid-target\]: There is no migration 7/);
    run = kmb(['baseline', '2', ...target], { cwd: dir });
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.match(run.stdout, /Migrations 1 to 2 marked applied \(baseline\): nothing was run/);
    run = kmb(['status', '--json', ...target], { cwd: dir });
    assert.deepEqual(JSON.parse(run.stdout).migrations.map((m) => m.status), ['applied', 'applied', 'pending']);
    run = kmb(['apply', ...target], { cwd: dir });
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.match(run.stdout, /Applying 0003 c \.\.\. ok/);
    assert.doesNotMatch(run.stdout, /Applying 0001|Applying 0002/);
    // A second baseline on a database with a history is refused.
    run = kmb(['baseline', '1', ...target], { cwd: dir });
    assert.equal(run.code, 1, run.stdout + run.stderr);
    assert.match(run.stderr, /already has a history \(3 migrations recorded\)/);
    rmSync(dir, { recursive: true, force: true });
  });
}

test('--json on every command prints one JSON document on stdout, on success and on failure', () => {
  const dir = project([['0001_a.sql', 'CREATE TABLE a (id integer);', 'DROP TABLE a;']]);
  // After `create`, 0002 is the template: an empty migration, an error
  // every later command meets.
  const runs = [
    [['create', 'add b'], 0],
    [['status'], 1],
    [['validate'], 1],
    [['lint'], 1],
    [['lock'], 1],
    [['apply', '--to', '1'], 1],
    [['rollback'], 1],
    [['repair', '1', '--pending'], 1],
    [['baseline', '5'], 1],
    [['import', '--from', 'dbmate', join(dir, 'nowhere')], 2],
    [['apply', '--to', 'x'], 2],
  ];
  for (const [args, code] of runs) {
    const run = kmb([...args, '--json'], { cwd: dir });
    assert.equal(run.code, code, `${args.join(' ')}: ${run.stdout}${run.stderr}`);
    assert.doesNotThrow(() => JSON.parse(run.stdout), `${args.join(' ')} printed: ${run.stdout}`);
    // lint prints its findings (a list); the others an object that says ok.
    if (code !== 0 && args[0] !== 'lint') assert.equal(JSON.parse(run.stdout).ok, false, args.join(' '));
  }
  rmSync(dir, { recursive: true, force: true });
});

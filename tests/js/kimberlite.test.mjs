// Kimberlite as a target (issue 18), through the native helper
// kmb-kimberlite (scripts/build-kimberlite-helper, which scripts/test runs):
// - `kmb migration lint --target kimberlite`: every statement checked by
//   Kimberlite itself; the findings are compared with what Kimberlite does
//   when the same statements run on a real embedded database on disk (the
//   Ups in order, then the Downs as a rollback, last migration first);
// - apply and rollback on a Kimberlite server this file starts (the helper's
//   `--serve`: Kimberlite publishes no server binary) and on an embedded
//   folder; kill -9 during apply; a server that restarted.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { kmb, kmbAsync, readState } from './cli.mjs';
import { kmb as api } from './package.mjs';

const HELPER = process.env.KMB_KIMBERLITE_HELPER ?? fileURLToPath(new URL('../../target/kimberlite-helper/release/kmb-kimberlite', import.meta.url));
const CLINIC = fileURLToPath(new URL('../fixtures/kimberlite/clinic/', import.meta.url));
const SHOP = fileURLToPath(new URL('../../examples/shop/migrations/', import.meta.url));
const env = { KMB_KIMBERLITE_HELPER: HELPER };
// For the runs started with kmbAsync, which pass this process's environment.
process.env.KMB_KIMBERLITE_HELPER = HELPER;

test('the helper is built (scripts/build-kimberlite-helper)', () => {
  assert.ok(existsSync(HELPER), `${HELPER} is missing: run bash scripts/build-kimberlite-helper`);
});

/** The helper on `args`, as a plain client of its JSON lines. */
async function helper(args) {
  const child = spawn(HELPER, args, { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const read = async () => JSON.parse((await lines.next()).value);
  assert.equal((await read()).ready, true);
  let id = 0;
  return {
    async ask(op, sql) {
      child.stdin.write(`${JSON.stringify({ id: ++id, op, sql })}\n`);
      const answer = await read();
      assert.equal(answer.id, id);
      return answer;
    },
    async close() {
      child.stdin.end();
      await new Promise((resolve) => child.once('exit', resolve));
    },
  };
}

/** The clinic (Kimberlite's dialect) followed by the shop (PostgreSQL's), and a file of mixed refusals. */
function mixedProject() {
  const dir = mkdtempSync(join(tmpdir(), 'kmb-kimberlite-'));
  cpSync(CLINIC, dir, { recursive: true });
  const shop = readdirSync(SHOP).sort();
  shop.forEach((name, at) => cpSync(join(SHOP, name), join(dir, 'migrations', `${String(at + 4).padStart(4, '0')}${name.slice(4)}`)));
  writeFileSync(join(dir, 'migrations', '0008_mixed.sql'), [
    '-- Migration: Mixed',
    '-- Up Migration',
    '-- a table without a primary key: the parser reads it, the database refuses it',
    'CREATE TABLE audit_notes (id BIGINT, body TEXT);',
    'CREATE TABLE blobs (id BIGINT PRIMARY KEY, data BYTEA);',
    'CREATE TABLE counters (id SERIAL PRIMARY KEY);',
    'INSERT INTO counters (id) VALUES (1);',
    'ALTER TABLE patients RENAME COLUMN name TO full_name;',
    "INSERT INTO patients (id, name, ssn) VALUES (2, 'Grace Hopper', '987-65-4321');",
    "ALTER TABLE patients MODIFY COLUMN ssn SET CLASSIFICATION '';",
    '',
    '-- Down Migration',
    'DELETE FROM patients WHERE id = 2;',
    'DROP INDEX patients_name;',
    '',
  ].join('\n'));
  return dir;
}

test('lint --target kimberlite flags exactly the statements Kimberlite refuses when they run', async () => {
  const dir = mixedProject();
  const result = kmb(['lint', '--project', dir, '--format', 'json'], { env });
  assert.equal(result.code, 1, result.stderr);
  const found = JSON.parse(result.stdout).filter((d) => d.code === 'kimberlite-unsupported');
  const flagged = found.map((d) => `${d.file}:${d.range.start.line + 1}`).sort();

  // The same statements run on an embedded database in a folder.
  const files = readdirSync(join(dir, 'migrations')).sort().map((name) => api.parseMigration(`migrations/${name}`, readFileSync(join(dir, 'migrations', name))));
  const db = await helper(['--data', mkdtempSync(join(tmpdir(), 'kmb-kimberlite-data-'))]);
  const refused = [];
  const run = async (migration, statements) => {
    for (const statement of statements) {
      // What the CLI sends: the statement without the comments before it.
      const sql = statement.text.replace(/^(\s+|--[^\n]*\n?)+/, '');
      const answer = await db.ask('run', sql);
      if (!answer.ok) refused.push(`${migration.path}:${statement.range.start.line + 1}`);
    }
  };
  for (const migration of files) await run(migration, migration.up);
  for (const migration of [...files].reverse()) await run(migration, migration.down ?? []);
  await db.close();
  if (process.env.KMB_SHOW) console.log(flagged, refused);
  assert.deepEqual(flagged, refused.sort());

  // Each kind is among them, placed and worded.
  const at = (file, text) => found.find((d) => d.file === `migrations/${file}` && d.message.includes(text));
  assert.ok(at('0008_mixed.sql', 'refuses to run it: table \'audit_notes\' must have a PRIMARY KEY defined'), JSON.stringify(found, null, 1));
  assert.ok(at('0008_mixed.sql', "parser refuses this Up statement: unsupported data type: Bytea"));
  // The type Kimberlite calls `Custom`, named; and what its refusal leads to, traced back to it.
  assert.ok(at('0008_mixed.sql', 'unsupported data type: Custom (SERIAL)'));
  assert.ok(at('0008_mixed.sql', 'refuses to run it: table not found: counters (Kimberlite refused its CREATE TABLE, at migrations/0008_mixed.sql:6)'), JSON.stringify(found.map((d) => d.message), null, 1));
  assert.ok(at('0008_mixed.sql', 'parser refuses this Up statement: ALTER TABLE operation not supported: RenameColumn'));
  assert.ok(at('0008_mixed.sql', 'Kimberlite panicked: classification must not be empty'), 'a panic in Kimberlite is a finding, not a crash');
  assert.ok(at('0008_mixed.sql', 'parser refuses this Down statement: only DROP TABLE is supported'));
  const fn = at('0007_order_totals.sql', 'Expected: an object type after CREATE, found: FUNCTION');
  assert.ok(fn);
  assert.match(fn.message, /\(at migrations\/0007_order_totals\.sql:8:8\)/);
  assert.deepEqual(fn.related[0].range.start, { line: 7, character: 7 });
  // The clinic's own statements (masking policies, classification) pass,
  // and squawk's syntax-error on them is gone.
  assert.equal(found.filter((d) => /000[1-3]_/.test(d.file)).length, 0);
  assert.equal(JSON.parse(result.stdout).filter((d) => d.code === 'syntax-error' && /000[1-3]_/.test(d.file)).length, 0);
});

test('the clinic passes; --target postgresql leaves Kimberlite out; an ignore comment keeps a statement', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kmb-kimberlite-'));
  cpSync(CLINIC, dir, { recursive: true });
  const clean = kmb(['lint', '--project', dir], { env });
  assert.equal(clean.code, 0, clean.stdout + clean.stderr);
  assert.match(clean.stdout, /no errors/);
  // squawk alone cannot read the masking policy.
  const postgres = kmb(['lint', '--project', dir, '--target', 'postgresql', '--format', 'json'], { env });
  assert.ok(JSON.parse(postgres.stdout).some((d) => d.code === 'syntax-error'));

  writeFileSync(join(dir, 'migrations', '0004_function.sql'), '-- Up Migration\n-- kimberlite:ignore kimberlite-unsupported\nCREATE FUNCTION one() RETURNS int LANGUAGE sql AS $$ SELECT 1 $$;\nCREATE FUNCTION two() RETURNS int LANGUAGE sql AS $$ SELECT 2 $$;\n');
  const named = kmb(['lint', '--project', dir, '--format', 'json', join(dir, 'migrations', '0004_function.sql')], { env });
  const found = JSON.parse(named.stdout).filter((d) => d.code === 'kimberlite-unsupported');
  assert.deepEqual(found.map((d) => d.range.start.line), [3], 'only the statement without the ignore comment');
  assert.equal(named.code, 1);
});

test('without the helper: a clear error, not a crash; a wrong target is a usage or config error', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kmb-kimberlite-'));
  cpSync(CLINIC, dir, { recursive: true });
  const missing = kmb(['lint', '--project', dir], { env: { KMB_KIMBERLITE_HELPER: join(dir, 'no-such-helper') } });
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /kimberlite-helper-missing/);
  assert.match(missing.stderr, /scripts\/build-kimberlite-helper/);
  assert.doesNotMatch(missing.stderr, /at .*\.js:\d+/);

  const usage = kmb(['lint', '--project', dir, '--target', 'oracle'], { env });
  assert.equal(usage.code, 2);
  assert.match(usage.stderr, /--target takes postgresql or kimberlite/);

  writeFileSync(join(dir, 'kimberlite.toml'), '[migrations]\ntarget = "oracle"\n');
  const config = kmb(['lint', '--project', dir], { env });
  assert.equal(config.code, 1);
  assert.match(config.stdout + config.stderr, /`target` is not "postgresql" or "kimberlite"/);
});

/** A Kimberlite server on a free port, in its own data folder. */
async function startServer(data = mkdtempSync(join(tmpdir(), 'kmb-kimberlite-server-'))) {
  const child = spawn(HELPER, ['--serve', '127.0.0.1:0', '--data', data], { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const first = JSON.parse((await lines.next()).value);
  assert.ok(first.serving, JSON.stringify(first));
  return {
    data,
    address: first.serving,
    database: ['--database', `kimberlite://${first.serving}`],
    async ask(sql) {
      const db = await helper(['--server', first.serving]);
      try {
        return await db.ask('run', sql);
      } finally {
        await db.close();
      }
    },
    async stop() {
      child.kill('SIGKILL');
      if (child.exitCode === null) await new Promise((resolve) => child.once('exit', resolve));
    },
  };
}

const rowsOf = (answer) => {
  assert.ok(answer.ok, JSON.stringify(answer));
  return (answer.rows ?? []).map((row) => Object.fromEntries(answer.columns.map((column, at) => [column, row[at]])));
};
const ids = (toml) => [...(toml ?? '').matchAll(/^id = (\d+)$/gm)].map((m) => Number(m[1]));

test('apply and roll back the clinic (Kimberlite\'s dialect, a masking policy) on a Kimberlite server', async () => {
  const server = await startServer();
  try {
    const dir = mkdtempSync(join(tmpdir(), 'kmb-kimberlite-'));
    cpSync(CLINIC, dir, { recursive: true });
    const applied = kmb(['apply', '--project', dir, ...server.database], { env });
    assert.equal(applied.code, 0, applied.stdout + applied.stderr);
    assert.match(applied.stdout, /3 migrations applied/);
    const tables = rowsOf(await server.ask('SHOW TABLES')).map((row) => row.table_name);
    assert.ok(tables.includes('patients') && tables.includes('visits') && tables.includes('kimberlite_migrations'), tables.join());
    assert.deepEqual(rowsOf(await server.ask('SHOW CLASSIFICATIONS FOR patients')), [{ column: 'ssn', classification: 'PHI' }]);
    const history = rowsOf(await server.ask('SELECT id, state FROM kimberlite_migrations ORDER BY seq'));
    assert.deepEqual(history, [1, 2, 3].map((id) => ({ id, state: 'applied' })));
    // applied.toml mirrors the server: the project targets Kimberlite.
    assert.deepEqual(ids(readState(dir, 'applied.toml')), [1, 2, 3]);
    assert.deepEqual(ids(readState(dir, '.lock')), [1, 2, 3]);
    const status = kmb(['status', '--project', dir, ...server.database, '--json'], { env });
    assert.equal(status.code, 0, status.stderr);
    assert.deepEqual(JSON.parse(status.stdout).migrations.map((m) => m.status), ['applied', 'applied', 'applied']);

    const rolled = kmb(['rollback', '--project', dir, ...server.database, '--steps', '2'], { env });
    assert.equal(rolled.code, 0, rolled.stdout + rolled.stderr);
    const columns = rowsOf(await server.ask('SHOW COLUMNS FROM patients')).map((row) => row.column_name);
    assert.deepEqual(columns, ['id', 'name', 'ssn']);
    assert.ok(!rowsOf(await server.ask('SHOW TABLES')).some((row) => row.table_name === 'visits'));
    assert.deepEqual(ids(readState(dir, 'applied.toml')), [1]);
    // The policy was dropped with its Down: applying 0002 again creates it anew.
    const again = kmb(['apply', '--project', dir, ...server.database], { env });
    assert.equal(again.code, 0, again.stdout + again.stderr);
    assert.deepEqual(rowsOf(await server.ask('SELECT id, name FROM patients')), [{ id: 1, name: 'Ada Lovelace' }]);
  } finally {
    await server.stop();
  }
});

test('examples/shop on a new embedded folder stops at its first statement Kimberlite refuses, with Kimberlite\'s error at its line; the folder is not reopened', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kmb-kimberlite-'));
  cpSync(fileURLToPath(new URL('../../examples/shop/', import.meta.url)), dir, { recursive: true });
  const data = join(dir, 'kimberlite-data');
  const applied = kmb(['apply', '--project', dir, '--database', `kimberlite:${data}`], { env });
  assert.equal(applied.code, 1);
  assert.match(applied.stdout, /Applying 0001 Create customers \.\.\. ok/);
  assert.match(applied.stderr, /error\[migration-failed\]: Migration 2 \(migrations\/0002_create_products\.sql\) failed at migrations\/0002_create_products\.sql:14:1: sql parser error: Expected: an SQL statement, found: COMMENT/);
  assert.match(applied.stderr, /Kimberlite has no transactions/);
  assert.doesNotMatch(applied.stderr, /at .*\.js:\d+/);
  // A one-run folder: applied.toml mirrors no such database.
  assert.equal(readState(dir, 'applied.toml'), null);
  assert.deepEqual(ids(readState(dir, '.lock')), [1, 2, 3], 'the shop\'s own lock, as it was');
  const second = kmb(['apply', '--project', dir, '--database', `kimberlite:${data}`], { env });
  assert.equal(second.code, 1);
  assert.match(second.stderr, /error\[kimberlite-reopen-unsupported\]/);
  assert.match(second.stderr, /Nothing was run/);
});

test('a Kimberlite server that restarted (its catalog forgotten): refused, nothing run', async () => {
  const server = await startServer();
  const dir = mkdtempSync(join(tmpdir(), 'kmb-kimberlite-'));
  cpSync(CLINIC, dir, { recursive: true });
  try {
    assert.equal(kmb(['apply', '--project', dir, ...server.database], { env }).code, 0);
  } finally {
    await server.stop();
  }
  const restarted = await startServer(server.data);
  try {
    const refused = kmb(['apply', '--project', dir, ...restarted.database], { env });
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /error\[kimberlite-catalog-lost\]/);
    assert.match(refused.stderr, /records 3 migrations applied/);
    assert.deepEqual(ids(readState(dir, 'applied.toml')), [1, 2, 3], 'applied.toml is left as it was');
    assert.ok(!rowsOf(await restarted.ask('SHOW TABLES')).some((row) => row.table_name === 'patients'), 'nothing ran');
  } finally {
    await restarted.stop();
  }
});

const KILLS = Number(process.env.KMB_KIMBERLITE_CRASH_RUNS ?? 10);
const TABLES = 12;

test(`kill -9 during apply on a Kimberlite server, ${KILLS} times: its tables, history, tracker and lock always agree`, async () => {
  const outcomes = { beforeFirst: 0, midway: 0, afterLast: 0, cutShort: 0 };
  const all = Array.from({ length: TABLES }, (_, i) => i + 1);
  for (let run = 0; run < KILLS; run++) {
    const server = await startServer();
    try {
      const dir = mkdtempSync(join(tmpdir(), 'kmb-kimberlite-crash-'));
      mkdirSync(join(dir, 'migrations'));
      writeFileSync(join(dir, 'kimberlite.toml'), '[migrations]\ntarget = "kimberlite"\n');
      const values = Array.from({ length: 20 }, (_, i) => `(${i + 1})`).join(', ');
      for (const id of all) {
        writeFileSync(join(dir, 'migrations', `${String(id).padStart(4, '0')}_t${id}.sql`),
          `-- Migration: Table ${id}\n-- Up Migration\nCREATE TABLE t${id} (id BIGINT PRIMARY KEY);\n${Array.from({ length: 6 }, (_, n) => `INSERT INTO t${id} (id) VALUES ${values.replaceAll('(', `(${n}0`)};`).join('\n')}\n\n-- Down Migration\nDROP TABLE t${id};\n`);
      }
      // Kill after a random number of migrations finished, a few milliseconds into the next.
      const child = kmbAsync(['apply', '--project', dir, ...server.database]);
      const exited = new Promise((resolve) => child.on('exit', resolve));
      const finishedBeforeKill = Math.floor(Math.random() * TABLES);
      let output = '';
      await new Promise((resolve) => {
        child.stdout.on('data', (chunk) => {
          output += chunk;
          if ((output.match(/ \.\.\. ok/g) ?? []).length >= finishedBeforeKill && /Applying \d+ .*\.\.\. $/.test(output)) resolve();
        });
        exited.then(resolve);
      });
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 10));
      child.kill('SIGKILL');
      await exited;

      // Straight after the kill: every table belongs to a history row; an
      // applied one is whole; at most the last is `running`; the tracker
      // and the lock list applied migrations only.
      const present = rowsOf(await server.ask('SHOW TABLES')).map((row) => row.table_name);
      const history = present.includes('kimberlite_migrations') ? rowsOf(await server.ask('SELECT id, state FROM kimberlite_migrations ORDER BY seq')) : [];
      const tables = present.filter((name) => /^t\d+$/.test(name)).map((name) => Number(name.slice(1))).sort((a, b) => a - b);
      const applied = history.filter((row) => row.state === 'applied').map((row) => row.id);
      const running = history.filter((row) => row.state !== 'applied');
      assert.ok(running.length <= 1 && (running.length === 0 || running[0].id === history.at(-1).id), `run ${run}: ${JSON.stringify(history)}`);
      assert.deepEqual(tables.filter((id) => !history.some((row) => row.id === id)), [], `run ${run}: a table without a history row`);
      for (const id of applied) assert.equal(rowsOf(await server.ask(`SELECT id FROM t${id}`)).length, 120, `run ${run}: t${id} applied but not whole`);
      const tracker = ids(readState(dir, 'applied.toml'));
      const lock = ids(readState(dir, '.lock'));
      assert.ok(tracker.every((id) => applied.includes(id)), `run ${run}: the tracker lists an unapplied migration`);
      assert.ok(lock.every((id) => applied.includes(id)), `run ${run}: the lock lists an unapplied migration`);
      if (history.length === 0) outcomes.beforeFirst++;
      else if (applied.length === TABLES) outcomes.afterLast++;
      else outcomes.midway++;

      // A migration cut short blocks the next apply until it is settled:
      // here, as a user would, its table is dropped and it is made pending.
      if (running.length === 1) {
        outcomes.cutShort++;
        const blocked = kmb(['apply', '--project', dir, ...server.database], { env });
        assert.equal(blocked.code, 1);
        assert.match(blocked.stderr, /migration-unfinished/);
        if (tables.includes(running[0].id)) rowsOf(await server.ask(`DROP TABLE t${running[0].id}`));
        const repaired = kmb(['repair', String(running[0].id), '--pending', '--project', dir, ...server.database], { env });
        assert.equal(repaired.code, 0, repaired.stdout + repaired.stderr);
      }
      const rerun = kmb(['apply', '--project', dir, ...server.database], { env });
      assert.equal(rerun.code, 0, `run ${run}: ${rerun.stdout}${rerun.stderr}`);
      const done = rowsOf(await server.ask('SELECT id, state FROM kimberlite_migrations ORDER BY seq'));
      assert.deepEqual(done, all.map((id) => ({ id, state: 'applied' })));
      for (const id of all) assert.equal(rowsOf(await server.ask(`SELECT id FROM t${id}`)).length, 120);
      assert.deepEqual(ids(readState(dir, 'applied.toml')), all);
      assert.deepEqual(ids(readState(dir, '.lock')), all);
    } finally {
      await server.stop();
    }
  }
  console.log(`kimberlite: kill moments ${JSON.stringify(outcomes)}`);
  assert.ok(outcomes.midway >= KILLS / 4, JSON.stringify(outcomes));
});

/** kmb-lsp over stdio with `env`; `diagnostics(uri, until)` waits for a publish that `until` accepts. */
async function languageServer(env) {
  const rpc = (await import('vscode-jsonrpc/node')).default;
  const { consumerDir } = await import('./package.mjs');
  const child = spawn(join(consumerDir, 'node_modules', '.bin', 'kmb-lsp'), ['--stdio'], { stdio: ['pipe', 'pipe', 'inherit'], env: { ...process.env, ...env } });
  const connection = rpc.createMessageConnection(new rpc.StreamMessageReader(child.stdout), new rpc.StreamMessageWriter(child.stdin));
  const seen = [];
  const messages = [];
  connection.onNotification('textDocument/publishDiagnostics', (params) => seen.push(params));
  connection.onNotification('window/showMessage', (params) => messages.push(params));
  connection.listen();
  const waitFor = async (found, what) => {
    for (let waited = 0; waited < 20_000; waited += 50) {
      const hit = found();
      if (hit) return hit;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(`kmb-lsp: no ${what}`);
  };
  return {
    connection,
    diagnostics: (uri, until) => waitFor(() => seen.filter((p) => p.uri === uri).reverse().find(until), `diagnostics for ${uri}`),
    message: (until) => waitFor(() => messages.find(until), 'message'),
    async stop() {
      await connection.sendRequest('shutdown').catch(() => {});
      connection.sendNotification('exit');
      if (child.exitCode === null) await new Promise((resolve) => child.once('exit', resolve));
      connection.dispose();
    },
  };
}

test('kmb-lsp adds Kimberlite\'s verdicts once typing pauses, and without the helper says once what it misses', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kmb-kimberlite-lsp-'));
  cpSync(CLINIC, dir, { recursive: true });
  const path = join(dir, 'migrations', '0004_function.sql');
  const text = '-- Migration: Function\n-- Up Migration\nCREATE TABLE notes (id BIGINT PRIMARY KEY, body TEXT);\nCREATE FUNCTION one() RETURNS int LANGUAGE sql AS $$ SELECT 1 $$;\n';
  writeFileSync(path, text);
  const uri = pathToFileURL(path).href;
  for (const withHelper of [true, false]) {
    const server = await languageServer({ KMB_KIMBERLITE_HELPER: withHelper ? HELPER : join(dir, 'no-such-helper') });
    try {
      await server.connection.sendRequest('initialize', { processId: process.pid, rootUri: pathToFileURL(dir).href, capabilities: {} });
      server.connection.sendNotification('initialized', {});
      server.connection.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'sql', version: 1, text } });
      if (withHelper) {
        const published = await server.diagnostics(uri, (p) => p.diagnostics.some((d) => d.code === 'kimberlite-unsupported'));
        const found = published.diagnostics.filter((d) => d.code === 'kimberlite-unsupported');
        assert.deepEqual(found.map((d) => d.range.start.line), [3]);
        assert.match(found[0].message, /found: FUNCTION \(at migrations\/0004_function\.sql:4:8\)/);
        // A keystroke: the verdicts of the old text go, and come back for the new one.
        const edited = text.replace('CREATE FUNCTION one()', 'CREATE FUNCTION two()');
        server.connection.sendNotification('textDocument/didChange', { textDocument: { uri, version: 2 }, contentChanges: [{ text: edited }] });
        const again = await server.diagnostics(uri, (p) => p.version === 2 && p.diagnostics.some((d) => d.code === 'kimberlite-unsupported'));
        assert.equal(again.diagnostics.filter((d) => d.code === 'kimberlite-unsupported').length, 1);
      } else {
        const told = await server.message((m) => /needs the native helper kmb-kimberlite/.test(m.message));
        assert.equal(told.type, 3);
        const published = await server.diagnostics(uri, () => true);
        assert.ok(!published.diagnostics.some((d) => d.code === 'kimberlite-unsupported'));
      }
    } finally {
      await server.stop();
    }
  }
});

test('a rollback that fails half way on Kimberlite is recorded as failed and blocks the next run until repaired', async () => {
  const server = await startServer();
  try {
    const dir = mkdtempSync(join(tmpdir(), 'kmb-kimberlite-'));
    cpSync(CLINIC, dir, { recursive: true });
    // A Down whose first statement runs and whose second Kimberlite refuses when it runs.
    writeFileSync(join(dir, 'migrations', '0004_born_index.sql'), '-- Migration: Notes\n-- Up Migration\nALTER TABLE patients ADD COLUMN notes TEXT;\n\n-- Down Migration\nALTER TABLE patients DROP COLUMN notes;\nDROP TABLE no_such_table;\n');
    assert.equal(kmb(['apply', '--project', dir, ...server.database], { env }).code, 0);
    const rolled = kmb(['rollback', '--project', dir, ...server.database], { env });
    assert.equal(rolled.code, 1, rolled.stdout + rolled.stderr);
    assert.match(rolled.stderr, /Migration 4 .* failed at migrations\/0004_born_index\.sql:7:1: table not found: no_such_table/);
    assert.deepEqual(rowsOf(await server.ask('SELECT id, state FROM kimberlite_migrations WHERE id = 4')), [{ id: 4, state: 'failed' }]);
    assert.ok(!rowsOf(await server.ask('SHOW COLUMNS FROM patients')).some((row) => row.column_name === 'notes'), 'the first statement of the Down ran');
    const blocked = kmb(['apply', '--project', dir, ...server.database], { env });
    assert.equal(blocked.code, 1);
    assert.match(blocked.stderr, /migration-unfinished[^]*half rolled back/);
    // Its Down is as good as finished (the table it names never existed): settled as pending, then applied again.
    assert.equal(kmb(['repair', '4', '--pending', '--project', dir, ...server.database], { env }).code, 0);
    assert.equal(kmb(['apply', '--project', dir, ...server.database], { env }).code, 0);
    assert.ok(rowsOf(await server.ask('SHOW COLUMNS FROM patients')).some((row) => row.column_name === 'notes'));
    assert.deepEqual(ids(readState(dir, 'applied.toml')), [1, 2, 3, 4]);
  } finally {
    await server.stop();
  }
});

test('schema, diff and squash, which read PostgreSQL\'s catalogs, refuse Kimberlite plainly', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kmb-kimberlite-'));
  cpSync(CLINIC, dir, { recursive: true });
  for (const args of [['schema'], ['schema', '--database', 'kimberlite:memory'], ['diff', '1', '2'], ['squash', '--to', '2']]) {
    const refused = kmb([...args, '--project', dir], { env });
    assert.equal(refused.code, 1, `${args.join(' ')}: ${refused.stdout}${refused.stderr}`);
    assert.match(refused.stderr, /error\[kimberlite-not-supported\]/, args.join(' '));
    assert.match(refused.stderr, /nothing was run/);
  }
  // A PostgreSQL project asked about a Kimberlite database.
  const shop = mkdtempSync(join(tmpdir(), 'kmb-kimberlite-'));
  cpSync(fileURLToPath(new URL('../../examples/shop/', import.meta.url)), shop, { recursive: true });
  const live = kmb(['schema', '--project', shop, '--database', 'kimberlite://127.0.0.1:1'], { env });
  assert.equal(live.code, 1);
  assert.match(live.stderr, /reads PostgreSQL's catalogs, and does not read a Kimberlite database/);
  assert.deepEqual(readdirSync(join(dir, 'migrations')).sort(), ['0001_patients.sql', '0002_mask_ssn.sql', '0003_visits.sql']);
});

test('the embedded Kimberlite through the Node API: one folder held open applies and rolls back the clinic, masking policy and all', async () => {
  const { openProject, kimberliteDatabase } = await import(pathToFileURL(join((await import('./package.mjs')).consumerDir, 'node_modules', 'kimberlite-migration-cli', 'index.js')).href);
  const dir = mkdtempSync(join(tmpdir(), 'kmb-kimberlite-'));
  cpSync(CLINIC, dir, { recursive: true });
  const db = await kimberliteDatabase(`kimberlite:${join(dir, 'data')}`, { helper: HELPER });
  try {
    const project = openProject(dir);
    const applied = await project.apply({ database: db });
    assert.deepEqual(applied.applied.map((m) => m.id), [1, 2, 3]);
    assert.deepEqual((await db.query('SHOW CLASSIFICATIONS FOR patients')).rows, [{ column: 'ssn', classification: 'PHI' }]);
    assert.deepEqual((await db.query('SELECT id, state FROM kimberlite_migrations ORDER BY seq')).rows.map((r) => r.state), ['applied', 'applied', 'applied']);
    const rolled = await project.rollback({ database: db, steps: 2 });
    assert.deepEqual(rolled.rolledBack.map((m) => m.id), [3, 2]);
    assert.ok(!(await db.query('SHOW TABLES')).rows.some((r) => r.table_name === 'visits'));
    // And again: the masking policy was dropped, so it can be made anew.
    assert.deepEqual((await project.apply({ database: db })).applied.map((m) => m.id), [2, 3]);
    assert.deepEqual(ids(readState(dir, 'applied.toml')), [1, 2, 3]);
    assert.deepEqual((await project.rollback({ database: db, steps: 3 })).rolledBack.map((m) => m.id), [3, 2, 1]);
    assert.ok(!(await db.query('SHOW TABLES')).rows.some((r) => r.table_name === 'patients'));
    assert.deepEqual((await db.query('SELECT id FROM kimberlite_migrations')).rows, []);
    // Kimberlite 0.9.1 keeps a dropped table's indexes (and has no DROP
    // INDEX), so 0001 cannot run a second time in this database: its error,
    // at its statement, and 0001 is recorded as failed (docs/kimberlite.md).
    await assert.rejects(project.apply({ database: db }), (error) => {
      assert.equal(error.code, 'migration-failed');
      assert.match(error.message, /failed at migrations\/0001_patients\.sql:8:1: kernel error: index with id \d+ already exists/);
      return true;
    });
    assert.deepEqual((await db.query('SELECT id, state FROM kimberlite_migrations')).rows, [{ id: 1, state: 'failed' }]);
  } finally {
    await db.close();
  }
});

test('in a project that targets Kimberlite, every template is written in Kimberlite\'s SQL: it passes Kimberlite\'s check and applies', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kmb-kimberlite-'));
  mkdirSync(join(dir, 'migrations'));
  writeFileSync(join(dir, 'kimberlite.toml'), '[migrations]\ntarget = "kimberlite"\n');
  for (const template of ['table', 'index', 'column', 'data']) {
    const made = kmb(['create', 'users', '--template', template, '--project', dir], { env });
    assert.equal(made.code, 0, made.stderr);
  }
  const texts = readdirSync(join(dir, 'migrations')).sort().map((name) => readFileSync(join(dir, 'migrations', name), 'utf8'));
  assert.doesNotMatch(texts.join("\n"), /CONCURRENTLY|kimberlite:no-transaction|^DROP INDEX|trim\(/m);
  const lint = kmb(['lint', '--project', dir, '--format', 'json'], { env });
  const found = JSON.parse(lint.stdout);
  assert.deepEqual(found.filter((d) => d.severity === 'error' || d.severity === 'warning').map((d) => `${d.file} ${d.code}`), []);
  // The index migration has no Down (Kimberlite cannot drop an index): said once, as an info.
  assert.deepEqual(found.map((d) => `${d.file} ${d.code}`), ['migrations/0002_users.sql missing-down']);
  const applied = kmb(['apply', '--project', dir, '--database', `kimberlite:${join(dir, 'data')}`], { env });
  assert.equal(applied.code, 0, applied.stdout + applied.stderr);
  assert.match(applied.stdout, /4 migrations applied/);
});

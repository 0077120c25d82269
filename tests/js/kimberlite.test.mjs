// `kmb migration lint --target kimberlite` (issue 18): every statement
// checked by Kimberlite itself, through the native helper kmb-kimberlite
// (scripts/build-kimberlite-helper, which scripts/test runs). The findings
// are compared with what Kimberlite does when the same statements are run
// on a real embedded database on disk: the Ups in order, then the Downs as
// a rollback, last migration first.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { kmb } from './cli.mjs';
import { kmb as api } from './package.mjs';

const HELPER = process.env.KMB_KIMBERLITE_HELPER ?? fileURLToPath(new URL('../../target/kimberlite-helper/release/kmb-kimberlite', import.meta.url));
const CLINIC = fileURLToPath(new URL('../fixtures/kimberlite/clinic/', import.meta.url));
const SHOP = fileURLToPath(new URL('../../examples/shop/migrations/', import.meta.url));
const env = { KMB_KIMBERLITE_HELPER: HELPER };

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

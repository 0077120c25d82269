// The packed npm package in Node: checksums, ranges, reports, misuse.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { kmb } from './package.mjs';

// Kimberlite's README example (SPEC §4), shared with the Rust tests.
const README_EXAMPLE = readFileSync(new URL('../fixtures/readme_example.sql', import.meta.url), 'utf8');

// Rust's str::trim() strips Unicode White_Space, which differs from JS's
// trim() (JS strips U+FEFF and keeps U+0085).
const RUST_WHITESPACE = '[\\t\\n\\v\\f\\r \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]';
const rustTrim = (text) => text.replace(new RegExp(`^${RUST_WHITESPACE}+|${RUST_WHITESPACE}+$`, 'g'), '');

/** SPEC §4 written independently in JS, hashed by node:crypto: the oracle. */
function oracle(text) {
  if (text.startsWith('\uFEFF')) text = text.slice(1);
  // Rust's str::lines(): split at \n; a \r is removed only right before a \n.
  const parts = text.split('\n');
  const tail = parts.pop();
  const lines = parts.map((line) => (line.endsWith('\r') ? line.slice(0, -1) : line));
  if (tail !== '') lines.push(tail);
  const body = [];
  let header = true;
  for (const line of lines) {
    const trimmed = rustTrim(line);
    if (header && (trimmed === '' || trimmed.startsWith('--'))) continue;
    header = false;
    body.push(line);
  }
  return createHash('sha256').update(body.join('\n'), 'utf8').digest('hex');
}

test('checksums match the SPEC §4 vectors, as strings and as bytes', () => {
  const readme = '1093f84e7c417bd6aef0c5dae3f1bb7d41006d653ab07730766ba9914bf166a1';
  assert.equal(kmb.checksum(README_EXAMPLE), readme);
  assert.equal(kmb.checksum(README_EXAMPLE.replaceAll('\n', '\r\n')), readme);
  assert.equal(kmb.checksum(new TextEncoder().encode(README_EXAMPLE)), readme);
  assert.equal(
    kmb.checksum('-- Migration: x\nSELECT 1;\n'),
    '17db4fd369edb9244b9f91d9aeed145c3d04ad8ba6e95d06247f07a63527d11a',
  );
  assert.equal(
    kmb.checksum('-- only\n\n-- comments\n'),
    'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
  );
  assert.equal(kmb.checksum(new Uint8Array([0x53, 0xff])), null);
});

test('checksums agree with node:crypto over the body on awkward texts', () => {
  const pieces = ['-- c', '\n', '\r\n', '  ', 'SELECT 1;', "'😀'", '\uFEFF', '\t-- x', 'é', '\r', '', '\u0085', '\u3000'];
  let seed = 7;
  const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31);
  for (let round = 0; round < 500; round++) {
    let text = '';
    const count = next() % 12;
    for (let i = 0; i < count; i++) text += pieces[next() % pieces.length];
    assert.equal(kmb.checksum(text), oracle(text), JSON.stringify(text));
  }
  assert.equal(kmb.checksum(README_EXAMPLE), oracle(README_EXAMPLE));
});

test('ranges are UTF-16 with CRLF, a BOM, emoji and a lone surrogate', () => {
  const text = '\uFEFF-- Migration: 😀\r\n-- Up Migration\r\nSELECT \'😀\uD800\'; SELECT 2;\r\n-- Down Migration\r\nSELECT 3;\r\n';
  const migration = kmb.parseMigration('migrations/0001_x.sql', text);
  assert.equal(migration.name, '😀');
  const second = migration.up[1];
  assert.equal(second.text, 'SELECT 2;');
  const line = text.split(/\r\n/)[2];
  assert.deepEqual(second.range.start, { line: 2, character: line.indexOf('SELECT 2;') });
  assert.deepEqual(second.range.end, { line: 2, character: line.indexOf('SELECT 2;') + 9 });
  // Spans are bytes of the UTF-8 the caller gave (a lone surrogate became U+FFFD).
  const bytes = new TextEncoder().encode(text);
  assert.equal(new TextDecoder().decode(bytes.slice(second.span.start, second.span.end)), 'SELECT 2;');
  assert.deepEqual(migration.diagnostics.map((d) => d.code), ['bom']);
  const split = kmb.splitStatements("SELECT '😀'; SELECT 2");
  assert.deepEqual(split.map((s) => [s.range.start.character, s.terminated]), [[0, true], [13, false]]);
});

test('a project with a tampered locked file reports checksum-mismatch', () => {
  const original = '-- Migration: Add users\nCREATE TABLE users (id BIGINT);\n-- Down Migration\nDROP TABLE users;\n';
  const sum = kmb.checksum(original);
  const lock = `version = 1\n\n[[migration]]\nid = 1\nname = "Add users"\nchecksum = "${sum}"\n`;
  const clean = kmb.analyze({ files: [{ path: 'migrations/0001_add_users.sql', contents: original }], lock });
  assert.equal(clean.ok, true, JSON.stringify(clean.diagnostics));
  const tampered = original.replace('BIGINT', 'INT');
  const report = kmb.analyze({
    files: [{ path: 'migrations/0001_add_users.sql', contents: new TextEncoder().encode(tampered) }],
    lock,
  });
  assert.equal(report.ok, false);
  const found = report.diagnostics.find((d) => d.code === 'checksum-mismatch');
  assert.ok(found, JSON.stringify(report.diagnostics));
  assert.equal(found.severity, 'error');
  assert.equal(found.file, 'migrations/0001_add_users.sql');
  assert.match(found.message, /Migration 1 \(0001_add_users\.sql\)/);
  assert.match(found.message, new RegExp(sum.slice(0, 8)));
  assert.equal(typeof found.help, 'string');
  assert.equal(found.range.start.line, 1);
  assert.equal(report.migrations[0].status, 'modified');
  assert.equal(report.migrations[0].lockedChecksum, sum);
  // The lock refuses to change while a locked file is tampered with.
  const update = kmb.updateLock({ files: [{ path: 'migrations/0001_add_users.sql', contents: tampered }], lock });
  assert.equal(update.ok, false);
  assert.equal(update.text, null);
});

test("a report's statements read like plain data, and statements: false leaves them out", () => {
  const files = [
    { path: 'migrations/0001_users.sql', contents: 'CREATE TABLE users (id BIGINT);\ncreate index i on users (id);\n-- Down Migration\nDROP TABLE users;\n' },
    { path: 'migrations/0002_empty_down.sql', contents: 'SELECT 1;\n' },
  ];
  const lock = 'version = 1\n\n[[migration]]\nid = 3\nname = "Gone"\nchecksum = "' + '0'.repeat(64) + '"\n';
  const report = kmb.analyze({ files, lock });
  const [first, second, gone] = report.migrations;
  assert.deepEqual(Object.keys(first).slice(0, 3), ['id', 'name', 'status']);
  assert.ok(Object.keys(first).includes('up') && Object.keys(first).includes('down'));
  assert.deepEqual(first.up.map((s) => [s.text, s.keywords, s.terminated]), [
    ['CREATE TABLE users (id BIGINT);', ['CREATE', 'TABLE', 'USERS', 'ID'], true],
    ['create index i on users (id);', ['CREATE', 'INDEX', 'I', 'ON'], true],
  ]);
  assert.deepEqual(first.up[1].range, { start: { line: 1, character: 0 }, end: { line: 1, character: 29 } });
  assert.equal(first.up, first.up, 'the same array on every read');
  assert.deepEqual(first.down.map((s) => s.text), ['DROP TABLE users;']);
  assert.equal(second.down, null);
  assert.deepEqual(gone.up, []);
  assert.equal(gone.status, 'missing');
  // Copies, JSON and assignment see ordinary properties.
  const copy = JSON.parse(JSON.stringify(report));
  assert.deepEqual(copy.migrations[1].up.map((s) => s.text), ['SELECT 1;']);
  assert.deepEqual(structuredClone(report).migrations[0].down[0].keywords, ['DROP', 'TABLE', 'USERS']);
  assert.deepEqual({ ...second }.up[0].span, { start: 0, end: 9 });
  second.up = ['replaced'];
  assert.deepEqual(second.up, ['replaced']);
  // The statements are those of the contents as passed, even if the caller
  // reuses its buffer before reading them.
  const buffer = new TextEncoder().encode('SELECT 1;\nSELECT 2;\n');
  const reused = kmb.analyze({ files: [{ path: 'migrations/0001_a.sql', contents: buffer }] });
  buffer.fill(32);
  assert.deepEqual(reused.migrations[0].up.map((s) => s.text), ['SELECT 1;', 'SELECT 2;']);
  // Findings only: the same report, statement lists empty.
  const findings = kmb.analyze({ files, lock, statements: false });
  assert.deepEqual(findings.migrations[0].up, []);
  assert.deepEqual(findings.migrations[0].down, []);
  assert.deepEqual(findings.diagnostics, report.diagnostics);
});

test('the whole round: create, lock, plan, record, roll back', () => {
  const created = kmb.createMigration({ existing: [], name: 'Add users', created: '2026-11-24T09:30:00Z', author: 'alice' });
  assert.equal(created.ok, true);
  assert.equal(created.fileName, '0001_add_users.sql');
  const text = created.text.replace('-- TODO: Add your SQL here', 'CREATE TABLE users (id BIGINT);')
    .replace('-- TODO: Add rollback SQL here', 'DROP TABLE users;');
  const files = [{ path: `migrations/${created.fileName}`, contents: text }];
  const locked = kmb.updateLock({ files, lock: null });
  assert.equal(locked.ok, true, JSON.stringify(locked.diagnostics));
  assert.equal(locked.text, `version = 1\n\n[[migration]]\nid = 1\nname = "Add users"\nchecksum = "${kmb.checksum(text)}"\n`);
  const plan = kmb.planApply({ files, lock: locked.text });
  assert.deepEqual(plan.steps.map((s) => [s.id, s.transactional, s.statements.map((x) => x.text)]), [
    [1, true, ['CREATE TABLE users (id BIGINT);']],
  ]);
  const tracker = kmb.recordApplied({
    tracker: null,
    entry: { id: 1, name: 'Add users', checksum: plan.steps[0].checksum, appliedAt: '2026-11-24T09:18:51.631047791Z' },
  });
  assert.equal(tracker.ok, true);
  const status = kmb.analyze({ files, lock: locked.text, tracker: tracker.text });
  assert.equal(status.migrations[0].status, 'applied');
  assert.equal(status.migrations[0].appliedAt, '2026-11-24T09:18:51.631047791Z');
  const back = kmb.planRollback({ files, lock: locked.text, tracker: tracker.text, steps: 1 });
  assert.deepEqual(back.steps.map((s) => s.statements[0].text), ['DROP TABLE users;']);
  const removed = kmb.removeApplied({ tracker: tracker.text, id: 1 });
  assert.equal(removed.text, 'migrations = []\n');
  const bad = kmb.createMigration({ existing: [], name: '../etc', created: '2026-11-24T09:30:00Z' });
  assert.equal(bad.ok, false);
  assert.equal(bad.diagnostics[0].code, 'invalid-name');
});

test('misuse throws an Error with a code; bad files never throw', () => {
  for (const call of [
    () => kmb.analyze(),
    () => kmb.analyze({ files: 'nope' }),
    () => kmb.analyze({ files: [{ path: 1, contents: '' }] }),
    () => kmb.analyze({ files: [{ path: 'a.sql', contents: 42 }] }),
    () => kmb.analyze({ files: [], lock: 5 }),
    () => kmb.checksum(null),
    () => kmb.parseMigration('x.sql'),
    () => kmb.createMigration({ existing: [1], name: 'x', created: 'y' }),
    () => kmb.removeApplied({ tracker: null, id: -1 }),
  ]) {
    assert.throws(call, (error) => error instanceof Error && error.code === 'invalid-argument' && error.message.length > 0);
  }
  // The message says which field is wrong and what it should be.
  const files = [{ path: 'migrations/0001_a.sql', contents: 'SELECT 1;' }];
  assert.throws(() => kmb.analyze({ files, options: { lintOnly: true } }), { code: 'invalid-argument', message: 'invalid project input: `options.lintOnly`: expected a list or an object, found another kind of value' });
  assert.throws(() => kmb.analyze({ files, options: { rules: { 'missing-down': 7 } } }), { code: 'invalid-argument', message: /^invalid project input: `options\.rules\.missing-down`: invalid type: floating point `7(\.0)?`, expected a string$/ });
  assert.throws(() => kmb.addToLock({ lock: '', entries: [{ id: 'x' }] }), { code: 'invalid-argument', message: /^`entries` must be a list of \{ id, name, checksum \}: `\[0\]\.id`: invalid type: string "x"/ });
  const garbage = kmb.analyze({
    files: [{ path: 'migrations/0001_x.sql', contents: new Uint8Array([0xff, 0xfe, 0x00, 0x27]) }],
    lock: 'version = = 1',
    tracker: '[[migrations]',
  });
  assert.deepEqual(
    [...new Set(garbage.diagnostics.map((d) => d.code))].sort(),
    ['invalid-lock', 'invalid-tracker', 'invalid-utf8'],
  );
});

test('codes() lists every code once, and version() is the package version', async () => {
  const table = kmb.codes();
  assert.ok(table.length >= 40);
  assert.equal(new Set(table.map((c) => c.code)).size, table.length);
  assert.ok(table.find((c) => c.code === 'checksum-mismatch' && c.group === 'lock' && c.severity === 'error'));
  const { readFile } = await import('node:fs/promises');
  const { packageDir } = await import('./package.mjs');
  const manifest = JSON.parse(await readFile(`${packageDir}package.json`, 'utf8'));
  assert.equal(kmb.version(), manifest.version);
  await kmb.ready();
  // The .d.ts `Code` union is the same list, in the same order.
  const types = await readFile(`${packageDir}index.d.ts`, 'utf8');
  const union = types.match(/export type Code =([^;]*);/)[1];
  assert.deepEqual([...union.matchAll(/'([a-z0-9-]+)'/g)].map((m) => m[1]), table.map((c) => c.code));
  // Only lint rules and style findings may be silenced.
  assert.ok(table.filter((c) => c.silenceable).every((c) => c.group === 'lint' || c.group === 'file'));
  for (const group of ['folder', 'lock', 'tracker', 'call']) assert.ok(table.filter((c) => c.group === group).every((c) => !c.silenceable), group);
});

test('no input breaks the core for the rest of the process: 10,000 failing calls and a stack overflow, then checksum works', () => {
  const failing = [
    // The caller's getter throws while the core reads the input.
    () => kmb.analyze({ files: [], get lock() { throw new Error('getter'); } }),
    // A proxy that throws on every look.
    () => kmb.analyze({ files: [], options: new Proxy({}, { get() { throw new Error('proxy'); }, ownKeys() { throw new Error('proxy'); } }) }),
    // Bytes whose buffer was handed to someone else.
    () => {
      const bytes = new Uint8Array(16);
      structuredClone(bytes.buffer, { transfer: [bytes.buffer] });
      return kmb.checksum(bytes);
    },
    // A refusal of bad arguments, which leaves the instance as it was.
    () => kmb.analyze({ files: 'not a list' }),
  ];
  let failures = 0;
  for (let round = 0; round < 2500; round++) {
    for (const call of failing) {
      assert.throws(call);
      failures++;
    }
  }
  assert.equal(failures, 10_000);
  assert.equal(kmb.checksum('x'), createHash('sha256').update('x').digest('hex'));
  // A getter that calls the core again, forever: the stack overflows with
  // thousands of the core's frames on it.
  const evil = { files: [], get lock() { return kmb.analyze(evil).summary; } };
  assert.throws(() => kmb.analyze(evil), RangeError);
  assert.equal(kmb.checksum('x'), createHash('sha256').update('x').digest('hex'));
  assert.equal(kmb.analyze({ files: [{ path: 'm/0001_a.sql', contents: 'SELECT 1;' }] }).migrations.length, 1);
});

test('options.lintOnly: only those files are linted, and they are linted against the schema the earlier files built', () => {
  const files = [
    { path: 'migrations/0001_a.sql', contents: '-- Migration: A\nCREATE TABLE a (id int, name varchar(10));\nDELETE FROM b;\n-- Down Migration\nDROP TABLE a;\n' },
    { path: 'migrations/0002_b.sql', contents: '-- Migration: B\nALTER TABLE a ALTER COLUMN name TYPE text;\nALTER TABLE a ALTER COLUMN id TYPE bigint;\n-- Down Migration\nSELECT 1;\n' },
  ];
  const lintCodes = (report, file) => report.diagnostics.filter((d) => d.file === file && d.code !== 'unlocked').map((d) => d.code);
  const all = kmb.analyze({ files, statements: false });
  assert.deepEqual(lintCodes(all, 'migrations/0001_a.sql'), ['destructive-statement']);
  // varchar(10) to text: the catalog only; int to bigint: a rewrite.
  assert.deepEqual(lintCodes(all, 'migrations/0002_b.sql'), ['changing-column-type']);
  assert.match(all.diagnostics.find((d) => d.code === 'changing-column-type').message, /Migration 2/);
  const one = kmb.analyze({ files, statements: false, options: { lintOnly: ['migrations/0002_b.sql'] } });
  assert.deepEqual(lintCodes(one, 'migrations/0001_a.sql'), []);
  assert.deepEqual(lintCodes(one, 'migrations/0002_b.sql'), ['changing-column-type']);
  assert.throws(() => kmb.analyze({ files, options: { lintOnly: 'migrations/0002_b.sql' } }), /lintOnly|sequence|invalid/);
});


test('runStep: statements in order, in a transaction when the step is transactional, hooks where they belong', async () => {
  const calls = [];
  const db = {
    query: async (sql) => {
      calls.push(`db ${sql}`);
      if (sql === 'FAIL') throw new Error('syntax error');
    },
    transaction: async (fn) => {
      calls.push('begin');
      try {
        const result = await fn({ query: async (sql) => calls.push(`tx ${sql}`) });
        calls.push('commit');
        return result;
      } catch (error) {
        calls.push('rollback');
        throw error;
      }
    },
  };
  const statements = (...texts) => texts.map((text) => ({ text }));
  const result = await kmb.runStep(db, { transactional: true, statements: statements('A', 'B') }, {
    before: async () => calls.push('before'),
    after: async (handle) => {
      await handle.query('HISTORY');
      return 'done';
    },
  });
  assert.equal(result, 'done');
  assert.deepEqual(calls.splice(0), ['begin', 'tx A', 'tx B', 'tx HISTORY', 'commit']);
  await kmb.runStep(db, { transactional: false, statements: statements('C') }, { before: async (h) => h.query('RUNNING'), after: async (h) => h.query('APPLIED') });
  assert.deepEqual(calls.splice(0), ['db RUNNING', 'db C', 'db APPLIED']);
  const failing = statements('D', 'FAIL', 'E');
  await assert.rejects(kmb.runStep(db, { transactional: false, statements: failing }), (error) => error.statement === failing[1]);
  assert.deepEqual(calls.splice(0), ['db D', 'db FAIL']);
});

test('ignoreFixes: the core places ignore comments at the statement, in UTF-16 positions', () => {
  const text = '-- 😀 emoji\nSELECT 1; DELETE\n  FROM accounts;\n';
  // The finding is on the statement's second line; the statement shares its first line with another.
  const fixes = kmb.ignoreFixes(text, 'destructive-statement', { line: 2, character: 4 });
  assert.equal(fixes.statement.title, 'Ignore destructive-statement for this statement');
  const [edit] = fixes.statement.edits;
  assert.deepEqual(edit.range.start, { line: 1, character: 10 });
  assert.equal(edit.text, '\n-- kimberlite:ignore destructive-statement\n');
  assert.deepEqual(fixes.file.edits[0].range, { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } });
  assert.equal(fixes.file.edits[0].text, '-- kimberlite:ignore-file destructive-statement\n');
  assert.equal(kmb.ignoreFixes(text, 'checksum-mismatch', { line: 0, character: 0 }), null);
  assert.throws(() => kmb.ignoreFixes(text, 'no-such-code', { line: 0, character: 0 }), (error) => error.code === 'invalid-argument');
  assert.throws(() => kmb.ignoreFixes(text, 'destructive-statement', { line: -1, character: 0 }), (error) => error.code === 'invalid-argument');
});

test('layoutOfPaths: the project among the paths of an opened folder', () => {
  const opened = ['app/kimberlite.toml', 'app/db/0001_a.sql', 'app/db/0002_b.sql', 'app/migrations/0001_old.sql', 'app/.kimberlite/migrations/.lock', 'other/.lock'];
  assert.deepEqual(kmb.layoutOfPaths(opened, 'db'), { root: 'app', migrations: ['app/db/0001_a.sql', 'app/db/0002_b.sql'], lock: 'app/.kimberlite/migrations/.lock', tracker: null });
  assert.equal(kmb.projectFileIn(opened), 'app/kimberlite.toml');
  // No directory named: the shallowest folder called migrations.
  assert.deepEqual(kmb.layoutOfPaths(opened).migrations, ['app/migrations/0001_old.sql']);
  // Loose files; .sql files under .kimberlite/ are never migrations.
  assert.deepEqual(kmb.layoutOfPaths(['0001_a.sql', '0002_b.sql', '.kimberlite/x.sql']), { root: '', migrations: ['0001_a.sql', '0002_b.sql'], lock: null, tracker: null });
  assert.deepEqual(kmb.layoutOfPaths([]), { root: '', migrations: [], lock: null, tracker: null });
});

test('releaseMemory: after a large input the core gives its memory back, and answers as before', () => {
  const small = [{ path: 'migrations/0001_a.sql', contents: 'CREATE TABLE t (id BIGINT PRIMARY KEY);\n-- Down Migration\nDROP TABLE t;\n' }];
  const before = kmb.analyze({ files: small });
  const sum = kmb.checksum('SELECT 1;');
  // Nothing to give back yet: the memory is small.
  assert.equal(kmb.releaseMemory(), false);
  const big = Buffer.from("INSERT INTO t (id, name) VALUES (1, 'x');\n".repeat(700_000));
  assert.ok(kmb.lint('migrations/0002_big.sql', big).length >= 0);
  assert.equal(kmb.releaseMemory(16 * 1024 * 1024), true);
  // The fresh instance is small: nothing more to give back.
  assert.equal(kmb.releaseMemory(16 * 1024 * 1024), false);
  assert.deepEqual(kmb.analyze({ files: small }), before);
  assert.equal(kmb.checksum('SELECT 1;'), sum);
  // mostlyFree: nothing of a large input is kept after the call, so the
  // memory is mostly free and given back (kmb-lsp asks after each check of
  // a large document).
  assert.ok(kmb.lint('migrations/0002_big.sql', big).length >= 0);
  assert.equal(kmb.releaseMemory(16 * 1024 * 1024, { mostlyFree: true }), true);
  assert.equal(kmb.releaseMemory(16 * 1024 * 1024, { mostlyFree: true }), false);
  assert.deepEqual(kmb.analyze({ files: small }), before);
});

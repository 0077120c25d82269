// kmb-lsp over stdio with a real JSON-RPC client (vscode-jsonrpc): diagnostics
// on open and change with UTF-16 ranges, project findings, code actions, hover.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import rpc from 'vscode-jsonrpc/node';
import { consumerDir } from './package.mjs';
import { kmb as api } from './package.mjs';

const SERVER = join(consumerDir, 'node_modules', '.bin', 'kmb-lsp');

function start() {
  const child = spawn(SERVER, ['--stdio'], { stdio: ['pipe', 'pipe', 'inherit'] });
  const connection = rpc.createMessageConnection(new rpc.StreamMessageReader(child.stdout), new rpc.StreamMessageWriter(child.stdin));
  const waiting = [];
  const latest = new Map();
  connection.onNotification('textDocument/publishDiagnostics', (params) => {
    latest.set(params.uri, params);
    for (const waiter of waiting.splice(0)) waiter(params);
  });
  connection.listen();
  /**
   * Ends the session the way an editor does (shutdown, then exit), so no
   * message is still being written when the server's pipes close.
   */
  const stop = async () => {
    // A test may have ended the server already: then there is nothing to say.
    await Promise.race([Promise.resolve().then(() => connection.sendRequest('shutdown')).catch(() => {}), new Promise((resolve) => setTimeout(resolve, 5000))]);
    try {
      connection.sendNotification('exit');
    } catch {
      // Closed already.
    }
    await new Promise((resolve) => {
      if (child.exitCode !== null) resolve();
      else {
        child.once('exit', resolve);
        setTimeout(() => { child.kill(); resolve(); }, 5000);
      }
    });
    connection.dispose();
  };
  /**
   * The next publishDiagnostics for `uri` (of `version`, when given: the
   * other open files are checked again once typing pauses, so a publish
   * for an older version may come first).
   */
  const next = (uri, version) =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no diagnostics for ${uri}`)), 15000);
      const wait = (params) => {
        if (params.uri === uri && (version === undefined || params.version === version)) {
          clearTimeout(timer);
          resolve(params);
        } else waiting.push(wait);
      };
      waiting.push(wait);
    });
  return { child, connection, next, latest, stop };
}

/** Applies LSP text edits to a text (positions in UTF-16 units). */
function applyEdits(text, edits) {
  const lines = text.split('\n');
  const offset = ({ line, character }) => lines.slice(0, line).reduce((sum, l) => sum + l.length + 1, 0) + character;
  let result = text;
  for (const edit of [...edits].sort((a, b) => offset(b.range.start) - offset(a.range.start))) {
    result = result.slice(0, offset(edit.range.start)) + edit.newText + result.slice(offset(edit.range.end));
  }
  return result;
}

test('diagnostics, fixes and hovers over stdio', async () => {
  const root = mkdtempSync(join(tmpdir(), 'kmb-lsp-'));
  mkdirSync(join(root, 'migrations'));
  mkdirSync(join(root, '.kimberlite', 'migrations'), { recursive: true });
  const first = '-- Migration: Users\nCREATE TABLE users (id BIGINT);\n-- Down Migration\nDROP TABLE users;\n';
  writeFileSync(join(root, 'migrations', '0001_users.sql'), first);
  const { text: lock } = api.updateLock({ files: [{ path: 'migrations/0001_users.sql', contents: first }], lock: null });
  writeFileSync(join(root, '.kimberlite', 'migrations', '.lock'), lock);

  const { child, connection, next, stop } = start();
  try {
    const init = await connection.sendRequest('initialize', { processId: process.pid, rootUri: pathToFileURL(root).href, capabilities: {} });
    assert.equal(init.serverInfo.name, 'kmb-lsp');
    assert.ok(init.capabilities.codeActionProvider && init.capabilities.hoverProvider);
    connection.sendNotification('initialized', {});

    // Documents that are no .sql file on disk get nothing, whatever they say.
    for (const [other, languageId] of [[pathToFileURL(join(root, 'README.md')).href, 'markdown'], ['untitled:Untitled-1', 'sql']]) {
      const empty = next(other);
      connection.sendNotification('textDocument/didOpen', { textDocument: { uri: other, languageId, version: 1, text: 'DROP TABLE users;\nUPDATE accounts SET a = 1;\n' } });
      assert.deepEqual((await empty).diagnostics, [], other);
    }

    // An emoji before the offending statement: ranges must count UTF-16 units.
    const uri = pathToFileURL(join(root, 'migrations', '0002_index.sql')).href;
    const text = "-- Migration: Index\nSELECT '😀😀'; CREATE INDEX CONCURRENTLY users_id ON users (id);\n-- Down Migration\nDROP INDEX CONCURRENTLY users_id;\n";
    let published = next(uri);
    connection.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'sql', version: 1, text } });
    let { diagnostics } = await published;
    const concurrently = diagnostics.find((d) => d.code === 'non-transactional-statement');
    assert.ok(concurrently, JSON.stringify(diagnostics));
    const line = text.split('\n')[1];
    assert.deepEqual(concurrently.range.start, { line: 1, character: line.indexOf('CREATE') });
    assert.equal(line.indexOf('CREATE'), 15); // "SELECT '😀😀'; " is 15 UTF-16 units
    assert.equal(concurrently.severity, 1);
    assert.equal(concurrently.source, 'kmb');

    // Hover on it shows the code and its help.
    const hover = await connection.sendRequest('textDocument/hover', { textDocument: { uri }, position: { line: 1, character: 20 } });
    assert.match(hover.contents.value, /\*\*non-transactional-statement\*\*/);
    assert.match(hover.contents.value, /kimberlite:no-transaction/);

    // A code action adds the directive; applying it clears the finding.
    const actions = await connection.sendRequest('textDocument/codeAction', {
      textDocument: { uri },
      range: concurrently.range,
      context: { diagnostics: [concurrently] },
    });
    const directive = actions.find((a) => /no-transaction/.test(a.title));
    assert.ok(directive, JSON.stringify(actions.map((a) => a.title)));
    assert.ok(actions.some((a) => a.title === 'Ignore non-transactional-statement for this statement'));
    const fixed = applyEdits(text, directive.edit.changes[uri]);
    assert.ok(fixed.startsWith('-- kimberlite:no-transaction\n-- Migration: Index\n'));
    published = next(uri);
    connection.sendNotification('textDocument/didChange', { textDocument: { uri, version: 2 }, contentChanges: [{ text: fixed }] });
    ({ diagnostics } = await published);
    assert.ok(!diagnostics.some((d) => d.code === 'non-transactional-statement'), JSON.stringify(diagnostics));
    // Two statements without a transaction: the next finding, fixed by removing the SELECT.
    assert.ok(diagnostics.some((d) => d.code === 'no-transaction-multiple-statements'));
    published = next(uri);
    connection.sendNotification('textDocument/didChange', {
      textDocument: { uri, version: 3 },
      contentChanges: [{ range: { start: { line: 2, character: 0 }, end: { line: 2, character: 15 } }, text: '' }],
    });
    ({ diagnostics } = await published);
    assert.deepEqual(diagnostics, []);

    // Project findings for the file: an edit of the locked migration is caught.
    const lockedUri = pathToFileURL(join(root, 'migrations', '0001_users.sql')).href;
    published = next(lockedUri);
    connection.sendNotification('textDocument/didOpen', { textDocument: { uri: lockedUri, languageId: 'sql', version: 1, text: first.replace('BIGINT', 'INT') } });
    ({ diagnostics } = await published);
    assert.deepEqual(diagnostics.map((d) => d.code), ['checksum-mismatch']);
    assert.match(diagnostics[0].message, /edited after it was locked/);
    // No quick fix offers to ignore it, and an ignore comment added by hand does not silence it.
    const offered = await connection.sendRequest('textDocument/codeAction', {
      textDocument: { uri: lockedUri },
      range: diagnostics[0].range,
      context: { diagnostics },
    });
    assert.ok(!offered.some((a) => /ignore/i.test(a.title)), JSON.stringify(offered.map((a) => a.title)));
    published = next(lockedUri);
    connection.sendNotification('textDocument/didChange', {
      textDocument: { uri: lockedUri, version: 2 },
      contentChanges: [{ text: `-- kimberlite:ignore-file checksum-mismatch\n${first.replace('BIGINT', 'INT')}` }],
    });
    ({ diagnostics } = await published);
    assert.deepEqual(diagnostics.map((d) => d.code).sort(), ['checksum-mismatch', 'ignore-not-allowed']);

    // A gap in the ids, on the file after it.
    const gapUri = pathToFileURL(join(root, 'migrations', '0009_late.sql')).href;
    published = next(gapUri);
    connection.sendNotification('textDocument/didOpen', { textDocument: { uri: gapUri, languageId: 'sql', version: 1, text: 'SELECT 1;\n-- Down Migration\nSELECT 2;\n' } });
    ({ diagnostics } = await published);
    assert.ok(diagnostics.some((d) => d.code === 'sequence-gap' && /ids 3 to 8/.test(d.message)), JSON.stringify(diagnostics));

    await connection.sendRequest('shutdown');
    const exited = new Promise((resolve) => child.on('exit', resolve));
    await connection.sendNotification('exit');
    assert.equal(await exited, 0);
  } finally {
    await stop();
    rmSync(root, { recursive: true, force: true });
  }
});

test('a project laid out by kimberlite.toml: its migrations directory is the project, its rule levels apply', async () => {
  const root = mkdtempSync(join(tmpdir(), 'kmb-lsp-config-'));
  mkdirSync(join(root, 'db', 'migrations'), { recursive: true });
  writeFileSync(join(root, 'kimberlite.toml'), '[migrations]\ndirectory = "db/migrations"\n\n[migrations.lint.rules]\ndestructive-statement = "error"\nmissing-down = "off"\n');
  writeFileSync(join(root, 'db', 'migrations', '0001_a.sql'), '-- Migration: A\nCREATE TABLE a (id BIGINT);\n');
  const { child, connection, next, stop } = start();
  try {
    await connection.sendRequest('initialize', { processId: process.pid, rootUri: pathToFileURL(root).href, capabilities: {} });
    connection.sendNotification('initialized', {});
    // The second file of the project: no gap, and the file's own levels.
    const uri = pathToFileURL(join(root, 'db', 'migrations', '0002_wipe.sql')).href;
    const published = next(uri);
    connection.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'sql', version: 1, text: '-- Migration: Wipe\nDELETE FROM a;\n' } });
    const { diagnostics } = await published;
    assert.deepEqual(diagnostics.map((d) => [d.code, d.severity]), [['destructive-statement', 1]]);

    // squawk's fix, offered as the preferred quick fix, clears its finding.
    const indexUri = pathToFileURL(join(root, 'db', 'migrations', '0003_index.sql')).href;
    const text = '-- Migration: Index\n-- kimberlite:no-transaction\nCREATE INDEX a_id ON a (id);\n';
    let next3 = next(indexUri);
    connection.sendNotification('textDocument/didOpen', { textDocument: { uri: indexUri, languageId: 'sql', version: 1, text } });
    let found = (await next3).diagnostics;
    const index = found.find((d) => d.code === 'require-concurrent-index-creation');
    assert.ok(index, JSON.stringify(found));
    const actions = await connection.sendRequest('textDocument/codeAction', { textDocument: { uri: indexUri }, range: index.range, context: { diagnostics: [index] } });
    const fix = actions.find((a) => a.isPreferred);
    assert.ok(fix && /concurrently/i.test(fix.title), JSON.stringify(actions.map((a) => a.title)));
    const fixed = applyEdits(text, fix.edit.changes[indexUri]);
    assert.match(fixed, /CREATE INDEX concurrently a_id ON a \(id\);/i);
    next3 = next(indexUri);
    connection.sendNotification('textDocument/didChange', { textDocument: { uri: indexUri, version: 2 }, contentChanges: [{ text: fixed }] });
    found = (await next3).diagnostics;
    assert.ok(!found.some((d) => d.code === 'require-concurrent-index-creation'), JSON.stringify(found));

    // The schema the earlier files built: 0001 made `a.id` BIGINT, so
    // `TYPE bigint` changes nothing and `TYPE text` rewrites the table.
    const typeUri = pathToFileURL(join(root, 'db', 'migrations', '0004_type.sql')).href;
    let next4 = next(typeUri, 1);
    connection.sendNotification('textDocument/didOpen', { textDocument: { uri: typeUri, languageId: 'sql', version: 1, text: '-- Migration: Type\nALTER TABLE a ALTER COLUMN id TYPE bigint;\n' } });
    found = (await next4).diagnostics;
    assert.deepEqual(found, []);
    next4 = next(typeUri, 2);
    connection.sendNotification('textDocument/didChange', { textDocument: { uri: typeUri, version: 2 }, contentChanges: [{ text: '-- Migration: Type\nALTER TABLE a ALTER COLUMN id TYPE text;\n' }] });
    found = (await next4).diagnostics;
    assert.deepEqual(found.map((d) => d.code), ['changing-column-type']);

    // A large file: a keystroke runs the token rules at once, and the
    // parser's findings of the last full check move with the text until
    // typing pauses and they are checked again.
    const bigUri = pathToFileURL(join(root, 'db', 'migrations', '0005_big.sql')).href;
    const filler = 'SELECT 1;\n'.repeat(2000);
    const bigText = `-- Migration: Big\n${filler}CREATE INDEX a_big ON a (id);\n`;
    const indexLine = bigText.split('\n').length - 2;
    const opened = next(bigUri, 1);
    connection.sendNotification('textDocument/didOpen', { textDocument: { uri: bigUri, languageId: 'sql', version: 1, text: bigText } });
    found = (await opened).diagnostics;
    assert.deepEqual(found.map((d) => [d.code, d.range.start.line]), [['require-concurrent-index-creation', indexLine]]);
    const quick = next(bigUri, 2);
    connection.sendNotification('textDocument/didChange', {
      textDocument: { uri: bigUri, version: 2 },
      contentChanges: [{ range: { start: { line: 1, character: 0 }, end: { line: 1, character: 0 } }, text: '-- a note\n' }],
    });
    found = (await quick).diagnostics;
    assert.deepEqual(found.map((d) => [d.code, d.range.start.line]), [['require-concurrent-index-creation', indexLine + 1]]);
    const full = next(bigUri, 2);
    found = (await full).diagnostics;
    assert.deepEqual(found.map((d) => [d.code, d.range.start.line]), [['require-concurrent-index-creation', indexLine + 1]]);
    // An edit of the statement itself drops its old finding until the full check says again.
    const edited = next(bigUri, 3);
    connection.sendNotification('textDocument/didChange', {
      textDocument: { uri: bigUri, version: 3 },
      contentChanges: [{ range: { start: { line: indexLine + 1, character: 0 }, end: { line: indexLine + 1, character: 0 } }, text: '-- ' }],
    });
    found = (await edited).diagnostics;
    assert.deepEqual(found, []);
  } finally {
    await stop();
    rmSync(root, { recursive: true, force: true });
  }
});

test('kmb-lsp run by hand: --help and --version answer, and no transport is a usage error, never a stack trace', () => {
  const run = (args) => spawnSync(SERVER, args, { encoding: 'utf8', timeout: 30_000 });
  let result = run(['--help']);
  assert.equal(result.status, 0);
  assert.match(result.stdout, /^Usage: kmb-lsp --stdio/);
  result = run(['--version']);
  assert.equal(result.status, 0);
  assert.match(result.stdout, /^kmb-lsp \d+\.\d+\.\d+/);
  result = run([]);
  assert.equal(result.status, 2);
  assert.match(result.stderr, /error\[usage\]: kmb-lsp is started by an editor/);
  assert.doesNotMatch(result.stderr, /\n\s+at /);
});

test('files changed on disk reach the open files: the server asks to watch them, a deleted duplicate stops being reported, and a file a project file leaves out loses its project findings', async () => {
  const root = mkdtempSync(join(tmpdir(), 'kmb-lsp-watch-'));
  mkdirSync(join(root, 'migrations'));
  const text = (name) => `-- Migration: ${name}\nCREATE TABLE ${name} (id BIGINT);\n-- Down Migration\nDROP TABLE ${name};\n`;
  writeFileSync(join(root, 'migrations', '0001_users.sql'), text('users'));
  const twin = join(root, 'migrations', '0001_people.sql');
  writeFileSync(twin, text('people'));
  const { child, connection, next, stop } = start();
  const registered = new Promise((resolve) => connection.onRequest('client/registerCapability', (params) => {
    resolve(params);
    return null;
  }));
  try {
    await connection.sendRequest('initialize', { processId: process.pid, rootUri: pathToFileURL(root).href, capabilities: { workspace: { didChangeWatchedFiles: { dynamicRegistration: true } } } });
    connection.sendNotification('initialized', {});
    const { registrations } = await registered;
    const watch = registrations.find((r) => r.method === 'workspace/didChangeWatchedFiles');
    assert.ok(watch, JSON.stringify(registrations));
    assert.ok(watch.registerOptions.watchers.some((w) => w.globPattern === '**/*.sql'));

    const uri = pathToFileURL(join(root, 'migrations', '0001_users.sql')).href;
    let published = next(uri);
    connection.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'sql', version: 1, text: text('users') } });
    assert.ok((await published).diagnostics.some((d) => d.code === 'duplicate-id'));
    rmSync(twin);
    connection.sendNotification('workspace/didChangeWatchedFiles', { changes: [{ uri: pathToFileURL(twin).href, type: 3 }] });
    // The open file is checked again once the change settles (a publish of
    // the earlier check may still come first).
    let found = ['duplicate-id'];
    for (let attempt = 0; attempt < 5 && found.length > 0; attempt++) {
      published = next(uri);
      found = (await published).diagnostics.filter((d) => d.code === 'duplicate-id').map((d) => d.code);
    }
    assert.deepEqual(found, []);

    // A project file that moves the migrations elsewhere: the open file is
    // in no project now, and its project findings go at once.
    writeFileSync(twin, text('people'));
    connection.sendNotification('workspace/didChangeWatchedFiles', { changes: [{ uri: pathToFileURL(twin).href, type: 1 }] });
    found = [];
    for (let attempt = 0; attempt < 5 && found.length === 0; attempt++) {
      found = (await next(uri)).diagnostics.filter((d) => d.code === 'duplicate-id');
    }
    assert.equal(found.length, 1);
    writeFileSync(join(root, 'kimberlite.toml'), '[migrations]\ndirectory = "db/migrations"\n');
    published = next(uri);
    connection.sendNotification('workspace/didChangeWatchedFiles', { changes: [{ uri: pathToFileURL(join(root, 'kimberlite.toml')).href, type: 1 }] });
    assert.deepEqual((await published).diagnostics.filter((d) => d.code === 'duplicate-id'), []);
  } finally {
    await stop();
    rmSync(root, { recursive: true, force: true });
  }
});

test('"Ignore for this statement" silences the finding for a second statement on a line and inside a multi-line statement', async () => {
  const root = mkdtempSync(join(tmpdir(), 'kmb-lsp-ignore-'));
  mkdirSync(join(root, 'migrations'));
  const { child, connection, next, stop } = start();
  try {
    await connection.sendRequest('initialize', { processId: process.pid, rootUri: pathToFileURL(root).href, capabilities: {} });
    connection.sendNotification('initialized', {});
    const cases = [
      // A second statement on one line.
      ['0001_drop.sql', "-- Migration: Drop\n-- Up Migration\nSELECT '😀'; DROP TABLE sessions;\n-- Down Migration\nSELECT 1;\n", 'destructive-statement'],
      // A finding on the second line of a statement.
      ['0001_column.sql', '-- Migration: Column\n-- Up Migration\nALTER TABLE accounts\n  ADD COLUMN c integer NOT NULL;\n-- Down Migration\nSELECT 1;\n', 'adding-required-field'],
    ];
    for (const [name, text, code] of cases) {
      const uri = pathToFileURL(join(root, 'migrations', name)).href;
      let published = next(uri);
      connection.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'sql', version: 1, text } });
      const finding = (await published).diagnostics.find((d) => d.code === code);
      assert.ok(finding, name);
      const actions = await connection.sendRequest('textDocument/codeAction', { textDocument: { uri }, range: finding.range, context: { diagnostics: [finding] } });
      const ignore = actions.find((a) => a.title === `Ignore ${code} for this statement`);
      const fixed = applyEdits(text, ignore.edit.changes[uri]);
      published = next(uri, 2);
      connection.sendNotification('textDocument/didChange', { textDocument: { uri, version: 2 }, contentChanges: [{ text: fixed }] });
      const after = (await published).diagnostics;
      assert.deepEqual(after.filter((d) => d.code === code), [], `${name}:\n${fixed}`);
      assert.deepEqual(after.filter((d) => d.code === 'unused-ignore'), [], fixed);
      connection.sendNotification('textDocument/didClose', { textDocument: { uri } });
    }
  } finally {
    await stop();
    rmSync(root, { recursive: true, force: true });
  }
});

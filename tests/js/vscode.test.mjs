// The VS Code extension, as far as it can be tried without downloading VS
// Code: its activation logic with the `vscode` module and the language
// client stood in for (which projects start a server, what happens when the
// server is missing or fails), and the packaged .vsix (its contents, its
// size, and its bundled server answering over stdio on its own).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import Module from 'node:module';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import rpc from 'vscode-jsonrpc/node';

const root = fileURLToPath(new URL('../../', import.meta.url));
const extensionDir = join(root, 'editors', 'vscode');
const manifest = JSON.parse(readFileSync(join(extensionDir, 'package.json'), 'utf8'));
const VSIX = join(root, 'target', 'vscode', `${manifest.name}-${manifest.version}.vsix`);

/** Every file under `dir`, relative, with forward slashes. */
function walk(dir, base = dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? walk(join(dir, entry.name), base) : [relative(base, join(dir, entry.name)).split('\\').join('/')]);
}

/** `vscode.workspace.findFiles` over a folder on disk: the three globs the extension uses. */
function findFilesIn(dir) {
  const toRegex = (glob) => new RegExp(`^${glob
    .replace(/[.+^${}()|\\]/g, '\\$&')
    .replace(/\*\*\//g, '\u0000')
    .replace(/\*/g, '[^/]*')
    .replace(/\u0000/g, '(?:.*/)?')}$`);
  return async (glob) => {
    const pattern = toRegex(glob);
    return walk(dir).filter((path) => !path.split('/').includes('node_modules') && pattern.test(path)).map((path) => ({ fsPath: join(dir, path) }));
  };
}

/**
 * Loads src/extension.js afresh with stand-ins for `vscode` and the language
 * client; returns the module and what the stand-ins saw.
 */
function loadExtension({ workspace, settings = {}, startFails = null }) {
  const seen = { clients: [], errors: [], commands: new Map(), status: { shown: false, text: '', tooltip: '' }, output: [] };
  const vscode = {
    StatusBarAlignment: { Left: 1, Right: 2 },
    ThemeColor: class { constructor(id) { this.id = id; } },
    workspace: {
      findFiles: findFilesIn(workspace),
      getConfiguration: () => ({ get: (key) => settings[key] }),
      onDidChangeConfiguration: () => ({ dispose() {} }),
    },
    window: {
      createOutputChannel: () => ({ appendLine: (line) => seen.output.push(line), show() {}, dispose() {} }),
      createStatusBarItem: () => Object.assign(seen.status, {
        show() { seen.status.shown = true; },
        hide() { seen.status.shown = false; },
        dispose() {},
      }),
      showErrorMessage: (message) => {
        seen.errors.push(message);
        return Promise.resolve(undefined);
      },
      showInformationMessage: (message) => Promise.resolve(message),
    },
    commands: {
      registerCommand: (id, fn) => {
        seen.commands.set(id, fn);
        return { dispose() {} };
      },
    },
  };
  const client = {
    TransportKind: { stdio: 0 },
    State: { Stopped: 1, Starting: 3, Running: 2 },
    LanguageClient: class {
      constructor(id, name, server, options) {
        Object.assign(this, { id, name, server, options, started: false, stopped: false });
        seen.clients.push(this);
      }
      onDidChangeState() { return { dispose() {} }; }
      async start() {
        if (startFails) throw new Error(startFails);
        this.started = true;
        this.initializeResult = { serverInfo: { name: 'kmb-lsp', version: '9.9.9' } };
      }
      async stop() { this.stopped = true; }
    },
  };
  const require = createRequire(join(extensionDir, 'src', 'extension.js'));
  const load = Module._load;
  Module._load = function (request, ...rest) {
    if (request === 'vscode') return vscode;
    if (request === 'vscode-languageclient/node') return client;
    return load.call(this, request, ...rest);
  };
  try {
    for (const key of Object.keys(require.cache)) if (key.startsWith(join(extensionDir, 'src'))) delete require.cache[key];
    const extension = require('./extension.js');
    const context = {
      subscriptions: [],
      extension: { packageJSON: manifest },
      asAbsolutePath: (path) => join(settings.__extensionPath ?? extensionDir, path),
    };
    return { extension, context, seen };
  } finally {
    Module._load = load;
  }
}

/** A folder with `files` ({ path: text }). */
function workspaceWith(files) {
  const dir = mkdtempSync(join(tmpdir(), 'kmb-vscode-'));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(dir, path, '..'), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

/** A folder standing for the installed extension, with a server file. */
const installed = workspaceWith({ 'dist/server.mjs': '// stand-in' });

test('the extension starts its server only in Kimberlite projects, for their SQL files', async () => {
  const cases = [
    ['kimberlite.toml', { 'app/kimberlite.toml': '[migrations]\ndirectory = "db"\n', 'app/db/0001_a.sql': 'SELECT 1;' }, ['app']],
    ['.kimberlite state', { 'svc/.kimberlite/migrations/.lock': '', 'svc/migrations/0001_a.sql': 'SELECT 1;' }, ['svc']],
    ['Kimberlite file names', { 'migrations/0001_create_users.sql': 'SELECT 1;' }, ['']],
    ['golang-migrate', { 'db/migrations/000001_create_users.up.sql': 'SELECT 1;', 'db/migrations/000001_create_users.down.sql': '' }, []],
    ['Flyway', { 'src/main/resources/db/migration/V1__init.sql': 'SELECT 1;' }, []],
    ['dbmate', { 'db/migrations/20200101000000_init.sql': '-- migrate:up\n' }, []],
    ['sqlx', { 'migrations/20200101000000_init.sql': 'SELECT 1;' }, []],
    ['a dependency', { 'node_modules/x/migrations/0001_a.sql': 'SELECT 1;' }, []],
  ];
  for (const [label, files, roots] of cases) {
    const workspace = workspaceWith(files);
    const { extension, context, seen } = loadExtension({ workspace, settings: { __extensionPath: installed } });
    await extension.activate(context);
    if (roots.length === 0) {
      assert.equal(seen.clients.length, 0, `${label}: no server`);
      assert.equal(seen.status.shown, false, label);
      assert.match(seen.output.join('\n'), /No Kimberlite project/, label);
      continue;
    }
    assert.equal(seen.clients.length, 1, label);
    const [client] = seen.clients;
    assert.ok(client.started, label);
    assert.equal(client.server.run.module, join(installed, 'dist', 'server.mjs'), label);
    assert.deepEqual(client.options.documentSelector, roots.map((r) => ({ scheme: 'file', language: 'sql', pattern: `${join(workspace, r)}/**/*.sql`.replace('//**', '/**') })), label);
    assert.equal(seen.status.shown, true, label);
    assert.match(seen.status.text, /\$\(check\) Kimberlite/, label);
    assert.deepEqual(seen.errors, [], label);
    await extension.deactivate();
    assert.ok(client.stopped, label);
  }
});

test('the commands it registers are the ones its manifest contributes, and they work', async () => {
  const workspace = workspaceWith({ 'kimberlite.toml': '' });
  const { extension, context, seen } = loadExtension({ workspace, settings: { __extensionPath: installed } });
  await extension.activate(context);
  assert.deepEqual([...seen.commands.keys()].sort(), manifest.contributes.commands.map((c) => c.command).sort());
  assert.equal(await seen.commands.get('kimberliteMigrations.showVersion')(), `Kimberlite migrations ${manifest.version}; kmb-lsp 9.9.9.`);
  await seen.commands.get('kimberliteMigrations.restartServer')();
  assert.equal(seen.clients.length, 2);
  assert.ok(seen.clients[0].stopped && seen.clients[1].started);
  // The settings the client reads exist in the manifest.
  for (const key of ['enable', 'serverPath', 'trace.server']) assert.ok(manifest.contributes.configuration.properties[`kimberliteMigrations.${key}`], key);
  await extension.deactivate();
});

test('a missing server, a failing one, and a turned-off extension are shown, never thrown', async () => {
  const workspace = workspaceWith({ 'kimberlite.toml': '' });

  const missing = loadExtension({ workspace, settings: { serverPath: join(workspace, 'nowhere', 'lsp.js') } });
  await missing.extension.activate(missing.context);
  assert.equal(missing.seen.clients.length, 0);
  assert.match(missing.seen.errors[0], /language server is missing: .*nowhere\/lsp\.js does not exist/);
  assert.match(missing.seen.status.text, /\$\(error\)/);

  const failing = loadExtension({ workspace, settings: { __extensionPath: installed }, startFails: 'Connection to server got closed. Server will not be restarted.' });
  await failing.extension.activate(failing.context);
  assert.match(failing.seen.errors[0], /did not start: Connection to server got closed/);
  assert.match(failing.seen.status.text, /\$\(error\)/);

  const off = loadExtension({ workspace, settings: { enable: false, __extensionPath: installed } });
  await off.extension.activate(off.context);
  assert.equal(off.seen.clients.length, 0);
  assert.match(off.seen.status.tooltip, /turned off/);
});

test('the packaged .vsix: small, bundled, no database, and its server answers on its own', async () => {
  assert.ok(existsSync(VSIX), `${VSIX} is missing: scripts/test packages it (node editors/vscode/build.mjs, then vsce package)`);
  const size = statSync(VSIX).size;
  console.log(`# ${relative(root, VSIX)}: ${(size / 1024).toFixed(0)} KB`);
  assert.ok(size < 2 * 1024 * 1024, `${size} bytes`);
  const entries = execFileSync('unzip', ['-Z1', VSIX], { encoding: 'utf8' }).trim().split('\n');
  for (const file of ['extension/package.json', 'extension/readme.md', 'extension/LICENSE.txt', 'extension/dist/THIRD-PARTY-NOTICES.txt', 'extension/dist/extension.js', 'extension/dist/server.mjs', 'extension/dist/kimberlite_migration_bg.wasm', 'extension/dist/kimberlite_migration_lint_bg.wasm']) {
    assert.ok(entries.includes(file), `${file} in ${entries.join(', ')}`);
  }
  assert.deepEqual(entries.filter((e) => /node_modules|pglite|\/src\/|build\.mjs/.test(e)), []);

  // The server from the package, alone in a folder: no node_modules anywhere above it.
  const unpacked = mkdtempSync(join(tmpdir(), 'kmb-vsix-'));
  execFileSync('unzip', ['-q', VSIX, '-d', unpacked]);
  // Its client loads with only the `vscode` module given (the editor's).
  const load = Module._load;
  const anything = new Proxy(function () {}, { get: (target, key) => (key === 'then' ? undefined : anything) });
  Module._load = function (request, ...rest) {
    return request === 'vscode' ? anything : load.call(this, request, ...rest);
  };
  try {
    const bundled = createRequire(import.meta.url)(join(unpacked, 'extension', 'dist', 'extension.js'));
    assert.equal(typeof bundled.activate, 'function');
    assert.equal(typeof bundled.deactivate, 'function');
  } finally {
    Module._load = load;
  }

  const project = workspaceWith({ 'kimberlite.toml': '', 'migrations/0001_a.sql': '-- Migration: A\nCREATE TABLE a (id BIGINT);\nCREATE INDEX a_id ON a (id);\nDELETE FROM accounts;\nCREATE INDEX accounts_id ON accounts (id);\n-- Down Migration\nDROP TABLE a;\n' });
  const child = spawn(process.execPath, [join(unpacked, 'extension', 'dist', 'server.mjs'), '--stdio'], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk) => { stderr += chunk; });
  const connection = rpc.createMessageConnection(new rpc.StreamMessageReader(child.stdout), new rpc.StreamMessageWriter(child.stdin));
  const uri = pathToFileURL(join(project, 'migrations', '0001_a.sql')).href;
  // The token rules first; squawk's (the lint module, beside server.mjs) in the same or a later publish.
  const publishes = [];
  let squawked;
  const squawkedOnce = new Promise((resolve) => { squawked = resolve; });
  const published = new Promise((resolve) => connection.onNotification('textDocument/publishDiagnostics', (params) => {
    if (params.uri !== uri) return;
    publishes.push(params);
    resolve(params);
    if (params.diagnostics.some((d) => d.code === 'require-concurrent-index-creation')) squawked(params);
  }));
  connection.listen();
  try {
    const init = await connection.sendRequest('initialize', { processId: process.pid, rootUri: pathToFileURL(project).href, capabilities: {} });
    assert.equal(init.serverInfo.name, 'kmb-lsp');
    connection.sendNotification('initialized', {});
    connection.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'sql', version: 1, text: readFileSync(fileURLToPath(uri), 'utf8') } });
    const { diagnostics } = await published;
    assert.ok(diagnostics.some((d) => d.code === 'destructive-statement' && d.range.start.line === 3), JSON.stringify(diagnostics));
    const full = await Promise.race([squawkedOnce, new Promise((resolve) => setTimeout(() => resolve(null), 20000))]);
    assert.ok(full, `no publish had squawk's finding: ${JSON.stringify(publishes)}`);
    assert.ok(full.diagnostics.some((d) => d.code === 'require-concurrent-index-creation' && d.range.start.line === 4), JSON.stringify(full.diagnostics));
    assert.ok(!full.diagnostics.some((d) => d.code === 'lint-skipped'), JSON.stringify(full.diagnostics));
    // Ended as an editor ends it: no message is being written when the pipes close.
    await connection.sendRequest('shutdown');
    connection.sendNotification('exit');
    await new Promise((resolve) => child.once('exit', resolve));
  } finally {
    connection.dispose();
    child.kill();
  }
  assert.equal(stderr, '');
});

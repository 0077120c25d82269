// The VS Code extension: starts kmb-lsp (bundled beside this file) for the
// SQL files of Kimberlite projects, and only where there is one. A server
// that is missing or crashes is shown in the status bar and the output
// channel; activation never throws.
const { existsSync } = require('node:fs');
const vscode = require('vscode');
const { LanguageClient, TransportKind, State } = require('vscode-languageclient/node');
const { findProjects, documentSelector } = require('./projects.js');

const ID = 'kimberliteMigrations';
const NAME = 'Kimberlite migrations';

/** What one activation holds: the client, its output, its status item. */
const session = { client: null, output: null, status: null, roots: [], context: null, serverVersion: null };

function setStatus(kind, detail) {
  const { status } = session;
  if (!status) return;
  const icon = { running: '$(check)', starting: '$(sync~spin)', error: '$(error)', stopped: '$(circle-slash)', off: '$(circle-slash)' }[kind];
  status.text = `${icon} Kimberlite`;
  status.tooltip = detail;
  status.backgroundColor = kind === 'error' ? new vscode.ThemeColor('statusBarItem.errorBackground') : undefined;
  status.show();
}

/** The server to run: the setting, else the bundled one. */
function serverModule() {
  const configured = vscode.workspace.getConfiguration(ID).get('serverPath');
  return configured || session.context.asAbsolutePath('dist/server.mjs');
}

async function start() {
  const configuration = vscode.workspace.getConfiguration(ID);
  if (configuration.get('enable') === false) {
    setStatus('off', 'Kimberlite migrations: turned off (kimberliteMigrations.enable)');
    return;
  }
  const workspaceFindFiles = async (glob, exclude, limit) =>
    (await vscode.workspace.findFiles(glob, exclude, limit)).map((uri) => uri.fsPath);
  try {
    session.roots = await findProjects(workspaceFindFiles);
  } catch (error) {
    session.output.appendLine(`Could not look for Kimberlite projects: ${error.message}`);
    session.roots = [];
  }
  if (session.roots.length === 0) {
    session.output.appendLine('No Kimberlite project in this workspace (kimberlite.toml, .kimberlite/migrations, or migrations/0001_name.sql); the server is not started.');
    session.status?.hide();
    return;
  }
  const module = serverModule();
  if (!existsSync(module)) {
    fail(`The Kimberlite language server is missing: ${module} does not exist. Reinstall the extension, or fix kimberliteMigrations.serverPath.`);
    return;
  }
  session.output.appendLine(`Projects: ${session.roots.join(', ')}`);
  setStatus('starting', `Starting ${module}`);
  const server = { module, transport: TransportKind.stdio };
  const client = new LanguageClient(ID, NAME, { run: server, debug: server }, {
    documentSelector: documentSelector(session.roots),
    outputChannel: session.output,
    synchronize: { configurationSection: ID },
  });
  session.client = client;
  client.onDidChangeState(({ newState }) => {
    if (session.client !== client) return;
    if (newState === State.Running) running();
    else if (newState === State.Stopped) setStatus('stopped', 'The Kimberlite language server stopped. Run "Kimberlite: Restart Language Server".');
  });
  try {
    await client.start();
    session.serverVersion = client.initializeResult?.serverInfo?.version ?? null;
    running();
  } catch (error) {
    fail(`The Kimberlite language server did not start: ${error?.message ?? error}`);
  }
}

/** The status bar once the server runs: its version and the projects it serves. */
function running() {
  setStatus('running', `kmb-lsp ${session.serverVersion ?? ''} — ${session.roots.join(', ')}`);
}

/** A failure to start: in the output, the status bar, and a message with a way to the output. */
function fail(message) {
  session.output.appendLine(message);
  setStatus('error', message);
  vscode.window.showErrorMessage(message, 'Show Output').then((choice) => choice && session.output.show());
}

async function stop() {
  const client = session.client;
  session.client = null;
  if (!client) return;
  try {
    await client.stop();
  } catch (error) {
    session.output.appendLine(`Stopping the server: ${error?.message ?? error}`);
  }
}

async function restart() {
  await stop();
  await start();
}

function activate(context) {
  session.context = context;
  session.output = vscode.window.createOutputChannel(NAME);
  session.status = vscode.window.createStatusBarItem(vscode.StatusBarAlignment.Right, 100);
  session.status.command = `${ID}.showOutput`;
  const extensionVersion = context.extension?.packageJSON?.version ?? 'unknown';
  context.subscriptions.push(
    session.output,
    session.status,
    vscode.commands.registerCommand(`${ID}.restartServer`, restart),
    vscode.commands.registerCommand(`${ID}.showOutput`, () => session.output.show()),
    vscode.commands.registerCommand(`${ID}.showVersion`, () => {
      const server = session.serverVersion ? `kmb-lsp ${session.serverVersion}` : 'the server is not running';
      return vscode.window.showInformationMessage(`Kimberlite migrations ${extensionVersion}; ${server}.`);
    }),
    vscode.workspace.onDidChangeConfiguration((event) => {
      if (event.affectsConfiguration(`${ID}.enable`) || event.affectsConfiguration(`${ID}.serverPath`)) restart();
    }),
    { dispose: () => stop() },
  );
  // Never throws: whatever goes wrong is in the status bar and the output.
  return start().catch((error) => {
    session.output.appendLine(`Activation failed: ${error?.stack ?? error}`);
    setStatus('error', `Activation failed: ${error?.message ?? error}`);
  });
}

function deactivate() {
  return stop();
}

module.exports = { activate, deactivate };

// Starts kmb-lsp for migration files (`**/migrations/*.sql`).
const path = require('node:path');
const vscode = require('vscode');
const { LanguageClient, TransportKind } = require('vscode-languageclient/node');

let client;

function serverModule() {
  const configured = vscode.workspace.getConfiguration('kimberliteMigrations').get('serverPath');
  if (configured) return configured;
  return path.join(path.dirname(require.resolve('kimberlite-migration/package.json')), 'lsp.js');
}

function activate(context) {
  const module = serverModule();
  client = new LanguageClient(
    'kimberliteMigrations',
    'Kimberlite migrations',
    { run: { module, transport: TransportKind.stdio }, debug: { module, transport: TransportKind.stdio } },
    { documentSelector: [{ scheme: 'file', language: 'sql', pattern: '**/migrations/*.sql' }] },
  );
  context.subscriptions.push(client);
  return client.start();
}

function deactivate() {
  return client?.stop();
}

module.exports = { activate, deactivate };

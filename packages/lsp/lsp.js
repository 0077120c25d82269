#!/usr/bin/env node
// kmb-lsp: a language server for Kimberlite migration files (stdio).
// Publishes the core's diagnostics for open `.sql` files as the user types,
// including the project-level ones that concern the file (tamper checks
// against the lock, duplicate ids, gaps); offers quick fixes (no-transaction
// directive, ignore comments) and hovers with each code's help.
import { readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import lsp from 'vscode-languageserver/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import * as core from 'kimberlite-migration';

const { createConnection, ProposedFeatures, TextDocuments, TextDocumentSyncKind, DiagnosticSeverity, CodeActionKind, MarkupKind } = lsp;

const USAGE = `Usage: kmb-lsp --stdio

The language server for Kimberlite migration files. An editor starts it and
speaks the Language Server Protocol over its stdin and stdout; the VS Code
extension in editors/vscode does so for migrations/*.sql. Other transports:
--node-ipc, --socket=<port>, --pipe=<name>.

  --version   print the version
  -h, --help  show this help`;
{
  const args = process.argv.slice(2);
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write(`${USAGE}\n`);
    process.exit(0);
  }
  if (args.includes('--version')) {
    process.stdout.write(`kmb-lsp ${core.version()}\n`);
    process.exit(0);
  }
  // Without a transport the protocol library throws; say what to do instead.
  if (!args.some((arg) => arg === '--stdio' || arg === '--node-ipc' || arg.startsWith('--socket=') || arg.startsWith('--pipe='))) {
    process.stderr.write(`error[usage]: kmb-lsp is started by an editor, which names how to talk to it (--stdio).\n\n${USAGE}\n`);
    process.exit(2);
  }
}

const connection = createConnection(ProposedFeatures.all);
const documents = new TextDocuments(TextDocument);
/** uri -> the core diagnostics last published for it. */
const published = new Map();
const summaries = new Map(core.codes().map((entry) => [entry.code, entry]));

const SEVERITY = { error: DiagnosticSeverity.Error, warning: DiagnosticSeverity.Warning, info: DiagnosticSeverity.Information, hint: DiagnosticSeverity.Hint };
const WHOLE_FILE = { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };
/** Codes a `-- kimberlite:ignore` comment may silence (per statement or file). */
const IGNORABLE = new Set(core.codes().filter((c) => c.silenceable).map((c) => c.code));

function pathOf(uri) {
  try {
    return fileURLToPath(uri);
  } catch {
    return uri;
  }
}

/** `parserRules: false`: the token rules only (a keystroke in a large file). */
function analyzeDocument(document, parserRules = true) {
  const path = pathOf(document.uri);
  const project = core.projectOfFile(path);
  if (!project) {
    return core.lint(basename(path), document.getText(), parserRules ? undefined : { parserRules }).map((d) => ({ ...d, file: path }));
  }
  const files = [];
  let names = [];
  try {
    names = readdirSync(project.migrationsDir).filter((name) => name.endsWith('.sql'));
  } catch {
    // The folder may not exist yet (an unsaved file).
  }
  // Open files of the folder count too, saved or not.
  for (const open of [document, ...documents.all()]) {
    const openPath = pathOf(open.uri);
    if (dirname(openPath) === project.migrationsDir && !names.includes(basename(openPath))) names.push(basename(openPath));
  }
  for (const name of names) {
    const full = join(project.migrationsDir, name);
    const open = documents.get(pathToFileURL(full).href);
    const contents = full === path ? document.getText() : open ? open.getText() : readFileSafe(full);
    if (contents !== null) files.push({ path: relative(project.root, full), contents });
  }
  const mine = relative(project.root, path);
  const report = core.analyze({
    files,
    lock: core.readText(project.lockPath),
    tracker: core.readText(project.trackerPath),
    statements: false,
    // Only this file's lint rules run: the others' findings are not shown here.
    options: { rules: project.config.rules, lintOnly: [mine], parserRules, ...(project.config.pgVersion ? { pgVersion: project.config.pgVersion } : {}) },
  });
  // `unlocked` is news for `kmb migration status`, not for a file being written.
  return report.diagnostics.filter((d) => d.file === mine && d.code !== 'unlocked');
}

function readFileSafe(path) {
  try {
    return readFileSync(path);
  } catch {
    return null;
  }
}

function toLsp(diagnostic) {
  return {
    range: diagnostic.range ?? WHOLE_FILE,
    severity: SEVERITY[diagnostic.severity],
    code: diagnostic.code,
    source: 'kmb',
    message: diagnostic.help ? `${diagnostic.message}\n${diagnostic.help}` : diagnostic.message,
    // The fix travels with the finding, for the code action that applies it.
    data: diagnostic.fix ? { code: diagnostic.code, fix: diagnostic.fix } : { code: diagnostic.code },
  };
}

/**
 * A keystroke in a file larger than this runs the token rules at once and
 * the rules that need squawk's parser once typing pauses (a 100 KB file
 * takes about 65 ms with them, 5 ms without): the parser's findings of the
 * last full check stay shown meanwhile, moved with the text around them.
 */
const FULL_CHECK_BYTES = 16 * 1024;
const FULL_CHECK_DELAY_MS = 250;
/** uri -> { text, parserFindings } of the last full check. */
const lastFull = new Map();
/** uri -> the pending full check. */
const fullChecks = new Map();

/**
 * Whether the server checks `document` at all: a `.sql` file on disk. A
 * README, another language or an untitled buffer gets nothing (an editor
 * may send every document it opens).
 */
function checked(document) {
  return document.uri.startsWith('file:') && /\.sql$/i.test(pathOf(document.uri));
}

function validate(document, { keystroke = false } = {}) {
  if (!checked(document)) {
    connection.sendDiagnostics({ uri: document.uri, version: document.version, diagnostics: [] });
    return;
  }
  const quick = keystroke && document.getText().length > FULL_CHECK_BYTES && lastFull.has(document.uri);
  let diagnostics;
  try {
    diagnostics = analyzeDocument(document, !quick);
  } catch (error) {
    connection.console.error(`kmb-lsp: ${error.message}`);
    return;
  }
  clearTimeout(fullChecks.get(document.uri));
  if (quick) {
    const last = lastFull.get(document.uri);
    diagnostics = diagnostics.concat(moved(last.parserFindings, last.text, document.getText()));
    fullChecks.set(document.uri, setTimeout(() => {
      fullChecks.delete(document.uri);
      const current = documents.get(document.uri);
      if (current) validate(current);
    }, FULL_CHECK_DELAY_MS));
  } else {
    lastFull.set(document.uri, { text: document.getText(), parserFindings: diagnostics.filter((d) => NEEDS_PARSER.has(d.code)) });
  }
  published.set(document.uri, diagnostics);
  connection.sendDiagnostics({ uri: document.uri, version: document.version, diagnostics: diagnostics.map(toLsp) });
}

/** Codes whose rules need squawk's parser. */
const NEEDS_PARSER = new Set(core.codes().filter((c) => c.parser).map((c) => c.code));

/**
 * `findings` of `before`, placed in `after`: the edit is the span between
 * their common start and end; findings wholly before it stay, wholly after
 * it move with the text, and the ones it touches are dropped until the next
 * full check.
 */
function moved(findings, before, after) {
  let start = 0;
  const shortest = Math.min(before.length, after.length);
  while (start < shortest && before.charCodeAt(start) === after.charCodeAt(start)) start++;
  let tail = 0;
  while (tail < shortest - start && before.charCodeAt(before.length - 1 - tail) === after.charCodeAt(after.length - 1 - tail)) tail++;
  const old = TextDocument.create('', 'sql', 0, before);
  const now = TextDocument.create('', 'sql', 0, after);
  const beforeEnd = before.length - tail;
  const delta = after.length - before.length;
  const out = [];
  for (const finding of findings) {
    if (!finding.range) continue;
    const from = old.offsetAt(finding.range.start);
    const to = old.offsetAt(finding.range.end);
    if (to <= start) out.push(finding);
    // Text typed right where a finding starts is part of its statement.
    else if (from >= beforeEnd && from > start) out.push({ ...finding, range: { start: now.positionAt(from + delta), end: now.positionAt(to + delta) }, fix: undefined });
  }
  return out;
}

/** Whether the client lets the server ask to hear of files changed on disk. */
let canWatch = false;

connection.onInitialize(({ capabilities }) => {
  canWatch = Boolean(capabilities?.workspace?.didChangeWatchedFiles?.dynamicRegistration);
  return {
    capabilities: {
      textDocumentSync: TextDocumentSyncKind.Incremental,
      codeActionProvider: { codeActionKinds: [CodeActionKind.QuickFix] },
      hoverProvider: true,
    },
    serverInfo: { name: 'kmb-lsp', version: core.version() },
  };
});

// Files that change on disk without being open here (a migration deleted or
// renamed, the lock or tracker rewritten by `kmb migration apply`, the
// project file edited) change the project findings of the open files.
connection.onInitialized(() => {
  if (!canWatch) return;
  connection.client.register(lsp.DidChangeWatchedFilesNotification.type, {
    watchers: [{ globPattern: '**/*.sql' }, { globPattern: '**/.kimberlite/migrations/*' }, { globPattern: '**/kimberlite.toml' }],
  }).catch((error) => connection.console.error(`kmb-lsp: could not watch files: ${error.message}`));
});
connection.onDidChangeWatchedFiles(() => {
  clearTimeout(others);
  others = setTimeout(() => {
    for (const document of documents.all()) validate(document);
  }, OTHERS_DELAY_MS);
});

documents.onDidOpen(({ document }) => validate(document));
/** The pending check of the other open files after a change. */
let others = null;
documents.onDidChangeContent(({ document }) => {
  validate(document, { keystroke: true });
  // Other open files of the same project may gain or lose project findings
  // (a duplicate id, the schema a later file is linted against): checked
  // once typing pauses, not on every keystroke.
  clearTimeout(others);
  others = setTimeout(() => {
    for (const other of documents.all()) if (other.uri !== document.uri) validate(other);
  }, OTHERS_DELAY_MS);
});
documents.onDidClose(({ document }) => {
  published.delete(document.uri);
  lastFull.delete(document.uri);
  clearTimeout(fullChecks.get(document.uri));
  fullChecks.delete(document.uri);
  connection.sendDiagnostics({ uri: document.uri, diagnostics: [] });
});

/** How long typing must pause before the other open files are checked again. */
const OTHERS_DELAY_MS = 300;

/** Where a new first line goes: after a BOM, at the top. */
const TOP = { line: 0, character: 0 };

function insertLine(uri, position, text) {
  return { changes: { [uri]: [{ range: { start: position, end: position }, newText: text }] } };
}

connection.onCodeAction(({ textDocument, context }) => {
  const document = documents.get(textDocument.uri);
  if (!document) return [];
  const actions = [];
  const seen = new Set();
  for (const diagnostic of context.diagnostics) {
    const code = diagnostic.data?.code ?? diagnostic.code;
    if (typeof code !== 'string') continue;
    const fix = diagnostic.data?.fix;
    if (fix && !seen.has(`fix ${code} ${diagnostic.range.start.line}`)) {
      seen.add(`fix ${code} ${diagnostic.range.start.line}`);
      actions.push({
        title: fix.title,
        kind: CodeActionKind.QuickFix,
        diagnostics: [diagnostic],
        isPreferred: true,
        edit: { changes: { [textDocument.uri]: fix.edits.map((edit) => ({ range: edit.range, newText: edit.text })) } },
      });
    }
    if ((code === 'non-transactional-statement' || code === 'transaction-control') && !seen.has('no-transaction')) {
      seen.add('no-transaction');
      actions.push({
        title: 'Run this migration outside a transaction (-- kimberlite:no-transaction)',
        kind: CodeActionKind.QuickFix,
        diagnostics: [diagnostic],
        isPreferred: code === 'non-transactional-statement',
        edit: insertLine(textDocument.uri, TOP, '-- kimberlite:no-transaction\n'),
      });
    }
    if (!IGNORABLE.has(code) || seen.has(`ignore ${code} ${diagnostic.range.start.line}`)) continue;
    seen.add(`ignore ${code} ${diagnostic.range.start.line}`);
    // The comment goes on the line above the statement's first line (a
    // finding may sit on a later line of it); a statement that starts after
    // another on the same line is moved to a line of its own first.
    const statements = statementsOf(document);
    const statement = statements.find((s) => inside(s.range, diagnostic.range.start));
    const start = statement?.range.start ?? { line: diagnostic.range.start.line, character: 0 };
    const lineText = document.getText({ start: { line: start.line, character: 0 }, end: { line: start.line + 1, character: 0 } });
    const indent = /^[ \t]*/.exec(lineText)[0];
    const alone = /^\s*$/.test(lineText.slice(0, start.character));
    actions.push({
      title: `Ignore ${code} for this statement`,
      kind: CodeActionKind.QuickFix,
      diagnostics: [diagnostic],
      edit: alone
        ? insertLine(textDocument.uri, { line: start.line, character: 0 }, `${indent}-- kimberlite:ignore ${code}\n`)
        : insertLine(textDocument.uri, start, `\n${indent}-- kimberlite:ignore ${code}\n${indent}`),
    });
    actions.push({
      title: `Ignore ${code} in this file`,
      kind: CodeActionKind.QuickFix,
      diagnostics: [diagnostic],
      edit: insertLine(textDocument.uri, TOP, `-- kimberlite:ignore-file ${code}\n`),
    });
  }
  return actions;
});

/** The statements of a document (ranges in UTF-16 units), for placing ignore comments. */
function statementsOf(document) {
  try {
    return core.splitStatements(document.getText());
  } catch {
    return [];
  }
}

const inside = (range, position) =>
  (position.line > range.start.line || (position.line === range.start.line && position.character >= range.start.character)) &&
  (position.line < range.end.line || (position.line === range.end.line && position.character <= range.end.character));

connection.onHover(({ textDocument, position }) => {
  const found = (published.get(textDocument.uri) ?? []).filter((d) => inside(d.range ?? WHOLE_FILE, position));
  if (found.length === 0) return null;
  const value = found
    .map((d) => `**${d.code}** (${d.severity}) — ${summaries.get(d.code)?.summary ?? ''}\n\n${d.message}${d.help ? `\n\n*Fix:* ${d.help}` : ''}`)
    .join('\n\n---\n\n');
  return { contents: { kind: MarkupKind.Markdown, value }, range: found[0].range };
});

documents.listen(connection);
connection.listen();

#!/usr/bin/env node
// kmb-lsp: a language server for Kimberlite migration files (stdio).
// Publishes the core's diagnostics for open `.sql` files as the user types,
// including the project-level ones that concern the file (tamper checks
// against the lock, duplicate ids, gaps); offers quick fixes (no-transaction
// directive, ignore comments) and hovers with each code's help. In a project
// that targets Kimberlite, Kimberlite's own verdicts (`kimberlite-unsupported`)
// join them once typing pauses, when the native helper kmb-kimberlite is found.
import { readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import lsp from 'vscode-languageserver/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import * as core from 'kimberlite-migration';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

// The garbage collector, to call after a large document closes: V8 exposes
// it to a context made after the flag is set.
setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc');

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
/** The core's table of codes, read once. */
const CODES = core.codes();
const summaries = new Map(CODES.map((entry) => [entry.code, entry]));

const SEVERITY = { error: DiagnosticSeverity.Error, warning: DiagnosticSeverity.Warning, info: DiagnosticSeverity.Information, hint: DiagnosticSeverity.Hint };
const WHOLE_FILE = { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };
/** Codes a `-- kimberlite:ignore` comment may silence (per statement or file). */
const IGNORABLE = new Set(CODES.filter((c) => c.silenceable).map((c) => c.code));

function pathOf(uri) {
  try {
    return fileURLToPath(uri);
  } catch {
    return uri;
  }
}

/**
 * The project model: for each folder, the project its `.sql` files belong to
 * (or null), and for each project its files on disk, its lock and its
 * tracker, read once and then kept current from watched-file events, so a
 * keystroke reads nothing from disk. Open documents stand in for their
 * files. A client that cannot watch files gets the disk read again each
 * time typing pauses.
 */
/** folder -> the project layout of its files, or null. */
const layouts = new Map();
/** project root -> { layout, disk: Map<file name, Buffer>, lock, tracker }. */
const models = new Map();

function layoutOf(path) {
  const folder = dirname(path);
  if (!layouts.has(folder)) layouts.set(folder, core.projectOfFile(path));
  return layouts.get(folder);
}

function modelOf(layout) {
  let model = models.get(layout.root);
  if (model) return model;
  const disk = new Map();
  let names = [];
  try {
    names = readdirSync(layout.migrationsDir).filter((name) => name.endsWith('.sql'));
  } catch {
    // The folder may not exist yet (an unsaved file).
  }
  for (const name of names) {
    const contents = readFileSafe(join(layout.migrationsDir, name));
    if (contents !== null) disk.set(name, contents);
  }
  model = { layout, disk, lock: readTextSafe(layout.lockPath), tracker: readTextSafe(layout.trackerPath) };
  models.set(layout.root, model);
  return model;
}

/** Forgets what was read from disk (a project file changed, or the client cannot say what did). */
function forgetDisk() {
  layouts.clear();
  models.clear();
}

/** The open documents of a project's migrations folder, by file name. */
function openIn(model) {
  const open = new Map();
  for (const document of documents.all()) {
    if (!checked(document)) continue;
    const path = pathOf(document.uri);
    if (dirname(path) === model.layout.migrationsDir) open.set(basename(path), document);
  }
  return open;
}

/**
 * Checks `targets` (open documents of one project) in one call of the core:
 * every file of the project is read (the project findings, the schema model
 * of earlier migrations), the lint rules run on the targets only. Returns
 * uri -> the core's diagnostics for that file. `parserRules: false`: the
 * token rules only (a keystroke in a large file).
 */
function checkProject(model, targets, parserRules = true) {
  const { layout } = model;
  const { files, pathIn } = projectFiles(model, targets);
  const wanted = new Map(targets.map((document) => [pathIn(basename(pathOf(document.uri))), document.uri]));
  // Kimberlite's verdicts on the targets, when they are for their text as it is now.
  const verdicts = targets.map((document) => kimberliteVerdicts.get(document.uri)).filter((v) => v && documents.get(v.uri)?.version === v.version);
  const report = core.analyze({
    files,
    lock: model.lock,
    tracker: model.tracker,
    statements: false,
    ...(verdicts.length > 0 ? { external: verdicts.flatMap((v) => v.external) } : {}),
    // Only the targets' lint rules run: the others' findings are not shown.
    options: { rules: layout.config.rules, lintOnly: [...wanted.keys()], parserRules, reuse: true, ...(layout.config.pgVersion ? { pgVersion: layout.config.pgVersion } : {}), ...(layout.config.target ? { target: layout.config.target } : {}) },
  });
  const found = new Map(targets.map((document) => [document.uri, []]));
  for (const diagnostic of report.diagnostics) {
    // `unlocked` is news for `kmb migration status`, not for a file being written.
    const uri = wanted.get(diagnostic.file);
    if (uri !== undefined && diagnostic.code !== 'unlocked') found.get(uri).push(diagnostic);
  }
  return found;
}

/** The project's files as the editor has them (open documents for their files), and the path of a file name. */
function projectFiles(model, targets = []) {
  const { layout } = model;
  const open = openIn(model);
  for (const document of targets) open.set(basename(pathOf(document.uri)), document);
  const names = new Set([...model.disk.keys(), ...open.keys()]);
  const files = [];
  const folder = relative(layout.root, layout.migrationsDir);
  const pathIn = (name) => (folder ? join(folder, name) : name);
  for (const name of names) files.push({ path: pathIn(name), contents: open.get(name)?.getText() ?? model.disk.get(name) });
  return { files, pathIn };
}

/**
 * Kimberlite's own check (`kimberlite-unsupported`) for a project whose
 * kimberlite.toml says `target = "kimberlite"`: the native helper parses and
 * runs the statements of the document and of the migrations before it, once
 * typing pauses, and the document is checked again with its verdicts.
 * Without the helper the editor is told once per project what it misses.
 */
const KIMBERLITE_DELAY_MS = 400;
/** uri -> { uri, version, external } of the last Kimberlite check. */
const kimberliteVerdicts = new Map();
/** uri -> the pending Kimberlite check. */
const kimberliteChecks = new Map();
/** Project roots told that the helper is missing. */
const toldMissing = new Set();
let helperPath;

function scheduleKimberlite(document) {
  if (!checked(document)) return;
  const layout = layoutOf(pathOf(document.uri));
  if (layout?.config.target !== 'kimberlite') return;
  helperPath ??= core.findHelper();
  if (!helperPath) {
    if (!toldMissing.has(layout.root)) {
      toldMissing.add(layout.root);
      // A notification (window/showMessage), which needs no answer from the editor.
      connection.sendNotification('window/showMessage', {
        type: 3,
        message: `kmb: ${basename(layout.root)} targets Kimberlite, but Kimberlite's own check (kimberlite-unsupported) needs the native helper kmb-kimberlite, which was not found (KMB_KIMBERLITE_HELPER, or kmb-kimberlite on the PATH). The PostgreSQL rules run as usual.`,
      });
    }
    return;
  }
  clearTimeout(kimberliteChecks.get(document.uri));
  kimberliteChecks.set(document.uri, setTimeout(() => {
    kimberliteChecks.delete(document.uri);
    checkWithKimberlite(document.uri).catch((error) => connection.console.error(`kmb-lsp: Kimberlite's check: ${error.message}`));
  }, KIMBERLITE_DELAY_MS));
}

async function checkWithKimberlite(uri) {
  const document = documents.get(uri);
  if (!document) return;
  const { version } = document;
  const layout = layoutOf(pathOf(uri));
  const model = modelOf(layout);
  const { files, pathIn } = projectFiles(model, [document]);
  const path = pathIn(basename(pathOf(uri)));
  // The statements of every migration (no lint rules: only what runs matters here).
  const report = core.analyze({ files, lock: model.lock, tracker: model.tracker, options: { lintOnly: [], parserRules: false } });
  const external = await core.kimberliteFindings(report, { helper: helperPath, only: [path] });
  if (documents.get(uri)?.version !== version) return;
  kimberliteVerdicts.set(uri, { uri, version, external });
  validate(documents.get(uri));
}

/** A document's findings: with its project's when it is a migration, else its own lint. */
function analyzeDocument(document, parserRules = true) {
  const path = pathOf(document.uri);
  const layout = layoutOf(path);
  if (!layout) {
    return core.lint(basename(path), document.getText(), parserRules ? undefined : { parserRules }).map((d) => ({ ...d, file: path }));
  }
  return checkProject(modelOf(layout), [document], parserRules).get(document.uri);
}

function readTextSafe(path) {
  try {
    return core.readText(path);
  } catch {
    return null;
  }
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
/**
 * A document large enough that the core's memory after its check is mostly
 * its copy: given back after each check and at its close (see `publish`).
 */
const LARGE_DOCUMENT = 16 * 1024 * 1024;
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
  }
  publish(document, diagnostics, { full: !quick });
}

/** Shows `diagnostics` for `document`; `full`: they include the parser's rules. */
function publish(document, diagnostics, { full }) {
  if (full) lastFull.set(document.uri, { text: document.getText(), parserFindings: diagnostics.filter((d) => NEEDS_PARSER.has(d.code)) });
  published.set(document.uri, diagnostics);
  connection.sendDiagnostics({ uri: document.uri, version: document.version, diagnostics: diagnostics.map(toLsp) });
  // After the check of a large document (100 MB) the core's memory is
  // mostly free space that held its copy: given back now, not when the
  // document closes. Only then: after a large project's check, what the core
  // keeps between calls (the parse of unchanged files) saves each keystroke
  // more than the memory is worth, and is a small part of that memory.
  if (document.getText().length >= LARGE_DOCUMENT && core.releaseMemory(undefined, { mostlyFree: true })) setTimeout(collectGarbage, 0);
}

/** Codes whose rules need squawk's parser. */
const NEEDS_PARSER = new Set(CODES.filter((c) => c.parser).map((c) => c.code));

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
    watchers: [{ globPattern: '**/*.sql' }, { globPattern: `**/${core.STATE_DIR}/*` }, { globPattern: `**/${core.PROJECT_FILE}` }],
  }).catch((error) => connection.console.error(`kmb-lsp: could not watch files: ${error.message}`));
});
/**
 * What a change can affect, checked once typing pauses: project root ->
 * 'all', or the file name after which open migrations are affected (the
 * schema model and the project findings of a migration depend on the
 * files before it and on the names of all, never on later contents).
 */
const pending = new Map();
/**
 * Project root -> the uri of the document checked when it opened, with
 * nothing changed since: the pass for 'all' its opening asked for skips it.
 */
const justChecked = new Map();
/** The pending pass over the other open files. */
let others = null;
/** How long typing must pause before the other open files are checked again. */
const OTHERS_DELAY_MS = 300;

/** `opened`: the uri of a document just opened and checked, which this change is. */
function affect(root, from, opened = null) {
  // Only the latest opening is fresh: its name may change what the earlier ones find.
  if (opened) justChecked.set(root, opened);
  else justChecked.delete(root);
  const now = pending.get(root);
  if (now === 'all' || from === 'all') pending.set(root, 'all');
  else pending.set(root, now === undefined || from < now ? from : now);
  clearTimeout(others);
  others = setTimeout(checkOthers, OTHERS_DELAY_MS);
}

/** One call of the core per project for every open migration a change may concern. */
function checkOthers() {
  others = null;
  const work = [...pending];
  const skip = new Map(justChecked);
  pending.clear();
  justChecked.clear();
  if (!canWatch) forgetDisk();
  for (const [root, from] of work) {
    let model;
    const targets = [];
    for (const document of documents.all()) {
      if (!checked(document)) continue;
      const path = pathOf(document.uri);
      const layout = layoutOf(path);
      if (!layout || layout.root !== root) continue;
      // The file typed in was checked on its keystroke; a later one, or every one for 'all'.
      if (from !== 'all' && basename(path) <= from) continue;
      if (skip.get(root) === document.uri) continue;
      model ??= modelOf(layout);
      targets.push(document);
    }
    if (targets.length === 0) continue;
    let found;
    try {
      found = checkProject(model, targets);
    } catch (error) {
      connection.console.error(`kmb-lsp: ${error.message}`);
      continue;
    }
    for (const document of targets) publish(document, found.get(document.uri), { full: true });
  }
}

// Files that change on disk (a migration created, deleted or renamed, the
// lock or tracker rewritten by `kmb migration apply`, the project file
// edited) update the model; the open files of that project are checked
// again once typing pauses.
connection.onDidChangeWatchedFiles(({ changes }) => {
  for (const { uri, type } of changes) {
    const path = pathOf(uri);
    if (basename(path) === core.PROJECT_FILE) {
      // A project file may make a project of open files that were none, or
      // none of files that were one: each open file is checked again, in its
      // project, or on its own (with no project findings) at once.
      forgetDisk();
      for (const document of documents.all()) {
        if (!checked(document)) continue;
        const layout = layoutOf(pathOf(document.uri));
        if (layout) affect(layout.root, 'all');
        else validate(document);
      }
      continue;
    }
    for (const model of models.values()) {
      const { layout } = model;
      if (dirname(path) === layout.migrationsDir && path.endsWith('.sql')) {
        const contents = type === lsp.FileChangeType.Deleted ? null : readFileSafe(path);
        if (contents === null) model.disk.delete(basename(path));
        else model.disk.set(basename(path), contents);
        // An open file is checked with its open text, not its disk copy
        // (saving it changes nothing the checks read): kept for its close.
        if (documents.all().some((document) => pathOf(document.uri) === path)) continue;
      } else if (path === layout.lockPath) model.lock = readTextSafe(path);
      else if (path === layout.trackerPath) model.tracker = readTextSafe(path);
      else continue;
      affect(layout.root, 'all');
    }
  }
});

/** Documents just opened: their first content event is no keystroke. */
const opening = new Set();
documents.onDidOpen(({ document }) => opening.add(document.uri));
documents.onDidChangeContent(({ document }) => {
  const opened = opening.delete(document.uri);
  validate(document, { keystroke: !opened });
  scheduleKimberlite(document);
  if (!checked(document)) return;
  const layout = layoutOf(pathOf(document.uri));
  // A document opened may be a file not yet on disk (its name counts for
  // every other); a keystroke concerns only the migrations after it.
  if (layout) affect(layout.root, opened ? 'all' : basename(pathOf(document.uri)), opened ? document.uri : null);
});
documents.onDidClose(({ document }) => {
  published.delete(document.uri);
  kimberliteVerdicts.delete(document.uri);
  clearTimeout(kimberliteChecks.get(document.uri));
  kimberliteChecks.delete(document.uri);
  lastFull.delete(document.uri);
  clearTimeout(fullChecks.get(document.uri));
  fullChecks.delete(document.uri);
  connection.sendDiagnostics({ uri: document.uri, diagnostics: [] });
  // An unsaved file that closes leaves the project (its name no longer counts).
  const layout = checked(document) ? layoutOf(pathOf(document.uri)) : null;
  if (layout) affect(layout.root, 'all');
  // A large document read once would keep the core's memory at its size for
  // as long as the editor runs: give it back when the document goes, and
  // collect now (an idle server may not collect for a long time), also when
  // the core gave its memory back earlier (after the check, in `publish`):
  // the text itself and the message that brought it are still to collect.
  if (core.releaseMemory() || document.getText().length > LARGE_DOCUMENT) setTimeout(collectGarbage, 0);
});

/** A fix of the core as an LSP workspace edit. */
const asEdit = (uri, fix) => ({ changes: { [uri]: fix.edits.map((edit) => ({ range: edit.range, newText: edit.text })) } });

connection.onCodeAction(({ textDocument, context }) => {
  const document = documents.get(textDocument.uri);
  if (!document) return [];
  const actions = [];
  const seen = new Set();
  for (const diagnostic of context.diagnostics) {
    const code = diagnostic.data?.code ?? diagnostic.code;
    if (typeof code !== 'string') continue;
    // The fix the core gave with the finding (squawk's, the no-transaction
    // directive); one action for the same edits offered by several findings.
    const fix = diagnostic.data?.fix;
    const key = fix && `fix ${fix.title} ${JSON.stringify(fix.edits.map((edit) => [edit.range, edit.text]))}`;
    if (fix && !seen.has(key)) {
      seen.add(key);
      actions.push({
        title: fix.title,
        kind: CodeActionKind.QuickFix,
        diagnostics: [diagnostic],
        isPreferred: true,
        edit: asEdit(textDocument.uri, fix),
      });
    }
    if (!IGNORABLE.has(code) || seen.has(`ignore ${code} ${diagnostic.range.start.line}`)) continue;
    seen.add(`ignore ${code} ${diagnostic.range.start.line}`);
    // Where the comments go is the core's answer (statement-aware).
    let fixes = null;
    try {
      fixes = core.ignoreFixes(document.getText(), code, diagnostic.range.start);
    } catch (error) {
      connection.console.error(`kmb-lsp: ${error.message}`);
    }
    for (const ignore of fixes ? [fixes.statement, fixes.file] : []) {
      actions.push({ title: ignore.title, kind: CodeActionKind.QuickFix, diagnostics: [diagnostic], edit: asEdit(textDocument.uri, ignore) });
    }
  }
  return actions;
});

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
